from django.urls import path

from notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.NotificationListView.as_view(), name="inbox"),
    path("<int:pk>/read/", views.NotificationMarkReadView.as_view(), name="notification_mark_read"),
    path("read/", views.NotificationMarkAllReadView.as_view(), name="notification_mark_all_read"),
    path("preferences/", views.EmailPreferenceView.as_view(), name="preferences"),
]
