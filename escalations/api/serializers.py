"""Escalations over the API: full (with every step), brief (for nesting) and the input of the
acknowledge and resolve actions. Reads render what ``escalation_list_with_steps`` loaded and run
no query of their own."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.api.serializers import UserBriefSerializer
from core.api.fields import AllowedActionsField
from escalations.choices import (
    EscalationAction,
    EscalationReason,
    EscalationStatus,
    Severity,
    StepKind,
)
from escalations.models import Escalation, EscalationStep
from suppliers.api.serializers import SupplierBriefSerializer


def _read_only_choices(
    choices: type[models.TextChoices], component: str, *, nullable: bool = False
) -> Any:
    """A read-only choice field whose enum the schema names ``component``: "status", "kind"
    and "severity" mean other things on other resources."""
    schema: dict[str, Any] = {"type": "string", "enum": choices.values, "readOnly": True}
    if nullable:
        schema = {**schema, "enum": [*choices.values, None], "nullable": True}

    @extend_schema_field(schema, component_name=component)
    class ReadOnlyChoiceField(serializers.ChoiceField):
        def __init__(self, **kwargs: Any) -> None:
            super().__init__(choices=choices.choices, read_only=True, **kwargs)

    return ReadOnlyChoiceField


EscalationStatusField = _read_only_choices(EscalationStatus, "EscalationStatus")
SeverityField = _read_only_choices(Severity, "EscalationSeverity", nullable=True)
ReasonField = _read_only_choices(EscalationReason, "EscalationReason", nullable=True)
HIDDEN_SUBJECT = _("Null when the caller may not see what the escalation is about.")
StepKindField = _read_only_choices(StepKind, "EscalationStepKind")


SUMMARY_HELP = _(
    "In the caller's language (their preferred language, else Accept-Language); generic when "
    "the caller may not see what the escalation is about."
)


class EscalationBriefSerializer(serializers.ModelSerializer[Escalation]):
    url = serializers.HyperlinkedIdentityField(view_name="api:escalation-detail")
    status = EscalationStatusField()
    summary = serializers.CharField(source="shown_summary", read_only=True, help_text=SUMMARY_HELP)

    class Meta:
        model = Escalation
        fields = ["id", "url", "summary", "level", "status"]
        read_only_fields = fields


class EscalationStepSerializer(serializers.ModelSerializer[EscalationStep]):
    kind = StepKindField()
    actor = UserBriefSerializer(
        read_only=True, allow_null=True, help_text=_("Who did it; null when the system did.")
    )
    recipient = UserBriefSerializer(
        read_only=True, allow_null=True, help_text=_("Who was notified, for notified steps.")
    )
    note = serializers.CharField(
        source="shown_note",
        read_only=True,
        help_text=_(
            "Plain text, as typed: show it as text, never as HTML. "
            "A notified step's note is “copy” when the person was copied from a level below; "
            "blank when the caller may not see what the escalation is about."
        ),
    )

    class Meta:
        model = EscalationStep
        fields = ["kind", "level", "actor", "recipient", "note", "at"]
        read_only_fields = fields


class EscalationSerializer(serializers.ModelSerializer[Escalation]):
    url = serializers.HyperlinkedIdentityField(view_name="api:escalation-detail")
    web_url = serializers.SerializerMethodField(help_text=_("The escalation's page."))
    supplier = SupplierBriefSerializer(read_only=True)
    subject_type = serializers.SerializerMethodField(
        help_text=_("What it is about, as app.model: meetings.commitment.")
    )
    subject_id = serializers.IntegerField(source="object_id", read_only=True)
    subject_visible = serializers.BooleanField(
        read_only=True,
        help_text=_(
            "Whether the caller may see what it is about; when not, the summary is generic and "
            "reason, severity, resolution and step notes are left out."
        ),
    )
    summary = serializers.CharField(source="shown_summary", read_only=True, help_text=SUMMARY_HELP)
    reason = ReasonField(source="shown_reason", allow_null=True, help_text=HIDDEN_SUBJECT)
    severity = SeverityField(source="shown_severity", allow_null=True, help_text=HIDDEN_SUBJECT)
    status = EscalationStatusField(
        help_text=_("Changed only by the acknowledge and resolve actions, and the ladder.")
    )
    level = serializers.IntegerField(
        read_only=True,
        help_text=_(
            "1 the key-account owner, 2 the owner's manager, 3 the executive sponsor "
            "(or the head of procurement); it climbs when not acknowledged in time."
        ),
    )
    resolution = serializers.CharField(
        source="shown_resolution",
        read_only=True,
        help_text=_(
            "Plain text: as a person typed it, or what the system recorded when the cause went "
            "away, in the caller's language; show it as text, never as HTML; blank when the "
            "caller may not see what the escalation is about."
        ),
    )
    steps = EscalationStepSerializer(many=True, read_only=True)

    class Meta:
        model = Escalation
        fields = [
            "id",
            "url",
            "web_url",
            "supplier",
            "subject_type",
            "subject_id",
            "subject_visible",
            "reason",
            "summary",
            "severity",
            "level",
            "status",
            "acknowledge_by",
            "raised_at",
            "acknowledged_at",
            "resolved_at",
            "resolution",
            "updated_at",
            "steps",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_web_url(self, escalation: Escalation) -> str:
        request = self.context.get("request")
        url = escalation.get_absolute_url()
        return request.build_absolute_uri(url) if request else url

    @extend_schema_field(OpenApiTypes.STR)
    def get_subject_type(self, escalation: Escalation) -> str:
        content_type = escalation.content_type
        return f"{content_type.app_label}.{content_type.model}"


class EscalationDetailSerializer(EscalationSerializer):
    """One escalation, with what the caller may do to it now: the list leaves that out, as
    knowing who is at each level takes queries of its own."""

    allowed_actions = AllowedActionsField(choices=EscalationAction)

    class Meta(EscalationSerializer.Meta):
        fields = [*EscalationSerializer.Meta.fields, "allowed_actions"]
        read_only_fields = fields


class EscalationAcknowledgeSerializer(serializers.Serializer[dict[str, Any]]):
    note = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=2000,
        help_text=_("Optional: what is being done about it."),
    )


class EscalationResolveSerializer(serializers.Serializer[dict[str, Any]]):
    # Blank passes here: escalations.services.escalation_resolve refuses it, keyed "note".
    note = serializers.CharField(
        allow_blank=True, max_length=2000, help_text=_("Required: how it was resolved.")
    )
