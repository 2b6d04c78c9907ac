from rest_framework.routers import DefaultRouter

from reports.api.views import ReportViewSet

router = DefaultRouter()
router.include_root_view = False  # /api/v1/ has its own root (srm.api_urls)
router.register("reports", ReportViewSet, basename="report")

urlpatterns = router.urls
