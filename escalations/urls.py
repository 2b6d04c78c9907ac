from django.urls import path

from escalations import views

app_name = "escalations"

urlpatterns = [
    path("", views.EscalationListView.as_view(), name="escalation_list"),
    path("<int:pk>/", views.EscalationDetailView.as_view(), name="escalation_detail"),
    path(
        "<int:pk>/acknowledge/",
        views.EscalationAcknowledgeView.as_view(),
        name="escalation_acknowledge",
    ),
    path("<int:pk>/resolve/", views.EscalationResolveView.as_view(), name="escalation_resolve"),
]
