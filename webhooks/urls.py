from django.urls import path

from webhooks import views

app_name = "webhooks"

_ACTIONS = ("disable", "enable", "send_test", "rotate_secret", "delete")

urlpatterns = [
    path("", views.EndpointListView.as_view(), name="endpoint_list"),
    path("new/", views.EndpointCreateView.as_view(), name="endpoint_create"),
    path("<int:pk>/", views.EndpointDetailView.as_view(), name="endpoint_detail"),
    path("<int:pk>/edit/", views.EndpointEditView.as_view(), name="endpoint_edit"),
    *[
        path(
            f"<int:pk>/{action.replace('_', '-')}/",
            views.EndpointActionView.as_view(action=action),
            name=f"endpoint_{action}",
        )
        for action in _ACTIONS
    ],
    path(
        "deliveries/<int:pk>/redeliver/",
        views.DeliveryRedeliverView.as_view(),
        name="delivery_redeliver",
    ),
]
