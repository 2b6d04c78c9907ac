"""RFPs over the API: the RFPs, their invitations, proposals (sealed exactly as on the pages:
both read through rfps.selectors) and scores; actions publish, close, cancel, rounds, award
and submit-scores call the services, which decide who may."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, permissions, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from accounts.models import User
from accounts.permissions import RolePermission
from core.api.bulk import ErrorSerializer
from core.api.filters import FilterBackend
from core.api.views import ReadOnlyApiViewSet
from rfps import permissions as rfp_permissions
from rfps import selectors
from rfps.api.serializers import (
    ProposalSerializer,
    RfpAwardSerializer,
    RfpAwardWriteSerializer,
    RfpInvitationResentSerializer,
    RfpInvitationSerializer,
    RfpRoundSerializer,
    RfpRoundWriteSerializer,
    RfpScoreSerializer,
    RfpScoreWriteSerializer,
    RfpSerializer,
    RfpWriteSerializer,
)
from rfps.filtersets import InvitationFilterSet, ProposalFilterSet, RfpFilterSet, ScoreFilterSet
from rfps.models import Invitation, Proposal, Rfp, Score
from rfps.services import evaluation
from rfps.services import rfp as services
from rfps.services.award import rfp_award
from rfps.services.invitations import invitation_resend

_STATE = OpenApiResponse(ErrorSerializer, description=_("``rfp_state``: not in this state."))
_INVALID = OpenApiResponse(ErrorSerializer, description=_("A field is missing or wrong."))
_FORBIDDEN = OpenApiResponse(ErrorSerializer, description=_("Only procurement may do this."))


def _actor(request: Request) -> User:
    return cast(User, request.user)


class RfpPermission(permissions.BasePermission):
    """Who may act, asked of rfps.permissions: creating needs someone who runs RFPs; each
    action on an RFP asks its predicate (when it may happen is the service's answer, a 409)."""

    object_predicates: dict[str, Callable[[Any, Any], bool]] = {
        "publish": rfp_permissions.may_manage,
        "close": rfp_permissions.may_manage,
        "cancel": rfp_permissions.may_manage,
        "rounds": rfp_permissions.may_manage,
        "award": rfp_permissions.may_award,
        "submit_scores": rfp_permissions.may_score,
        "resend": rfp_permissions.may_act_for_supplier,
    }

    def has_permission(self, request: Request, view: Any) -> bool:
        if getattr(view, "action", None) == "create" and isinstance(view, RfpViewSet):
            return rfp_permissions.may_run_rfps(request.user)
        return True

    def has_object_permission(self, request: Request, view: Any, obj: Any) -> bool:
        predicate = self.object_predicates.get(getattr(view, "action", None) or "")
        return predicate is None or bool(predicate(request.user, obj))


class RfpViewSet(mixins.CreateModelMixin, ReadOnlyApiViewSet[Rfp]):
    """RFPs the caller may read: procurement reads all, others those they own or evaluate.
    ``status`` changes only through the actions and the deadline scan."""

    token_scope = "rfps"  # noqa: S105 - a scope name, not a secret
    change_resource = "rfps"

    serializer_class = RfpSerializer
    filter_backends = [FilterBackend]
    filterset_class = RfpFilterSet
    ordering = ("-created_at", "-id")
    permission_classes = [RolePermission, RfpPermission]

    def get_queryset(self) -> QuerySet[Rfp]:
        return selectors.rfp_list(user=self.request.user).prefetch_related(
            "lines",
            "questions",
            "criteria",
            "panel",
            "rounds",
            Prefetch(
                "invitations",
                queryset=Invitation.objects.select_related("supplier", "contact").order_by(
                    "supplier__name", "id"
                ),
            ),
        )

    def get_serializer_class(self) -> type[BaseSerializer[Any]]:
        return {
            "create": RfpWriteSerializer,
            "rounds": RfpRoundWriteSerializer,
            "award": RfpAwardWriteSerializer,
        }.get(self.action or "", RfpSerializer)

    def _full(self, rfp: Rfp, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=rfp.pk)
        return Response(
            RfpSerializer(fresh, context=self.get_serializer_context()).data, status=code
        )

    @extend_schema(
        request=RfpWriteSerializer, responses={201: RfpSerializer, 400: _INVALID, 403: _FORBIDDEN}
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """A draft RFP with its lines, questions, criteria, invitees and panel."""
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = cast(dict[str, Any], serializer.validated_data)
        rfp = services.rfp_create(
            by=_actor(request),
            data=services.RfpInput(
                title=data["title"],
                owner=data.get("owner") or _actor(request),
                currency=data["currency"],
                deadline=data["deadline"],
                description=data.get("description") or "",
                category=data.get("category"),
                budget=data.get("budget"),
                lines=[
                    services.LineInput(
                        line["description"], line["quantity"], line.get("unit", "pcs")
                    )
                    for line in data["lines"]
                ],
                questions=[q["text"] for q in data.get("questions", [])],
                criteria=[
                    services.CriterionInput(c["name"], c["weight"], c.get("is_price", False))
                    for c in data["criteria"]
                ],
                invitees=[
                    services.InviteeInput(i["supplier"], i.get("contact"))
                    for i in data.get("invitees", [])
                ],
                panel=list(data.get("panel", [])),
            ),
        )
        return self._full(rfp, status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: RfpSerializer, 400: _INVALID, 409: _STATE})
    @action(detail=True, methods=["post"])
    def publish(self, request: Request, pk: str | None = None) -> Response:
        """Opens the first round and emails each invitee's contact their link."""
        return self._full(services.rfp_publish(rfp=self.get_object(), by=_actor(request)))

    @extend_schema(request=None, responses={200: RfpSerializer, 409: _STATE})
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: str | None = None) -> Response:
        """Closes the open round: only once its deadline has passed (server time)."""
        return self._full(services.rfp_close(rfp=self.get_object(), by=_actor(request)))

    @extend_schema(request=None, responses={200: RfpSerializer, 409: _STATE})
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        """Cancels the RFP; invitees are told."""
        return self._full(services.rfp_cancel(rfp=self.get_object(), by=_actor(request)))

    @extend_schema(
        request=RfpRoundWriteSerializer,
        responses={201: RfpRoundSerializer, 400: _INVALID, 409: _STATE},
    )
    @action(detail=True, methods=["post"])
    def rounds(self, request: Request, pk: str | None = None) -> Response:
        """Opens a negotiation round for a shortlist, with a new deadline."""
        rfp = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = cast(dict[str, Any], serializer.validated_data)
        round_ = services.round_open(
            rfp=rfp,
            by=_actor(request),
            shortlist=data["shortlist"],
            deadline=data["deadline"],
            note=data.get("note", ""),
        )
        return Response(RfpRoundSerializer(round_).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=RfpAwardWriteSerializer,
        responses={201: RfpAwardSerializer, 400: _INVALID, 409: _STATE},
    )
    @action(detail=True, methods=["post"])
    def award(self, request: Request, pk: str | None = None) -> Response:
        """Awards the RFP: a draft contract from the winning proposal, and its saving."""
        rfp = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = cast(dict[str, Any], serializer.validated_data)
        award = rfp_award(
            rfp=rfp, by=_actor(request), invitation=data["invitation"], rationale=data["rationale"]
        )
        return Response(RfpAwardSerializer(award).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=None,
        responses={200: RfpScoreSerializer(many=True), 400: _INVALID, 403: _FORBIDDEN, 409: _STATE},
    )
    @action(detail=True, methods=["post"], url_path="submit-scores")
    def submit_scores(self, request: Request, pk: str | None = None) -> Response:
        """Submits the caller's score sheet (panel members); then the others' appear."""
        rfp = self.get_object()
        evaluation.evaluation_submit(rfp=rfp, by=_actor(request))
        scores = selectors.score_list(user=request.user, rfp=rfp)
        return Response(RfpScoreSerializer(scores, many=True).data)


class InvitationViewSet(ReadOnlyApiViewSet[Invitation]):
    """Who was invited to which RFP, and what they did with it; never what they offered."""

    token_scope = "rfps"  # noqa: S105 - a scope name, not a secret
    change_resource = "rfp-invitations"

    serializer_class = RfpInvitationSerializer
    filterset_class = InvitationFilterSet
    ordering_fields = ["created_at"]
    ordering = ("id",)
    permission_classes = [RolePermission, RfpPermission]

    def get_queryset(self) -> QuerySet[Invitation]:
        return selectors.invitation_list(user=self.request.user).order_by("id")

    @extend_schema(
        request=None,
        responses={200: RfpInvitationResentSerializer, 400: _INVALID, 403: _FORBIDDEN},
    )
    @action(detail=True, methods=["post"])
    def resend(self, request: Request, pk: str | None = None) -> Response:
        """Sends the supplier its link again, to the pinned address; the link is never in
        the response."""
        email = invitation_resend(invitation=self.get_object(), by=_actor(request))
        return Response({"sent_to": email})


class ProposalViewSet(ReadOnlyApiViewSet[Proposal]):
    """Submitted proposals. Until its round's deadline a proposal shows who and when, with
    ``sealed: true`` and no versions; afterwards every version with its receipt."""

    token_scope = "rfps"  # noqa: S105 - a scope name, not a secret

    serializer_class = ProposalSerializer
    filterset_class = ProposalFilterSet
    ordering_fields = ["created_at"]
    ordering = ("id",)

    def get_queryset(self) -> QuerySet[Proposal]:
        return selectors.proposal_list(user=self.request.user).order_by("id")


class ScoreViewSet(mixins.CreateModelMixin, ReadOnlyApiViewSet[Score]):
    """Panel scores: your own, and the others' once you have submitted yours. POST sets one
    of yours (0 to 10, not price), until you submit."""

    token_scope = "rfps"  # noqa: S105 - a scope name, not a secret
    change_resource = "rfp-scores"

    serializer_class = RfpScoreSerializer
    filterset_class = ScoreFilterSet
    ordering_fields = ["updated_at"]
    ordering = ("id",)

    def get_queryset(self) -> QuerySet[Score]:
        return selectors.score_list(user=self.request.user).order_by("id")

    def get_serializer_class(self) -> type[BaseSerializer[Any]]:
        return RfpScoreWriteSerializer if self.action == "create" else RfpScoreSerializer

    @extend_schema(
        request=RfpScoreWriteSerializer,
        responses={201: RfpScoreSerializer, 400: _INVALID, 403: _FORBIDDEN, 409: _STATE},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = cast(dict[str, Any], serializer.validated_data)
        rfp = selectors.rfp_get(user=request.user, pk=data["rfp"].pk)
        score = evaluation.score_set(
            rfp=rfp,
            by=_actor(request),
            invitation=data["invitation"],
            criterion=data["criterion"],
            value=data["value"],
            comment=data.get("comment", ""),
        )
        fresh = self.get_queryset().get(pk=score.pk)
        return Response(RfpScoreSerializer(fresh).data, status=status.HTTP_201_CREATED)
