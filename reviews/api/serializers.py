"""Reviews over the API. Reads render what the selectors loaded and run no query of their own;
writes go through the services (actions, not PATCHes, for submitting and reopening)."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.api.serializers import UserBriefSerializer
from core.api.fields import AllowedActionsField, DateField, VisibleRelatedField
from escalations.api.serializers import EscalationStatusField, SeverityField
from escalations.choices import Severity
from reviews.choices import (
    SCORE_MAX,
    SCORE_MIN,
    ActionStatus,
    CorrectiveActionAction,
    CriterionSource,
    KpiCode,
    PlanAction,
    PlanStatus,
    RaterRole,
    ReviewAction,
    ReviewStatus,
    Standing,
)
from reviews.models import (
    CorrectiveAction,
    CorrectiveActionPlan,
    Criterion,
    CriterionResult,
    DeliveryLine,
    KpiValue,
    Rater,
    Review,
    ReviewScore,
    ScorecardTemplate,
    StandingBand,
    SurveyAnswer,
)
from suppliers.api.serializers import SupplierBriefSerializer
from suppliers.selectors import contact_visible, owner_candidate_list


def _choices(choices: type[models.TextChoices], component: str) -> Any:
    """A choice field whose enum the schema names ``component``: "status", "role" and
    "severity" mean other things on other resources."""

    @extend_schema_field({"type": "string", "enum": choices.values}, component_name=component)
    class NamedChoiceField(serializers.ChoiceField):
        def __init__(self, **kwargs: Any) -> None:
            super().__init__(choices=choices.choices, **kwargs)

    return NamedChoiceField


ReviewStatusField = _choices(ReviewStatus, "ReviewStatus")
StandingField = _choices(Standing, "ReviewStanding")
RaterRoleField = _choices(RaterRole, "ReviewRaterRole")
SourceField = _choices(CriterionSource, "ReviewCriterionSource")
KpiCodeField = _choices(KpiCode, "ReviewKpiCode")
PlanStatusField = _choices(PlanStatus, "CorrectiveActionPlanStatus")
ActionStatusField = _choices(ActionStatus, "CorrectiveActionStatus")
SeverityInputField = _choices(Severity, "CorrectiveActionSeverity")


class CriterionSerializer(serializers.ModelSerializer[Criterion]):
    source = SourceField(read_only=True)
    kpi_code = serializers.CharField(read_only=True, help_text=_("The KPI; empty when rated."))

    class Meta:
        model = Criterion
        fields = [
            "id",
            "key",
            "name",
            "weight",
            "position",
            "source",
            "guidance",
            "kpi_code",
            "kpi_best",
            "kpi_worst",
        ]
        read_only_fields = fields


class StandingBandSerializer(serializers.ModelSerializer[StandingBand]):
    standing = StandingField(read_only=True)

    class Meta:
        model = StandingBand
        fields = ["standing", "lower", "upper"]
        read_only_fields = fields


class ScorecardTemplateBriefSerializer(serializers.ModelSerializer[ScorecardTemplate]):
    url = serializers.HyperlinkedIdentityField(view_name="api:review-template-detail")

    class Meta:
        model = ScorecardTemplate
        fields = ["id", "url", "name", "version"]
        read_only_fields = fields


class ScorecardTemplateSerializer(serializers.ModelSerializer[ScorecardTemplate]):
    url = serializers.HyperlinkedIdentityField(view_name="api:review-template-detail")
    criteria = CriterionSerializer(many=True, read_only=True)
    bands = StandingBandSerializer(many=True, read_only=True)

    class Meta:
        model = ScorecardTemplate
        fields = [
            "id",
            "url",
            "name",
            "version",
            "is_current",
            "description",
            "created_at",
            "criteria",
            "bands",
        ]
        read_only_fields = fields


class RaterSerializer(serializers.ModelSerializer[Rater]):
    user = UserBriefSerializer(read_only=True)
    role = RaterRoleField(read_only=True)

    class Meta:
        model = Rater
        fields = ["user", "role", "invited_at", "scored_at"]
        read_only_fields = fields


class CriterionResultSerializer(serializers.ModelSerializer[CriterionResult]):
    criterion_key = serializers.CharField(source="criterion.key", read_only=True)
    score = serializers.DecimalField(
        max_digits=5,
        decimal_places=2,
        read_only=True,
        allow_null=True,
        help_text=_("0 to 100; null: no data (left out, the other weights re-normalised)."),
    )

    class Meta:
        model = CriterionResult
        fields = [
            "criterion",
            "criterion_key",
            "median",
            "kpi_value",
            "score",
            "effective_weight",
            "rater_count",
        ]
        read_only_fields = fields


class ReviewSerializer(serializers.ModelSerializer[Review]):
    url = serializers.HyperlinkedIdentityField(view_name="api:review-detail")
    web_url = serializers.SerializerMethodField(help_text=_("The review's page."))
    supplier = SupplierBriefSerializer(read_only=True)
    owner = UserBriefSerializer(read_only=True, allow_null=True)
    template = ScorecardTemplateBriefSerializer(read_only=True)
    status = ReviewStatusField(read_only=True)
    standing = StandingField(read_only=True, allow_null=True)
    raters = RaterSerializer(many=True, read_only=True)
    results = CriterionResultSerializer(
        many=True, read_only=True, help_text=_("Per criterion, once submitted.")
    )
    allowed_actions = AllowedActionsField(choices=ReviewAction)

    class Meta:
        model = Review
        fields = [
            "id",
            "url",
            "web_url",
            "supplier",
            "template",
            "period_start",
            "period_end",
            "due_date",
            "status",
            "owner",
            "overall_score",
            "standing",
            "is_partial",
            "summary",
            "submitted_at",
            "reopened_at",
            "reopen_reason",
            "raters",
            "results",
            "allowed_actions",
            "updated_at",
        ]
        read_only_fields = fields

    def get_web_url(self, review: Review) -> str:
        return review.get_absolute_url()


class ReviewSubmitSerializer(serializers.Serializer[Any]):
    summary = serializers.CharField(required=False, allow_blank=True, max_length=5000)


class ReviewReopenSerializer(serializers.Serializer[Any]):
    reason = serializers.CharField(max_length=2000)


class ScoreInputSerializer(serializers.Serializer[Any]):
    criterion = serializers.IntegerField(help_text=_("A rated criterion of the review's template."))
    score = serializers.IntegerField(
        min_value=SCORE_MIN,
        max_value=SCORE_MAX,
        allow_null=True,
        help_text=_("1 to 5; null: no data, which never counts as a score."),
    )
    comment = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class ScoresInputSerializer(serializers.Serializer[Any]):
    scores = serializers.ListField(child=ScoreInputSerializer(), max_length=100)


class ReviewScoreSerializer(serializers.ModelSerializer[ReviewScore]):
    review = serializers.IntegerField(source="rater.review_id", read_only=True)
    rater = UserBriefSerializer(source="rater.user", read_only=True)

    class Meta:
        model = ReviewScore
        fields = ["id", "review", "rater", "criterion", "score", "comment", "updated_at"]
        read_only_fields = fields


class CorrectiveActionSerializer(serializers.ModelSerializer[CorrectiveAction]):
    owner_user = UserBriefSerializer(read_only=True, allow_null=True)
    status = ActionStatusField(read_only=True)
    allowed_actions = AllowedActionsField(choices=CorrectiveActionAction)

    class Meta:
        model = CorrectiveAction
        fields = [
            "id",
            "description",
            "owner_user",
            "owner_contact",
            "due_date",
            "status",
            "completed_at",
            "allowed_actions",
        ]
        read_only_fields = fields


class CorrectiveActionPlanSerializer(serializers.ModelSerializer[CorrectiveActionPlan]):
    url = serializers.HyperlinkedIdentityField(view_name="api:corrective-action-plan-detail")
    supplier = SupplierBriefSerializer(read_only=True)
    actions = CorrectiveActionSerializer(many=True, read_only=True)
    severity = SeverityField()
    status = PlanStatusField(read_only=True)
    # Annotated by selectors.plan_list: the escalation the poor review raised, which stays
    # open until the plan is verified as effective.
    escalation = serializers.IntegerField(source="escalation_id", read_only=True, allow_null=True)
    escalation_status = EscalationStatusField(allow_null=True)
    allowed_actions = AllowedActionsField(choices=PlanAction)

    class Meta:
        model = CorrectiveActionPlan
        fields = [
            "id",
            "url",
            "supplier",
            "review",
            "problem",
            "severity",
            "root_cause",
            "supplier_response",
            "status",
            "verified_in",
            "verification_note",
            "verified_at",
            "escalation",
            "escalation_status",
            "actions",
            "allowed_actions",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class CorrectiveActionPlanWriteSerializer(serializers.Serializer[Any]):
    problem = serializers.CharField(required=False, max_length=10_000)
    severity = SeverityInputField(required=False)
    root_cause = serializers.CharField(required=False, allow_blank=True, max_length=10_000)
    supplier_response = serializers.CharField(required=False, allow_blank=True, max_length=10_000)


class CorrectiveActionInputSerializer(serializers.Serializer[Any]):
    description = serializers.CharField(max_length=300)
    due_date = DateField()
    owner_user = VisibleRelatedField(selector=owner_candidate_list, required=False, allow_null=True)
    owner_contact = VisibleRelatedField(selector=contact_visible, required=False, allow_null=True)


class CorrectiveActionStatusSerializer(serializers.Serializer[Any]):
    action = serializers.IntegerField()
    status = ActionStatusField()


class PlanVerifySerializer(serializers.Serializer[Any]):
    effective = serializers.BooleanField()
    note = serializers.CharField(max_length=2000)


class DeliveryLineSerializer(serializers.ModelSerializer[DeliveryLine]):
    supplier_external_id = serializers.CharField(source="supplier.external_id", read_only=True)

    class Meta:
        model = DeliveryLine
        fields = [
            "id",
            "supplier",
            "supplier_external_id",
            "order_ref",
            "line_ref",
            "promised_date",
            "received_date",
            "quantity_ordered",
            "quantity_received",
            "quantity_rejected",
            "updated_at",
        ]
        read_only_fields = fields


class KpiValueSerializer(serializers.ModelSerializer[KpiValue]):
    code = KpiCodeField(read_only=True)
    supplier_external_id = serializers.CharField(source="supplier.external_id", read_only=True)

    class Meta:
        model = KpiValue
        fields = [
            "id",
            "supplier",
            "supplier_external_id",
            "code",
            "period_start",
            "period_end",
            "value",
            "updated_at",
        ]
        read_only_fields = fields


class DeliveryBulkRowSerializer(serializers.Serializer[Any]):
    supplier_external_id = serializers.CharField(max_length=100)
    order_ref = serializers.CharField(max_length=100)
    line_ref = serializers.CharField(
        max_length=100, help_text=_("With the supplier and order, the key.")
    )
    promised_date = DateField()
    received_date = DateField(required=False, allow_null=True)
    quantity_ordered = serializers.DecimalField(max_digits=14, decimal_places=3)
    quantity_received = serializers.DecimalField(max_digits=14, decimal_places=3, required=False)
    quantity_rejected = serializers.DecimalField(max_digits=14, decimal_places=3, required=False)


class KpiValueBulkRowSerializer(serializers.Serializer[Any]):
    supplier_external_id = serializers.CharField(max_length=100)
    code = KpiCodeField()
    period_start = DateField()
    period_end = DateField()
    value = serializers.DecimalField(max_digits=12, decimal_places=4)


class _BulkRowResultSerializer(serializers.Serializer[Any]):
    row = serializers.IntegerField(help_text=_("0-based index in the request."))
    id = serializers.IntegerField()
    supplier_external_id = serializers.CharField()
    result = serializers.ChoiceField(choices=["created", "updated", "unchanged"])


class DeliveryBulkRowResultSerializer(_BulkRowResultSerializer):
    order_ref = serializers.CharField()
    line_ref = serializers.CharField()


class KpiValueBulkRowResultSerializer(_BulkRowResultSerializer):
    code = serializers.CharField()
    period_start = serializers.DateField()
    period_end = serializers.DateField()


class DeliveryBulkResultSerializer(serializers.Serializer[Any]):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    results = DeliveryBulkRowResultSerializer(many=True)


class KpiValueBulkResultSerializer(serializers.Serializer[Any]):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    results = KpiValueBulkRowResultSerializer(many=True)


class SurveyAnswerSerializer(serializers.ModelSerializer[SurveyAnswer]):
    """A supplier's answer to our customer-of-choice survey: how they rate us as a customer,
    1 (poor) to 5 (excellent) per question."""

    supplier = serializers.IntegerField(source="survey.supplier_id", read_only=True)
    review = serializers.IntegerField(
        source="survey.review_id",
        read_only=True,
        help_text=_("The review cycle the survey was sent with."),
    )
    sent_at = serializers.DateTimeField(source="survey.sent_at", read_only=True)
    average = serializers.DecimalField(
        max_digits=3,
        decimal_places=2,
        read_only=True,
        help_text=_("The mean of the four answers, on the same 1 to 5 scale."),
    )

    class Meta:
        model = SurveyAnswer
        fields = [
            "id",
            "supplier",
            "review",
            "sent_at",
            "answered_at",
            "communication",
            "payment",
            "forecasting",
            "collaboration",
            "average",
            "comment",
        ]
        read_only_fields = fields
