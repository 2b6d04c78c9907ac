"""RFPs over the API. Reads render what the selectors loaded and run no query of their own; a
proposal's versions come from ``proposal_list``'s ``opened_revisions``, empty while sealed."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.api.serializers import UserBriefSerializer
from core.api.fields import AllowedActionsField, DateTimeField, VisibleRelatedField
from rfps import selectors
from rfps.choices import RfpAction, RfpStatus
from rfps.models import (
    Criterion,
    Invitation,
    Proposal,
    ProposalRevision,
    Question,
    Rfp,
    RfpLine,
    Round,
    Score,
)
from suppliers.api.serializers import SupplierBriefSerializer
from suppliers.selectors import category_list, contact_visible, supplier_visible


@extend_schema_field(
    {"type": "string", "enum": RfpStatus.values, "readOnly": True}, component_name="RfpStatus"
)
class RfpStatusField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=RfpStatus.choices, read_only=True, **kwargs)


class RfpLineSerializer(serializers.ModelSerializer[RfpLine]):
    class Meta:
        model = RfpLine
        fields = ["id", "description", "quantity", "unit"]
        read_only_fields = ["id"]


class RfpQuestionSerializer(serializers.ModelSerializer[Question]):
    class Meta:
        model = Question
        fields = ["id", "text"]
        read_only_fields = ["id"]


class RfpCriterionSerializer(serializers.ModelSerializer[Criterion]):
    class Meta:
        model = Criterion
        fields = ["id", "name", "weight", "is_price"]
        read_only_fields = ["id"]


class RfpRoundSerializer(serializers.ModelSerializer[Round]):
    class Meta:
        model = Round
        fields = ["number", "deadline", "opened_at", "closed_at"]
        read_only_fields = fields


class RfpBriefSerializer(serializers.ModelSerializer[Rfp]):
    url = serializers.HyperlinkedIdentityField(view_name="api:rfp-detail")
    status = RfpStatusField()

    class Meta:
        model = Rfp
        fields = ["id", "url", "reference", "title", "status"]
        read_only_fields = fields


class RfpInvitationSerializer(serializers.ModelSerializer[Invitation]):
    rfp: serializers.PrimaryKeyRelatedField[Rfp] = serializers.PrimaryKeyRelatedField(
        read_only=True
    )
    supplier = SupplierBriefSerializer(read_only=True)
    contact_name = serializers.CharField(source="contact.name", read_only=True, default=None)
    sent_to = serializers.EmailField(
        source="email",
        read_only=True,
        help_text=_("The address the supplier's link goes to (the link itself is never shown)."),
    )

    class Meta:
        model = Invitation
        fields = [
            "id",
            "rfp",
            "supplier",
            "contact_name",
            "sent_to",
            "invited_at",
            "viewed_at",
            "link_used_at",
            "declined_at",
            "decline_reason",
        ]
        read_only_fields = fields


class RfpSerializer(serializers.ModelSerializer[Rfp]):
    url = serializers.HyperlinkedIdentityField(view_name="api:rfp-detail")
    web_url = serializers.SerializerMethodField(help_text=_("The RFP's page."))
    status = RfpStatusField(
        help_text=_(
            "Changed only by the publish, close, rounds and award actions and the deadline scan."
        )
    )
    owner = UserBriefSerializer(read_only=True)
    panel = UserBriefSerializer(many=True, read_only=True)
    lines = RfpLineSerializer(many=True, read_only=True)
    questions = RfpQuestionSerializer(many=True, read_only=True)
    criteria = RfpCriterionSerializer(many=True, read_only=True)
    rounds = RfpRoundSerializer(many=True, read_only=True)
    invitees = RfpInvitationSerializer(
        source="invitations",
        many=True,
        read_only=True,
        help_text=_("The suppliers invited, by name; what they offered is in rfp-proposals."),
    )
    allowed_actions = AllowedActionsField(choices=RfpAction)

    class Meta:
        model = Rfp
        fields = [
            "id",
            "url",
            "web_url",
            "reference",
            "title",
            "description",
            "category",
            "owner",
            "currency",
            "budget",
            "deadline",
            "status",
            "allowed_actions",
            "panel",
            "lines",
            "questions",
            "criteria",
            "rounds",
            "invitees",
            "created_at",
            "published_at",
            "closed_at",
            "cancelled_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_web_url(self, rfp: Rfp) -> str:
        request = self.context.get("request")
        url = rfp.get_absolute_url()
        return request.build_absolute_uri(url) if request else url


class RfpInviteeWriteSerializer(serializers.Serializer[dict[str, Any]]):
    supplier = VisibleRelatedField(selector=supplier_visible)
    contact = VisibleRelatedField(
        selector=contact_visible,
        required=False,
        allow_null=True,
        help_text=_("Receives the link; omit to enter the supplier's proposal yourself."),
    )


class RfpWriteSerializer(serializers.Serializer[dict[str, Any]]):
    """A draft RFP with its children, in one request."""

    title = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, max_length=20_000)
    category = VisibleRelatedField(selector=category_list, required=False, allow_null=True)
    owner = VisibleRelatedField(
        selector=selectors.rfp_owner_candidate_list,
        required=False,
        help_text=_("Someone who runs RFPs; defaults to the caller."),
        error_messages={
            "does_not_exist": _(
                "No one with id {pk_value} may own an RFP: the owner is someone who runs RFPs."
            )
        },
    )
    currency = serializers.CharField(max_length=3)
    budget = serializers.DecimalField(
        max_digits=16, decimal_places=2, required=False, allow_null=True, min_value=0
    )
    deadline = DateTimeField()
    lines = RfpLineSerializer(many=True, max_length=200)  # type: ignore[call-arg]
    questions = RfpQuestionSerializer(many=True, required=False, max_length=100)  # type: ignore[call-arg]
    criteria = RfpCriterionSerializer(many=True, max_length=20)  # type: ignore[call-arg]
    invitees = RfpInviteeWriteSerializer(many=True, required=False, max_length=500)  # type: ignore[call-arg]
    panel = VisibleRelatedField(
        selector=selectors.rfp_panel_candidate_list,
        many=True,
        required=False,
        help_text=_("Procurement managers, account managers or executives."),
    )


class ProposalRevisionSerializer(serializers.ModelSerializer[ProposalRevision]):
    entered_by = UserBriefSerializer(
        read_only=True,
        allow_null=True,
        help_text=_(
            "The buyer who entered it from the supplier's email; null when the "
            "supplier submitted it through its link."
        ),
    )
    content = serializers.JSONField(
        read_only=True,
        help_text=_(
            "Line prices, answers and attachment hashes, as the receipt hashes them "
            "(canonical JSON: sorted keys, no spaces, UTF-8)."
        ),
    )

    class Meta:
        model = ProposalRevision
        fields = ["number", "submitted_at", "total", "sha256", "entered_by", "content"]
        read_only_fields = fields


class ProposalSerializer(serializers.ModelSerializer[Proposal]):
    rfp: serializers.PrimaryKeyRelatedField[Rfp] = serializers.PrimaryKeyRelatedField(
        read_only=True
    )
    supplier = SupplierBriefSerializer(source="invitation.supplier", read_only=True)
    round = serializers.IntegerField(source="round.number", read_only=True)
    sealed = serializers.SerializerMethodField(
        help_text=_("True until the round's deadline: no version is shown before it.")
    )
    revisions = ProposalRevisionSerializer(source="opened_revisions", many=True, read_only=True)

    class Meta:
        model = Proposal
        fields = ["id", "rfp", "supplier", "round", "submitted_at", "sealed", "revisions"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_sealed(self, proposal: Proposal) -> bool:
        return proposal.round.is_sealed()


class RfpScoreSerializer(serializers.ModelSerializer[Score]):
    rfp = serializers.IntegerField(source="evaluation.rfp_id", read_only=True)
    evaluator = UserBriefSerializer(source="evaluation.evaluator", read_only=True)
    submitted = serializers.SerializerMethodField()

    class Meta:
        model = Score
        fields = [
            "id",
            "rfp",
            "evaluator",
            "submitted",
            "invitation",
            "criterion",
            "value",
            "comment",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_submitted(self, score: Score) -> bool:
        return score.evaluation.submitted_at is not None


class RfpScoreWriteSerializer(serializers.Serializer[dict[str, Any]]):
    rfp = VisibleRelatedField(selector=selectors.rfp_visible)
    invitation = VisibleRelatedField(selector=selectors.invitation_list)
    criterion = VisibleRelatedField(selector=selectors.criterion_visible)
    value = serializers.DecimalField(max_digits=4, decimal_places=2, min_value=0, max_value=10)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=5000)


class RfpRoundWriteSerializer(serializers.Serializer[dict[str, Any]]):
    shortlist = VisibleRelatedField(
        selector=selectors.invitation_list,
        many=True,
        help_text=_("Invitation ids of suppliers that submitted a proposal."),
    )
    deadline = DateTimeField()
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class RfpAwardWriteSerializer(serializers.Serializer[dict[str, Any]]):
    invitation = VisibleRelatedField(selector=selectors.invitation_list)
    # Blank passes here: rfps.services.award.rfp_award refuses it, keyed "rationale".
    rationale = serializers.CharField(allow_blank=True, max_length=5000)


class RfpAwardSerializer(serializers.Serializer[Any]):
    rfp = serializers.IntegerField(source="rfp_id")
    invitation = serializers.IntegerField(source="invitation_id")
    contract = serializers.IntegerField(source="contract_id", allow_null=True)
    rationale = serializers.CharField()
    awarded_at = serializers.DateTimeField()
    baseline_kind = serializers.CharField()
    baseline = serializers.DecimalField(max_digits=16, decimal_places=2, allow_null=True)
    expected_saving = serializers.DecimalField(max_digits=16, decimal_places=2, allow_null=True)


class RfpInvitationResentSerializer(serializers.Serializer[Any]):
    sent_to = serializers.EmailField(read_only=True)
