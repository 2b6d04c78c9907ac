from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("", views.DashboardView.as_view(), name="dashboard"),
    path("my-day/", views.MyDayView.as_view(), name="my_day"),
    path("export/<slug:dataset>.<slug:file_format>", views.ExportView.as_view(), name="export"),
]
