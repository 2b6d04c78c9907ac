from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from reports.views import HomeView

admin.site.site_header = "SRM administration"
admin.site.site_title = "SRM"

urlpatterns = [
    # The home page (core:home, where sign-in leads) is the dashboard or My day, by role: a
    # reports view, routed here because core imports no domain app.
    path("", include(([path("", HomeView.as_view(), name="home")], "core"))),
    path("accounts/", include("accounts.urls")),
    path("suppliers/", include("suppliers.urls")),
    path("meetings/", include("meetings.urls")),
    path("escalations/", include("escalations.urls")),
    path("notifications/", include("notifications.urls")),
    path("contracts/", include("contracts.urls")),
    path("reviews/", include("reviews.urls")),
    path("rfps/", include("rfps.urls")),
    path("reports/", include("reports.urls")),
    path("webhooks/", include("webhooks.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("srm.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's init script as a file: no inline script (CSP).
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
]

handler400 = "core.views.bad_request"
handler403 = "core.views.permission_denied"
handler404 = "core.views.page_not_found"
handler500 = "core.views.server_error"

# Uploaded files (contract documents, proposal attachments) are confidential: they are never
# served under MEDIA_URL, only through views that check who is asking.
