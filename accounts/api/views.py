from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api.serializers import MeSerializer


class MeView(APIView):
    """The caller: who they are and what their roles allow."""

    token_scope = "me"  # noqa: S105 - a scope name, not a secret

    @extend_schema(responses=MeSerializer)
    def get(self, request: Request) -> Response:
        # The authenticated user already carries its roles; only a manager costs a query.
        return Response(MeSerializer(request.user).data)  # type: ignore[arg-type]
