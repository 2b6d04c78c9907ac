"""Contracts after award: their terms and versions, documents, obligations on both sides, the
benefits promised against those realised, renewal decisions, and the exchange rates that let
amounts in many currencies add up."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateRangeField, RangeBoundary, RangeOperators
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contracts.choices import (
    BenefitKind,
    ContractPhase,
    ContractStatus,
    DocumentKind,
    ObligationStatus,
    Party,
    Recurrence,
    RenewalChoice,
    RenewalStage,
    VersionKind,
)
from contracts.querysets import ContractQuerySet
from core.audit import audited
from core.currencies import validate_currency
from core.dates import shift_days
from core.feed import in_feed
from suppliers.models import Supplier


def last_notice_date(end_date: date | None, notice_period_days: int) -> date | None:
    """The last day to give notice: the end date minus the notice period; None when the
    contract is open-ended, or when the day would be before year 1 (an end date stored before
    dates were bounded). ``ContractQuerySet.with_notice_date`` computes the same in SQL."""
    return shift_days(end_date, -notice_period_days)


class DateRange(models.Func):
    """``daterange(start, end, '[]')``: a period with both days included."""

    function = "DATERANGE"
    output_field = DateRangeField()


def _actor_field(verbose_name: Any) -> models.ForeignKey[Any, Any]:
    """Who did something, kept when they leave (PROTECT); empty when the system did it."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=verbose_name,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )


@audited()
@in_feed("contracts")
class Contract(models.Model):
    """An agreement with a supplier: its value, term, notice period and renewal terms. The
    stored status is draft, active or terminated; expiring and expired follow from dates."""

    number = models.CharField(_("number"), max_length=30, unique=True)
    external_id = models.CharField(_("ERP id"), max_length=100, unique=True, null=True, blank=True)
    title = models.CharField(_("title"), max_length=200)
    supplier = models.ForeignKey(
        Supplier, verbose_name=_("supplier"), on_delete=models.PROTECT, related_name="contracts"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="owned_contracts",
    )
    status = models.CharField(
        _("status"), max_length=12, choices=ContractStatus.choices, default=ContractStatus.DRAFT
    )
    value = models.DecimalField(
        _("value"),
        max_digits=16,
        decimal_places=2,
        default=Decimal(0),
        validators=[MinValueValidator(Decimal(0))],
    )
    currency = models.CharField(_("currency"), max_length=3, validators=[validate_currency])
    start_date = models.DateField(_("start"), null=True, blank=True)
    end_date = models.DateField(
        _("end"), null=True, blank=True, help_text=_("Empty for an open-ended contract.")
    )
    notice_period_days = models.PositiveIntegerField(
        _("notice period (days)"), default=0, validators=[MaxValueValidator(3650)]
    )
    auto_renew = models.BooleanField(_("renews automatically"), default=False)
    renewal_term_months = models.PositiveSmallIntegerField(
        _("renewal term (months)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
    )
    description = models.TextField(_("description"), blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    terminated_on = models.DateField(_("terminated on"), null=True, blank=True)
    termination_reason = models.TextField(_("termination reason"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    objects = ContractQuerySet.as_manager()

    class Meta:
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["updated_at", "id"], name="contract_updated_idx"),
            models.Index(fields=["supplier", "status"], name="contract_supplier_idx"),
            models.Index(
                fields=["end_date"],
                condition=Q(status=ContractStatus.ACTIVE),
                name="contract_active_end_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True)
                | Q(start_date__isnull=True)
                | Q(end_date__gte=models.F("start_date")),
                name="contracts_end_after_start",
                violation_error_message=_("A contract cannot end before it starts."),
            ),
            models.CheckConstraint(
                condition=Q(value__gte=0),
                name="contracts_value_not_negative",
                violation_error_message=_("The value cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(status__in=ContractStatus.values), name="contracts_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} · {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("contracts:contract_detail", args=[self.pk])

    @property
    def last_notice_date(self) -> date | None:
        return last_notice_date(self.end_date, self.notice_period_days)

    @last_notice_date.setter
    def last_notice_date(self, value: date | None) -> None:
        # ContractQuerySet.with_notice_date annotates the same value; computing it from the
        # fields keeps it right after an amendment in memory too.
        pass

    def phase_on(self, today: date) -> str:
        """The status people see on ``today``; ``ContractQuerySet.with_phase`` in SQL."""
        if self.status != ContractStatus.ACTIVE or self.end_date is None:
            return str(self.status)
        if self.end_date < today:
            return ContractPhase.EXPIRED
        if self.end_date <= today + timedelta(days=settings.CONTRACT_EXPIRING_DAYS):
            return ContractPhase.EXPIRING
        return ContractPhase.ACTIVE

    @property
    def phase(self) -> str:
        annotated: str | None = self.__dict__.get("_phase")
        return annotated or self.phase_on(timezone.localdate())

    @phase.setter
    def phase(self, value: str) -> None:
        # Set by ContractQuerySet.with_phase, for the day the query was made.
        self.__dict__["_phase"] = value

    def get_phase_display(self) -> str:
        return str(ContractPhase(self.phase).label)

    @property
    def is_draft(self) -> bool:
        return self.status == ContractStatus.DRAFT

    @property
    def is_active(self) -> bool:
        return self.status == ContractStatus.ACTIVE

    @property
    def is_terminated(self) -> bool:
        return self.status == ContractStatus.TERMINATED

    @property
    def terminates_on(self) -> date | None:
        """The day a termination given for a later date takes effect; until then the contract
        stays active and in force (``contract_termination_scan`` ends it on the day)."""
        if self.status == ContractStatus.ACTIVE and self.terminated_on is not None:
            return self.terminated_on
        return None


class ContractLine(models.Model):
    """A priced line of a contract, e.g. from the awarded proposal of an RFP."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField(_("position"), default=0)
    description = models.CharField(_("description"), max_length=500)
    quantity = models.DecimalField(
        _("quantity"), max_digits=16, decimal_places=3, default=Decimal(1)
    )
    unit = models.CharField(_("unit"), max_length=30, blank=True)
    unit_price = models.DecimalField(_("unit price"), max_digits=16, decimal_places=4)

    class Meta:
        verbose_name = _("contract line")
        verbose_name_plural = _("contract lines")
        ordering = ["contract", "position", "id"]

    def __str__(self) -> str:
        return self.description

    @property
    def amount(self) -> Decimal:
        return (self.quantity * self.unit_price).quantize(Decimal("0.01"))


class ContractVersion(models.Model):
    """A contract's terms as they stood from one change to the next: created, amended, renewed.
    Old versions are kept, so what was agreed when stays readable."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    kind = models.CharField(_("change"), max_length=12, choices=VersionKind.choices)
    terms = models.JSONField(_("terms"))
    note = models.TextField(_("note"), blank=True)
    created_by = _actor_field(_("by"))
    created_at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("contract version")
        verbose_name_plural = _("contract versions")
        ordering = ["contract", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "number"], name="contracts_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.contract_id} v{self.number}"


def contract_document_path(document: ContractDocument, filename: str) -> str:
    # The stored name is ours, never the uploader's: no path tricks, no clashes.
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    stamp = timezone.now().strftime("%Y/%m")
    from uuid import uuid4

    return f"contracts/{stamp}/{uuid4().hex}.{extension[:10]}"


class ContractDocument(models.Model):
    """A file of a contract (the signed contract, an amendment), served only through a view
    that checks who may read it."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(_("kind"), max_length=10, choices=DocumentKind.choices)
    file = models.FileField(_("file"), upload_to=contract_document_path, max_length=300)
    name = models.CharField(_("name"), max_length=255)
    mime = models.CharField(_("type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class Meta:
        verbose_name = _("contract document")
        verbose_name_plural = _("contract documents")
        ordering = ["-uploaded_at", "-id"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("contracts:document_download", args=[self.pk])


@audited()
@in_feed("obligations")
class Obligation(models.Model):
    """Something one side signed up to do: a service level with a target, a report, a review;
    once or recurring. When a recurring one is met, its next due date follows."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="obligations")
    party = models.CharField(_("party"), max_length=5, choices=Party.choices)
    description = models.CharField(_("description"), max_length=500)
    metric = models.CharField(_("metric"), max_length=200, blank=True)
    target = models.CharField(_("target"), max_length=100, blank=True)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    recurrence = models.CharField(
        _("recurrence"), max_length=10, choices=Recurrence.choices, blank=True, default=""
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ObligationStatus.choices,
        default=ObligationStatus.OPEN,
    )
    evidence_note = models.TextField(_("evidence"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("obligation")
        verbose_name_plural = _("obligations")
        ordering = ["due_date", "id"]
        indexes = [
            models.Index(
                fields=["due_date", "id"],
                condition=Q(status=ObligationStatus.OPEN),
                name="obligation_open_due_idx",
            ),
            models.Index(fields=["updated_at", "id"], name="obligation_updated_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(recurrence="") | Q(due_date__isnull=False),
                name="contracts_recurring_obligation_has_due_date",
                violation_error_message=_("A recurring obligation needs its first due date."),
            )
        ]

    def __str__(self) -> str:
        return self.description

    @property
    def is_overdue(self) -> bool:
        """Still open after its due date (``ObligationFilterSet``'s ``overdue`` in SQL)."""
        due = self.due_date
        return (
            self.status == ObligationStatus.OPEN and due is not None and due < timezone.localdate()
        )


@audited()
@in_feed("benefits")
class Benefit(models.Model):
    """A benefit promised at award (a saving, a cost avoided), in the contract's currency,
    against which realised amounts are recorded period by period."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="benefits")
    kind = models.CharField(_("kind"), max_length=20, choices=BenefitKind.choices)
    expected_amount = models.DecimalField(
        _("expected amount"),
        max_digits=16,
        decimal_places=2,
        validators=[MinValueValidator(Decimal(0))],
    )
    gain_share_percent = models.DecimalField(
        _("gain share (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
        help_text=_("The supplier's share of what is realised, where one was agreed."),
    )
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("benefit")
        verbose_name_plural = _("benefits")
        ordering = ["contract", "id"]
        indexes = [models.Index(fields=["updated_at", "id"], name="benefit_updated_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(expected_amount__gte=0),
                name="contracts_benefit_expected_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(gain_share_percent__isnull=True)
                | Q(gain_share_percent__gte=0, gain_share_percent__lte=100),
                name="contracts_gain_share_0_to_100",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.expected_amount}"


@audited()
class BenefitRealisation(models.Model):
    """What a benefit actually brought in one period, in the contract's currency."""

    benefit = models.ForeignKey(Benefit, on_delete=models.CASCADE, related_name="realisations")
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    amount = models.DecimalField(_("realised amount"), max_digits=16, decimal_places=2)
    note = models.TextField(_("note"), blank=True)
    recorded_by = _actor_field(_("recorded by"))
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("realised benefit")
        verbose_name_plural = _("realised benefits")
        ordering = ["benefit", "period_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["benefit", "period_start"],
                name="contracts_one_realisation_per_period",
                violation_error_message=_("This period is recorded already."),
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")),
                name="contracts_realisation_period_order",
                violation_error_message=_("A period cannot end before it starts."),
            ),
            # Two periods of one benefit never share a day: each day's benefit counts once.
            ExclusionConstraint(
                name="contracts_realisation_periods_disjoint",
                expressions=[
                    ("benefit", RangeOperators.EQUAL),
                    (
                        DateRange(
                            "period_start",
                            "period_end",
                            RangeBoundary(inclusive_lower=True, inclusive_upper=True),
                        ),
                        RangeOperators.OVERLAPS,
                    ),
                ],
                violation_error_message=_("This period overlaps one recorded already."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.period_start} to {self.period_end}: {self.amount}"


class RenewalDecision(models.Model):
    """The decision about one term of a contract (the term ending on ``term_end``): upcoming,
    under review, decided (renew, renegotiate or terminate), done. Each step is recorded."""

    contract = models.ForeignKey(
        Contract, on_delete=models.CASCADE, related_name="renewal_decisions"
    )
    term_end = models.DateField(_("term ends"))
    stage = models.CharField(
        _("stage"), max_length=15, choices=RenewalStage.choices, default=RenewalStage.UPCOMING
    )
    decision = models.CharField(
        _("decision"), max_length=12, choices=RenewalChoice.choices, blank=True
    )
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("renewal decision")
        verbose_name_plural = _("renewal decisions")
        ordering = ["term_end", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "term_end"], name="contracts_one_decision_per_term"
            ),
            models.CheckConstraint(
                condition=Q(stage__in=[RenewalStage.UPCOMING, RenewalStage.UNDER_REVIEW])
                | ~Q(decision=""),
                name="contracts_decided_has_decision",
                violation_error_message=_("Say what was decided."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contract_id} {self.term_end}: {self.get_stage_display()}"


class RenewalStep(models.Model):
    """One move of a renewal decision, with who made it and when."""

    renewal = models.ForeignKey(RenewalDecision, on_delete=models.CASCADE, related_name="steps")
    stage = models.CharField(_("stage"), max_length=15, choices=RenewalStage.choices)
    decision = models.CharField(
        _("decision"), max_length=12, choices=RenewalChoice.choices, blank=True
    )
    note = models.TextField(_("note"), blank=True)
    actor = _actor_field(_("by"))
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("renewal step")
        verbose_name_plural = _("renewal steps")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.get_stage_display()} {self.at:%Y-%m-%d}"

    @property
    def shows_decision(self) -> bool:
        """The step that recorded the decision (later steps carry it along)."""
        return self.stage == RenewalStage.DECIDED and bool(self.decision)


@in_feed("exchange-rates")
class ExchangeRate(models.Model):
    """How much one unit of ``currency`` was worth in the reporting currency on ``date``;
    an amount converts at the latest rate on or before its date."""

    currency = models.CharField(_("currency"), max_length=3, validators=[validate_currency])
    date = models.DateField(_("date"))
    rate = models.DecimalField(
        _("rate"),
        max_digits=20,
        decimal_places=8,
        validators=[MinValueValidator(Decimal("0.00000001"))],
    )
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("exchange rate")
        verbose_name_plural = _("exchange rates")
        ordering = ["currency", "-date"]
        indexes = [models.Index(fields=["updated_at", "id"], name="exchange_rate_updated_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["currency", "date"],
                name="contracts_one_rate_per_currency_and_day",
                violation_error_message=_("This currency has a rate for this day already."),
            ),
            models.CheckConstraint(condition=Q(rate__gt=0), name="contracts_rate_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.currency} {self.date}: {self.rate}"


__all__: list[Any] = [
    "Benefit",
    "BenefitRealisation",
    "Contract",
    "ContractDocument",
    "ContractLine",
    "ContractVersion",
    "ExchangeRate",
    "Obligation",
    "RenewalDecision",
    "RenewalStep",
    "last_notice_date",
]
