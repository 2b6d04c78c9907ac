"""Contracts over the API. Reads render what the selectors loaded and run no query of their own.

A contract the caller may not see in full (``confidential_visible`` false, see
contracts.selectors) is rendered by ``ContractRestrictedSerializer``: that it exists and its
dates; its confidential fields are null and ``restricted`` is true. The same rule as the pages.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse

from accounts.api.serializers import UserBriefSerializer
from contracts.choices import (
    BenefitKind,
    ContractAction,
    ContractPhase,
    ContractStatus,
    DocumentKind,
    ObligationStatus,
    Party,
    Recurrence,
    RenewalChoice,
    RenewalStage,
)
from contracts.models import (
    Benefit,
    BenefitRealisation,
    Contract,
    ContractDocument,
    ExchangeRate,
    Obligation,
)
from contracts.rules import obligation_is_overdue
from core.api.bulk import UpsertCountsSerializer
from core.api.fields import AllowedActionsField, DateField, VisibleRelatedField
from core.currencies import currency_codes
from suppliers.api.serializers import SupplierBriefSerializer
from suppliers.selectors import owner_candidate_list, supplier_visible

CONFIDENTIAL_FIELDS = ("value", "currency", "value_reporting", "description", "termination_reason")


_CHOICE_FIELDS: dict[str, type[serializers.ChoiceField]] = {}


def _choices(choices: Any, component: str, *, read_only: bool = True, **kwargs: Any) -> Any:
    """A choice field whose enum the schema names ``component``: "status" and "kind" mean
    other things on other resources. One class per component, so the schema has one enum."""
    if component not in _CHOICE_FIELDS:

        @extend_schema_field(
            {"type": "string", "enum": list(choices.values)}, component_name=component
        )
        class Field(serializers.ChoiceField):
            pass

        _CHOICE_FIELDS[component] = Field
    return _CHOICE_FIELDS[component](choices=choices.choices, read_only=read_only, **kwargs)


class ContractBriefSerializer(serializers.ModelSerializer[Contract]):
    url = serializers.HyperlinkedIdentityField(view_name="api:contract-detail")

    class Meta:
        model = Contract
        fields = ["id", "url", "number", "title"]
        read_only_fields = fields


class ContractSerializer(serializers.ModelSerializer[Contract]):
    url = serializers.HyperlinkedIdentityField(view_name="api:contract-detail")
    web_url = serializers.SerializerMethodField(help_text=_("The contract's page."))
    supplier = SupplierBriefSerializer(read_only=True)
    owner = UserBriefSerializer(read_only=True)
    status = _choices(
        ContractStatus,
        "ContractStatus",
        help_text=_("Stored: changed only by the activate and terminate actions."),
    )
    phase = _choices(
        ContractPhase,
        "ContractPhase",
        help_text=_("The status people see: expiring and expired follow from the end date."),
    )
    last_notice_date = serializers.DateField(
        read_only=True,
        allow_null=True,
        help_text=_("End date minus the notice period; null when open-ended."),
    )
    restricted = serializers.SerializerMethodField(
        help_text=_(
            "True when the caller may not see the value and description (they are null then)."
        )
    )
    value = serializers.DecimalField(
        max_digits=16, decimal_places=2, read_only=True, allow_null=True
    )
    currency = serializers.CharField(read_only=True, allow_null=True)
    value_reporting = serializers.DecimalField(
        max_digits=24,
        decimal_places=2,
        read_only=True,
        allow_null=True,
        help_text=_("The value in the reporting currency at the latest rate; null without a rate."),
    )
    reporting_currency = serializers.SerializerMethodField()
    description = serializers.CharField(read_only=True, allow_null=True)
    termination_reason = serializers.CharField(read_only=True, allow_null=True)

    class Meta:
        model = Contract
        fields = [
            "id",
            "url",
            "web_url",
            "number",
            "external_id",
            "title",
            "supplier",
            "owner",
            "status",
            "phase",
            "start_date",
            "end_date",
            "notice_period_days",
            "last_notice_date",
            "auto_renew",
            "renewal_term_months",
            "version",
            "terminated_on",
            "restricted",
            "value",
            "currency",
            "value_reporting",
            "reporting_currency",
            "description",
            "termination_reason",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_web_url(self, contract: Contract) -> str:
        request = self.context.get("request")
        url = contract.get_absolute_url()
        return request.build_absolute_uri(url) if request else url

    def get_restricted(self, contract: Contract) -> bool:
        return not getattr(contract, "confidential_visible", False)

    def to_representation(self, instance: Contract) -> Any:
        data = super().to_representation(instance)
        if data["restricted"]:
            # The restricted shape: the same keys, confidential ones emptied.
            data.update(dict.fromkeys(CONFIDENTIAL_FIELDS))
        return data

    def get_reporting_currency(self, contract: Contract) -> str:
        return str(settings.REPORTING_CURRENCY)


class ContractDetailSerializer(ContractSerializer):
    """One contract, with what the caller may do to it now (the page's buttons)."""

    allowed_actions = AllowedActionsField(choices=ContractAction)

    class Meta(ContractSerializer.Meta):
        fields = [*ContractSerializer.Meta.fields, "allowed_actions"]
        read_only_fields = fields


class ContractWriteSerializer(serializers.Serializer[Any]):
    """Creating a contract (a draft), and amending its terms (PATCH: a new version)."""

    supplier = VisibleRelatedField(
        selector=supplier_visible, help_text=_("Set when created; fixed after.")
    )
    title = serializers.CharField(max_length=200)
    owner = VisibleRelatedField(
        selector=owner_candidate_list, help_text=_("An active person who signs in to the pages.")
    )
    value = serializers.DecimalField(max_digits=16, decimal_places=2, min_value=0)
    currency = serializers.ChoiceField(choices=sorted(currency_codes()))
    start_date = DateField(required=False, allow_null=True)
    end_date = DateField(
        required=False, allow_null=True, help_text=_("Null for an open-ended contract.")
    )
    notice_period_days = serializers.IntegerField(min_value=0, max_value=3650, required=False)
    auto_renew = serializers.BooleanField(required=False)
    renewal_term_months = serializers.IntegerField(
        min_value=1, max_value=120, required=False, allow_null=True
    )
    description = serializers.CharField(required=False, allow_blank=True)
    external_id = serializers.CharField(
        max_length=100, required=False, allow_null=True, allow_blank=True
    )
    note = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=2000,
        write_only=True,
        help_text=_("Amendments: what changed and why, kept with the version."),
    )


class RenewSerializer(serializers.Serializer[Any]):
    months = serializers.IntegerField(
        min_value=1,
        max_value=120,
        required=False,
        allow_null=True,
        help_text=_("The new term; default the contract's renewal term."),
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class TerminateSerializer(serializers.Serializer[Any]):
    on = DateField(
        help_text=_("The day the contract ends: today or earlier at once, a later day on that day.")
    )
    reason = serializers.CharField(allow_blank=True, max_length=2000)


class RenewalDecisionSerializer(serializers.Serializer[Any]):
    stage = serializers.ChoiceField(
        choices=RenewalStage.choices,
        help_text=_("The next stage: upcoming → under_review → decided → done."),
    )
    decision = serializers.ChoiceField(
        choices=RenewalChoice.choices,
        required=False,
        allow_blank=True,
        help_text=_("Required with stage decided."),
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class RenewalStepSerializer(serializers.Serializer[Any]):
    stage = serializers.CharField()
    decision = serializers.CharField()
    note = serializers.CharField()
    actor = UserBriefSerializer(allow_null=True)
    at = serializers.DateTimeField()


class RenewalStateSerializer(serializers.Serializer[Any]):
    contract = ContractBriefSerializer()
    term_end = serializers.DateField()
    stage = serializers.CharField()
    decision = serializers.CharField()
    steps = RenewalStepSerializer(many=True)


# --- Obligations, benefits, documents -----------------------------------------------------


class _ContractField(serializers.PrimaryKeyRelatedField):
    """A contract the caller may see in full (others do not exist for them)."""

    def get_queryset(self) -> Any:
        from contracts.selectors import contract_confidential

        return contract_confidential(user=self.context["request"].user)


class ObligationSerializer(serializers.ModelSerializer[Obligation]):
    url = serializers.HyperlinkedIdentityField(view_name="api:obligation-detail")
    contract = _ContractField()
    party = _choices(Party, "ObligationParty", read_only=False)
    recurrence = _choices(Recurrence, "ObligationRecurrence", read_only=False, required=False)
    status = _choices(
        ObligationStatus, "ObligationStatus", help_text=_("Changed by the record action.")
    )
    overdue = serializers.SerializerMethodField(
        help_text=_("Still open after its due date; filter with ?overdue=true.")
    )
    due_date = DateField(required=False, allow_null=True)

    class Meta:
        model = Obligation
        fields = [
            "id",
            "url",
            "contract",
            "party",
            "description",
            "metric",
            "target",
            "due_date",
            "recurrence",
            "status",
            "overdue",
            "evidence_note",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["status", "evidence_note", "created_at", "updated_at"]

    def get_overdue(self, obligation: Obligation) -> bool:
        return obligation_is_overdue(obligation, today=timezone.localdate())


class ObligationRecordSerializer(serializers.Serializer[Any]):
    status = _choices(ObligationStatus, "ObligationStatus", read_only=False)
    evidence_note = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class BenefitRealisationSerializer(serializers.ModelSerializer[BenefitRealisation]):
    period_start = DateField()
    period_end = DateField()

    class Meta:
        model = BenefitRealisation
        fields = ["period_start", "period_end", "amount", "note", "recorded_at"]
        read_only_fields = ["recorded_at"]


class BenefitSerializer(serializers.ModelSerializer[Benefit]):
    url = serializers.HyperlinkedIdentityField(view_name="api:benefit-detail")
    contract = _ContractField()
    kind = _choices(BenefitKind, "BenefitKind", read_only=False)
    currency = serializers.CharField(source="contract.currency", read_only=True)
    realised = serializers.DecimalField(max_digits=24, decimal_places=2, read_only=True)
    expected_reporting = serializers.DecimalField(
        max_digits=24, decimal_places=2, read_only=True, allow_null=True
    )
    realised_reporting = serializers.DecimalField(
        max_digits=24,
        decimal_places=2,
        read_only=True,
        allow_null=True,
        help_text=_("Each period converted at the rate of its end; null when a rate is missing."),
    )
    realisations = BenefitRealisationSerializer(many=True, read_only=True)

    class Meta:
        model = Benefit
        fields = [
            "id",
            "url",
            "contract",
            "kind",
            "expected_amount",
            "currency",
            "gain_share_percent",
            "note",
            "realised",
            "expected_reporting",
            "realised_reporting",
            "realisations",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]


class DocumentSerializer(serializers.ModelSerializer[ContractDocument]):
    url = serializers.HyperlinkedIdentityField(view_name="api:contract-document-detail")
    download_url = serializers.SerializerMethodField(
        help_text=_("The file, for those who may see the contract in full.")
    )
    contract = _ContractField()
    kind = _choices(DocumentKind, "DocumentKind", read_only=False)
    file = serializers.FileField(write_only=True, help_text=_("multipart/form-data"))
    uploaded_by = UserBriefSerializer(read_only=True)

    class Meta:
        model = ContractDocument
        fields = [
            "id",
            "url",
            "download_url",
            "contract",
            "kind",
            "file",
            "name",
            "mime",
            "size",
            "uploaded_by",
            "uploaded_at",
        ]
        read_only_fields = ["name", "mime", "size", "uploaded_at"]

    @extend_schema_field(OpenApiTypes.URI)
    def get_download_url(self, document: ContractDocument) -> str:
        request = self.context.get("request")
        url = reverse("api:contract-document-download", args=[document.pk])
        return request.build_absolute_uri(url) if request else url


class ExchangeRateSerializer(serializers.ModelSerializer[ExchangeRate]):
    class Meta:
        model = ExchangeRate
        fields = ["id", "currency", "date", "rate", "updated_at"]
        read_only_fields = fields


# --- Bulk upsert (rows are checked by contracts.bulk; these describe them for the schema) --


class ContractBulkRowSerializer(serializers.Serializer[Any]):
    external_id = serializers.CharField(max_length=100, help_text=_("The key: the ERP id."))
    number = serializers.CharField(
        max_length=30, required=False, help_text=_("Generated for a new contract when absent.")
    )
    title = serializers.CharField(max_length=200, required=False)
    supplier_external_id = serializers.CharField(max_length=100, required=False)
    owner = serializers.CharField(required=False, help_text=_("A username."))
    status = serializers.CharField(
        required=False, help_text=_("draft or active (a new contract: draft by default).")
    )
    value = serializers.DecimalField(max_digits=16, decimal_places=2, required=False)
    currency = serializers.CharField(max_length=3, required=False)
    start_date = DateField(required=False, allow_null=True)
    end_date = DateField(required=False, allow_null=True)
    notice_period_days = serializers.IntegerField(required=False)
    auto_renew = serializers.BooleanField(required=False)
    renewal_term_months = serializers.IntegerField(required=False, allow_null=True)
    description = serializers.CharField(required=False)


class _ContractResultRow(serializers.Serializer[Any]):
    row = serializers.IntegerField()
    id = serializers.IntegerField()
    external_id = serializers.CharField()
    result = serializers.ChoiceField(choices=["created", "updated", "unchanged"])


class ContractBulkResultSerializer(UpsertCountsSerializer):
    results = _ContractResultRow(many=True)


class ExchangeRateBulkRowSerializer(serializers.Serializer[Any]):
    currency = serializers.CharField(max_length=3)
    date = DateField()
    rate = serializers.DecimalField(
        max_digits=20,
        decimal_places=8,
        help_text=_("What one unit is worth in the reporting currency."),
    )


class _RateResultRow(serializers.Serializer[Any]):
    row = serializers.IntegerField()
    id = serializers.IntegerField()
    currency = serializers.CharField()
    date = serializers.DateField()
    result = serializers.ChoiceField(choices=["created", "updated", "unchanged"])


class ExchangeRateBulkResultSerializer(UpsertCountsSerializer):
    results = _RateResultRow(many=True)
