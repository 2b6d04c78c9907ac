from django.urls import path

from escalations import views

app_name = "escalations"

urlpatterns = [
    path("<int:pk>/", views.escalation_detail, name="escalation_detail"),
]
