from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("export/<slug:dataset>.<slug:file_format>", views.ExportView.as_view(), name="export"),
]
