"""The versioned REST API: /api/v1/. Each app adds its router here."""

from django.urls import include, path
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse

app_name = "api"


@extend_schema(exclude=True)
@api_view(["GET"])
def api_root(request: Request) -> Response:
    """The entry points of the API."""
    return Response(
        {
            "me": reverse("api:me", request=request),
            "schema": reverse("api-schema", request=request),
            "docs": reverse("api-docs", request=request),
        }
    )


urlpatterns = [
    path("", api_root, name="root"),
    path("", include("accounts.api.urls")),
    path("", include("suppliers.api.urls")),
    path("", include("meetings.api.urls")),
]
