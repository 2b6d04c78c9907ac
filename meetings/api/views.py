"""Meetings and commitments over the API.

Reads go through the selectors and the FilterSets the pages use; writes go through the
services, which check the rules (who may log, change or close what; attendees and owners on
the right side); every write answers with the full representation, read back through the
selector.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from accounts.models import User
from accounts.roles import Capability
from core.api.bulk import ErrorSerializer
from core.api.views import ApiViewSet, ModelApiViewSet
from meetings import services
from meetings.api.serializers import (
    CommitmentCloseSerializer,
    CommitmentSerializer,
    CommitmentWriteSerializer,
    MeetingSerializer,
    MeetingUpdateSerializer,
    MeetingWriteSerializer,
)
from meetings.filtersets import CommitmentFilterSet, MeetingFilterSet
from meetings.models import Commitment, Meeting
from meetings.selectors import commitment_list, meeting_list


def _actor(request: Request) -> User:
    # RolePermission has let only signed-in people with a role this far.
    return cast(User, request.user)


_FORBIDDEN = OpenApiResponse(
    ErrorSerializer, description=_("The caller may not do this to this object.")
)


@extend_schema_view(
    create=extend_schema(
        request=MeetingWriteSerializer, responses={201: MeetingSerializer, 403: _FORBIDDEN}
    ),
    update=extend_schema(
        request=MeetingUpdateSerializer, responses={200: MeetingSerializer, 403: _FORBIDDEN}
    ),
    partial_update=extend_schema(
        request=MeetingUpdateSerializer, responses={200: MeetingSerializer, 403: _FORBIDDEN}
    ),
    destroy=extend_schema(responses={204: None, 403: _FORBIDDEN}),
)
class MeetingViewSet(ModelApiViewSet[Meeting]):
    """Meetings with suppliers. Anyone on the buying side who logs meetings may log one they
    attended, with the contacts met for the first time and the commitments made, in one
    request; only its author or a procurement manager changes or deletes it. Errors of the
    nested input are keyed by path: ``commitments.2.owner``."""

    token_scope = "meetings"  # noqa: S105 - a scope name, not a secret
    change_resource = "meetings"

    filterset_class = MeetingFilterSet
    ordering_fields = ["starts_at", "updated_at", "created_at"]
    ordering = ("-starts_at", "-id")
    required_capability = Capability.VIEW_PORTFOLIO
    action_capabilities = dict.fromkeys(
        ["create", "update", "partial_update", "destroy"], Capability.MANAGE_OWN_SUPPLIERS
    )

    selector = meeting_list

    def get_serializer_class(self) -> type[BaseSerializer[Any]]:
        if self.action == "create":
            return MeetingWriteSerializer
        if self.action in ("update", "partial_update"):
            return MeetingUpdateSerializer
        return MeetingSerializer

    def _read_back(self, meeting: Meeting) -> Meeting:
        return self.get_queryset().get(pk=meeting.pk)

    def perform_create(self, serializer: BaseSerializer[Meeting]) -> None:
        form = cast(MeetingWriteSerializer, serializer)
        meeting = services.meeting_log(by=_actor(self.request), meeting=form.meeting_input())
        serializer.instance = self._read_back(meeting)

    def perform_update(self, serializer: BaseSerializer[Meeting]) -> None:
        form = cast(MeetingUpdateSerializer, serializer)
        data = form.validated_data
        meeting = services.meeting_update(
            meeting=cast(Meeting, serializer.instance),
            by=_actor(self.request),
            fields=form.meeting_data(),
            our_attendees=data.get("our_attendees"),
            their_attendees=data.get("their_attendees"),
        )
        serializer.instance = self._read_back(meeting)

    def perform_destroy(self, instance: Meeting) -> None:
        services.meeting_delete(meeting=instance, by=_actor(self.request))


_CLOSED = OpenApiResponse(
    ErrorSerializer,
    description=_(
        "``commitment_closed``: it was closed the other way already (done, or cancelled). "
        "Repeating the same action changes nothing and answers 200."
    ),
)


def _close_schema(summary: Any) -> Any:
    return extend_schema(
        summary=summary,
        request=CommitmentCloseSerializer,
        responses={200: CommitmentSerializer, 403: _FORBIDDEN, 409: _CLOSED},
    )


@extend_schema_view(
    create=extend_schema(
        request=CommitmentWriteSerializer, responses={201: CommitmentSerializer, 403: _FORBIDDEN}
    )
)
class CommitmentViewSet(
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    ApiViewSet[Commitment],
):
    """Promises made to or by suppliers. ``overdue`` is derived from the due date. The status
    is read-only: a commitment is closed with ``complete`` or ``cancel``, never edited."""

    token_scope = "meetings"  # noqa: S105 - a scope name, not a secret
    change_resource = "commitments"

    filterset_class = CommitmentFilterSet
    ordering_fields = ["due_date", "updated_at", "created_at"]
    ordering = ("due_date", "id")
    required_capability = Capability.VIEW_PORTFOLIO
    action_capabilities = dict.fromkeys(
        ["create", "complete", "cancel"], Capability.MANAGE_OWN_SUPPLIERS
    )

    def get_queryset(self) -> QuerySet[Commitment]:
        # The full representation also names who recorded and who closed it.
        return commitment_list(user=self.request.user).select_related("created_by")

    def get_serializer_class(self) -> type[BaseSerializer[Any]]:
        if self.action == "create":
            return CommitmentWriteSerializer
        if self.action in ("complete", "cancel"):
            return CommitmentCloseSerializer
        return CommitmentSerializer

    def perform_create(self, serializer: BaseSerializer[Commitment]) -> None:
        form = cast(CommitmentWriteSerializer, serializer)
        commitment = services.commitment_create(
            supplier=form.validated_data["supplier"],
            item=form.commitment_input(),
            by=_actor(self.request),
            meeting=form.validated_data.get("meeting"),
        )
        serializer.instance = self.get_queryset().get(pk=commitment.pk)

    def _close(self, request: Request, close: Callable[..., Commitment]) -> Response:
        commitment = self.get_object()
        serializer = CommitmentCloseSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        close(commitment=commitment, by=_actor(request), **serializer.validated_data)
        closed = self.get_queryset().get(pk=commitment.pk)
        return Response(CommitmentSerializer(closed, context=self.get_serializer_context()).data)

    @_close_schema(_("Mark done"))
    @action(detail=True, methods=["post"])
    def complete(self, request: Request, pk: str | None = None) -> Response:
        """Marks the commitment done, with an optional note on how it was kept."""
        return self._close(request, services.commitment_complete)

    @_close_schema(_("Cancel"))
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        """Cancels the commitment, with an optional note on why it was dropped."""
        return self._close(request, services.commitment_cancel)
