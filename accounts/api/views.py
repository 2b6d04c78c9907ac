from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api.serializers import MeSerializer
from accounts.models import User


class MeView(APIView):
    """The caller: who they are and what their roles allow."""

    @extend_schema(responses=MeSerializer)
    def get(self, request: Request) -> Response:
        user = User.objects.select_related("manager").get(pk=request.user.pk or 0)
        return Response(MeSerializer(user).data)
