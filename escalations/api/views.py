"""Escalations over the API: read, filtered as the page filters them, and acknowledged or
resolved through the services, which decide who may (403 otherwise) and record the step."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, cast

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from accounts.models import User
from accounts.roles import Capability, user_can
from core.api.bulk import ErrorSerializer
from core.api.filters import FilterBackend
from core.api.views import ReadOnlyApiViewSet
from escalations.api.serializers import (
    EscalationAcknowledgeSerializer,
    EscalationDetailSerializer,
    EscalationResolveSerializer,
    EscalationSerializer,
)
from escalations.filtersets import EscalationFilterSet
from escalations.models import Escalation
from escalations.permissions import may_handle
from escalations.selectors import escalation_list_with_steps
from escalations.services import escalation_acknowledge, escalation_resolve

_FORBIDDEN = OpenApiResponse(
    ErrorSerializer,
    description=_(
        "Only procurement managers and the people of the escalation's levels so far may act."
    ),
)
_CLOSED = OpenApiResponse(
    ErrorSerializer,
    description=_("``escalation_closed``: it is resolved already, so it cannot be acknowledged."),
)
_INVALID = OpenApiResponse(ErrorSerializer, description=_("A field is missing or wrong."))
_ACTIONS = ("acknowledge", "resolve")


class MayHandleEscalation(permissions.BasePermission):
    """The acknowledge and resolve actions: whoever escalations.permissions.may_handle lets, as
    the page does. An executive sponsor it reached may, though they change nothing else (so no
    CHANGE_DATA is asked for)."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return bool(request.user and user_can(request.user, Capability.USE_API))

    def has_object_permission(self, request: Request, view: Any, obj: Any) -> bool:
        return may_handle(request.user, obj)


class EscalationViewSet(ReadOnlyApiViewSet[Escalation]):
    """Escalations with every step, newest first. Everyone who reads the portfolio reads them
    all; ``level`` and ``status`` change only through the ladder and the ``acknowledge`` and
    ``resolve`` actions. Sync changes with ``?changes_after=<cursor>``."""

    token_scope = "escalations"  # noqa: S105 - a scope name, not a secret
    change_resource = "escalations"

    serializer_class = EscalationSerializer
    filter_backends = [FilterBackend]  # the FilterSet brings its own ``ordering``
    filterset_class = EscalationFilterSet
    ordering = ("-raised_at", "-id")
    required_capability = Capability.VIEW_PORTFOLIO

    selector = escalation_list_with_steps

    def get_permissions(self) -> Sequence[Any]:
        if self.action in _ACTIONS:
            return [MayHandleEscalation()]
        return super().get_permissions()

    def get_serializer_class(self) -> type[BaseSerializer[Any]]:
        if self.action == "acknowledge":
            return EscalationAcknowledgeSerializer
        if self.action == "resolve":
            return EscalationResolveSerializer
        if self.action == "retrieve":
            return EscalationDetailSerializer
        return EscalationSerializer

    def _act(self, request: Request, act: Callable[..., Escalation]) -> Response:
        escalation = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        note = cast(dict[str, Any], serializer.validated_data).get("note", "")
        act(escalation=escalation, by=cast(User, request.user), note=note)
        changed = self.get_queryset().get(pk=escalation.pk)
        context = self.get_serializer_context()
        return Response(EscalationDetailSerializer(changed, context=context).data)

    @extend_schema(
        request=EscalationAcknowledgeSerializer,
        responses={200: EscalationDetailSerializer, 403: _FORBIDDEN, 409: _CLOSED},
    )
    @action(detail=True, methods=["post"])
    def acknowledge(self, request: Request, pk: str | None = None) -> Response:
        """Someone has it in hand: it climbs no more. Acknowledging it again changes nothing."""
        return self._act(request, escalation_acknowledge)

    @extend_schema(
        request=EscalationResolveSerializer,
        responses={200: EscalationDetailSerializer, 400: _INVALID, 403: _FORBIDDEN},
    )
    @action(detail=True, methods=["post"])
    def resolve(self, request: Request, pk: str | None = None) -> Response:
        """Closes it with a note saying how. Resolving it again changes nothing."""
        return self._act(request, escalation_resolve)
