"""Every read of contracts that pages and the API share, and the confidentiality rule.

Everyone who reads the portfolio sees that a contract exists and its dates. Its value,
obligations, benefits and documents are for those holding VIEW_CONFIDENTIAL (procurement
managers, executives) or SYNC_ERP (the ERP's integration account), the contract's owner and
the supplier's current key-account people (owner, backup, sponsor). Each contract row carries
``confidential_visible``, computed in the same query, and pages and serializers branch on it;
the lists of obligations, benefits and documents hold only rows of contracts the user may see
in full.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, cast

from django.conf import settings
from django.db.models import (
    BooleanField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from accounts.roles import Capability, user_can
from contracts.choices import ContractStatus, RenewalChoice, RenewalStage
from contracts.currency import to_reporting_currency
from contracts.models import (
    Benefit,
    BenefitRealisation,
    Contract,
    ContractDocument,
    ContractVersion,
    ExchangeRate,
    Obligation,
    RenewalDecision,
    RenewalStep,
)
from contracts.querysets import ContractQuerySet
from suppliers.models import KeyAccountOwnership, Supplier
from suppliers.selectors import AnyUser


def _confidential_condition(user: AnyUser) -> Q | Value:
    """Whether the user may see a contract's confidential parts, as a condition on Contract.
    The ERP's integration account may: it writes values with ``bulk-upsert`` and pulls the
    contracts (those awarded in RFPs included) back into the ERP."""
    if user_can(user, Capability.VIEW_CONFIDENTIAL) or user_can(user, Capability.SYNC_ERP):
        return Value(True)
    if not user.is_authenticated:
        return Value(False)
    user_id = cast(int, user.pk)
    return Q(owner_id=user_id) | Q(
        Exists(KeyAccountOwnership.objects.current().held_by(user).of_outer("supplier_id"))
    )


def contract_visible(*, user: AnyUser) -> ContractQuerySet:
    """Contracts the user may know of, each with ``confidential_visible``."""
    if not user_can(user, Capability.VIEW_PORTFOLIO):
        return Contract.objects.none().annotate(confidential_visible=Value(False))
    return Contract.objects.annotate(
        confidential_visible=ExpressionWrapper(
            _confidential_condition(user), output_field=BooleanField()
        )
    )


def contract_confidential(*, user: AnyUser) -> ContractQuerySet:
    """Contracts the user may see in full."""
    return contract_visible(user=user).filter(confidential_visible=True)  # type: ignore[misc]


def may_see_confidential(*, user: AnyUser, contract: Contract) -> bool:
    flag = getattr(contract, "confidential_visible", None)
    if flag is not None:
        return bool(flag)
    return contract_confidential(user=user).filter(pk=contract.pk).exists()


def contract_list(
    *, user: AnyUser, filters: Mapping[str, Any] | None = None, today: date | None = None
) -> ContractQuerySet:
    """Contracts with supplier, owner, last notice date, phase and value in the reporting
    currency, newest first, filtered as the page and the API ask."""
    queryset = (
        contract_visible(user=user)
        .select_related("supplier", "owner")
        .with_notice_date()
        .with_phase(today=today)
        .with_value_in_reporting_currency()
        .order_by("-created_at", "-id")
    )
    if filters is not None:
        from contracts.filtersets import ContractFilterSet

        queryset = ContractFilterSet(filters, queryset=queryset).qs
    return queryset


def contract_get(*, user: AnyUser, pk: int) -> Contract:
    try:
        return contract_list(user=user).get(pk=pk)
    except Contract.DoesNotExist:
        raise Http404 from None


def contract_get_in_full(*, user: AnyUser, pk: int) -> Contract:
    """One contract; when the user may see it in full, with its lines, obligations, benefits
    (realisations summed, in both currencies), documents, versions and the current term's
    renewal decision with its steps. A user who may not sees none of those loaded."""
    contract = contract_get(user=user, pk=pk)
    contract.current_renewal = (  # type: ignore[attr-defined]
        _renewals().filter(contract=contract, term_end=contract.end_date).first()
        if contract.end_date
        else None
    )
    contract.version_list = list(  # type: ignore[attr-defined]
        ContractVersion.objects.filter(contract=contract)
        .select_related("created_by")
        .order_by("-number")
    )
    if not may_see_confidential(user=user, contract=contract):
        return contract
    contract.line_list = list(contract.lines.order_by("position", "id"))  # type: ignore[attr-defined]
    contract.obligation_list = list(contract.obligations.order_by("due_date", "id"))  # type: ignore[attr-defined]
    contract.benefit_list = list(benefit_list_for(contracts=[contract]))  # type: ignore[attr-defined]
    contract.document_list = list(  # type: ignore[attr-defined]
        contract.documents.select_related("uploaded_by").order_by("-uploaded_at", "-id")
    )
    return contract


def _renewals() -> QuerySet[RenewalDecision]:
    steps = RenewalStep.objects.select_related("actor").order_by("at", "id")
    return RenewalDecision.objects.prefetch_related(Prefetch("steps", queryset=steps))


# --- Benefits -----------------------------------------------------------------------------


def _with_realised(queryset: QuerySet[Benefit]) -> QuerySet[Benefit]:
    """Each benefit with ``realised`` (its contract's currency) and ``realised_reporting``
    (each period converted at the rate of its period end), and ``expected_reporting`` (at the
    latest rate); realisations prefetched in period order."""
    realised = (
        BenefitRealisation.objects.filter(benefit=OuterRef("pk"))
        .values("benefit")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    converted = (
        BenefitRealisation.objects.filter(benefit=OuterRef("pk"))
        .annotate(
            reporting=to_reporting_currency(
                F("amount"), "benefit__contract__currency", on="period_end"
            )
        )
        .values("benefit")
        .annotate(total=Sum("reporting"))
        .values("total")
    )
    return queryset.annotate(
        realised=Coalesce(Subquery(realised), Value(Decimal(0))),
        realised_reporting=Subquery(converted),
        expected_reporting=to_reporting_currency(F("expected_amount"), "contract__currency"),
    ).prefetch_related(
        Prefetch("realisations", queryset=BenefitRealisation.objects.order_by("period_start"))
    )


def benefit_list_for(*, contracts: list[Contract]) -> QuerySet[Benefit]:
    return _with_realised(
        Benefit.objects.filter(contract__in=contracts).select_related("contract").order_by("id")
    )


def benefit_list(*, user: AnyUser) -> QuerySet[Benefit]:
    """Benefits of the contracts the user may see in full."""
    return _with_realised(
        Benefit.objects.filter(contract__in=contract_confidential(user=user).values("pk"))
        .select_related("contract")
        .order_by("id")
    )


def obligation_list(*, user: AnyUser) -> QuerySet[Obligation]:
    return (
        Obligation.objects.filter(contract__in=contract_confidential(user=user).values("pk"))
        .select_related("contract")
        .order_by("due_date", "id")
    )


def document_list(*, user: AnyUser) -> QuerySet[ContractDocument]:
    return (
        ContractDocument.objects.filter(contract__in=contract_confidential(user=user).values("pk"))
        .select_related("contract", "uploaded_by")
        .order_by("-uploaded_at", "-id")
    )


def document_get(*, user: AnyUser, pk: int) -> ContractDocument:
    """A document the user may download; 404 for anyone else, so nobody learns it exists."""
    try:
        return document_list(user=user).get(pk=pk)
    except ContractDocument.DoesNotExist:
        raise Http404 from None


def exchange_rate_list(*, user: AnyUser) -> QuerySet[ExchangeRate]:
    if not user_can(user, Capability.VIEW_PORTFOLIO):
        return ExchangeRate.objects.none()
    return ExchangeRate.objects.order_by("currency", "-date", "id")


# --- Totals -------------------------------------------------------------------------------


@dataclass
class BenefitTotals:
    expected: Decimal = Decimal(0)
    realised: Decimal = Decimal(0)
    expected_reporting: Decimal | None = Decimal(0)
    realised_reporting: Decimal | None = Decimal(0)
    currency: str = ""
    reporting_currency: str = field(default_factory=lambda: settings.REPORTING_CURRENCY)


def benefit_totals(benefits: list[Benefit], currency: str) -> BenefitTotals:
    """Sums of benefits already loaded by ``benefit_list_for``; a reporting total is None when
    some amount has no rate to convert it."""
    totals = BenefitTotals(currency=currency)
    for benefit in benefits:
        totals.expected += benefit.expected_amount
        totals.realised += benefit.realised  # type: ignore[attr-defined]
        for name in ("expected_reporting", "realised_reporting"):
            value = getattr(benefit, name)
            running = getattr(totals, name)
            missing = value is None and (name == "expected_reporting" or benefit.realised)  # type: ignore[attr-defined]
            setattr(
                totals,
                name,
                None if running is None or missing else running + (value or Decimal(0)),
            )
    return totals


# --- Renewal board ------------------------------------------------------------------------

BOARD_STAGES = list(RenewalStage)


def renewal_board(
    *, user: AnyUser, within_days: int = 180, today: date | None = None
) -> dict[str, list[Contract]]:
    """Active contracts with an end date not yet passed whose last notice day is at most
    ``within_days`` away (or passed), by the stage of their current term's decision (upcoming
    when none is recorded); soonest notice first. One query."""
    today = today or timezone.localdate()
    current = RenewalDecision.objects.filter(contract=OuterRef("pk"), term_end=OuterRef("end_date"))
    contracts = (
        contract_visible(user=user)
        .select_related("supplier", "owner")
        .with_notice_date()
        .filter(  # type: ignore[misc]
            status=ContractStatus.ACTIVE,
            end_date__gte=today,
            last_notice_date__lte=today + timedelta(days=within_days),
        )
        .annotate(
            renewal_stage=Coalesce(
                Subquery(current.values("stage")[:1]), Value(RenewalStage.UPCOMING.value)
            ),
            renewal_decision=Coalesce(Subquery(current.values("decision")[:1]), Value("")),
        )
        .order_by("last_notice_date", "id")
    )
    board: dict[str, list[Contract]] = {stage.value: [] for stage in BOARD_STAGES}
    for contract in contracts:
        notice: date = contract.last_notice_date  # type: ignore[assignment]  # filtered to <= a day
        contract.days_to_notice = (notice - today).days  # type: ignore[attr-defined]
        contract.days_past_notice = -contract.days_to_notice  # type: ignore[attr-defined]
        decision = contract.renewal_decision
        contract.renewal_decision_label = RenewalChoice(decision).label if decision else ""  # type: ignore[attr-defined]
        board[contract.renewal_stage].append(contract)
    return board


def supplier_contracts(*, user: AnyUser, supplier: Supplier) -> ContractQuerySet:
    """The supplier's contracts for its page: active and draft first, then by end date."""
    return contract_list(user=user).filter(supplier=supplier).order_by("status", "end_date", "id")
