"""The dashboard's figures, read for a person and their filters; the page and the API share them.

Whose suppliers: people who see confidential figures (procurement managers, executives) read
the whole portfolio; anyone else (account managers) reads only the suppliers they hold a
current key-account role for, every figure included. Each panel is a fixed number of
aggregate queries, however many suppliers there are.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, TypeVar

from django.conf import settings
from django.db import connection
from django.db.models import (
    Avg,
    Case,
    Count,
    Exists,
    F,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import Lead, RowNumber, TruncQuarter
from django.utils import timezone

from accounts.roles import Capability, user_can
from contracts.choices import ContractStatus
from contracts.currency import to_reporting_currency
from contracts.models import Benefit, BenefitRealisation
from contracts.querysets import in_force_q
from contracts.selectors import contract_confidential, contract_list
from escalations.choices import EscalationStatus, Level
from escalations.models import Escalation
from escalations.selectors import escalation_list
from health.selectors import with_health
from meetings.choices import CommitmentSide, CommitmentStatus
from meetings.models import Commitment
from meetings.selectors import (
    SINGLE_THREAD_WINDOW,
    commitment_list_mine,
    with_engagement,
    with_people_met,
)
from reports.filtersets import ReportFilterSet
from reviews.choices import ReviewStatus, Standing
from reviews.models import Review
from reviews.selectors import my_reviews_to_do, overdue_q, review_visible
from suppliers.choices import RiskLevel, Segment, SupplierStatus
from suppliers.models import KeyAccountOwnership, Supplier
from suppliers.selectors import AnyUser, supplier_list_owned, supplier_visible

NEAR_DAYS = 90  # "in the next 90 days" for notice dates and expiries
AGE_THRESHOLDS = (0, 7, 30)  # open escalations: all, older than a week, older than a month
# Spend bands of the Kraljic matrix, in the reporting currency: lower bounds.
SPEND_BANDS = (
    (Decimal(1_000_000), "1m"),
    (Decimal(100_000), "100k"),
    (Decimal(10_000), "10k"),
    (Decimal(0), "0"),
)
# Standings from worst to best: a lower rank is a worse band.
STANDING_RANK = {
    Standing.VERY_POOR: 0,
    Standing.POOR: 1,
    Standing.AVERAGE: 2,
    Standing.EXCELLENT: 3,
}


_QS = TypeVar("_QS", bound=QuerySet[Any])


@dataclass(frozen=True)
class Scope:
    """Whose suppliers a report covers, filtered, and the period it looks back over."""

    user: AnyUser
    suppliers: QuerySet[Supplier]
    today: date
    since: date
    period_days: int
    whole_portfolio: bool
    filters: dict[str, Any] = field(default_factory=dict)

    @property
    def restricted(self) -> bool:
        """Whether the scope is less than every supplier: then each figure's query names the
        suppliers; else it reads whole tables, which PostgreSQL does far faster."""
        return not self.whole_portfolio or bool(self.filters.keys() - {"period"})

    def limit(self, queryset: _QS, field: str = "supplier") -> _QS:
        """``queryset`` narrowed to the scope's suppliers through ``field``."""
        if not self.restricted:
            return queryset
        return queryset.filter(**{f"{field}__in": self.suppliers.order_by().values("pk")})


def report_suppliers(*, user: AnyUser) -> QuerySet[Supplier]:
    """The suppliers whose figures the user may read in reports."""
    visible = supplier_visible(user=user)
    if user_can(user, Capability.VIEW_CONFIDENTIAL):
        return visible
    return visible.held_by(user)


def report_scope(
    *, user: AnyUser, filters: Mapping[str, Any] | None = None, today: date | None = None
) -> Scope:
    today = today or timezone.localdate()
    filterset = ReportFilterSet(filters or {}, queryset=report_suppliers(user=user))
    days = filterset.period_days
    applied = {
        name: value
        for name, value in (filterset.form.cleaned_data if filterset.is_valid() else {}).items()
        if value not in (None, "", [])
    }
    return Scope(
        user=user,
        suppliers=filterset.qs,
        today=today,
        since=today - timedelta(days=days),
        period_days=days,
        whole_portfolio=user_can(user, Capability.VIEW_CONFIDENTIAL),
        filters=applied,
    )


# --- Portfolio -------------------------------------------------------------------------------


def portfolio_by_segment_and_status(scope: Scope) -> list[dict[str, Any]]:
    """Rows of segment, status and count (suppliers), in the choices' order."""
    rows = scope.suppliers.order_by().values("segment", "status").annotate(count=Count("pk"))
    counts = {(row["segment"], row["status"]): row["count"] for row in rows}
    return [
        {"segment": segment, "status": status, "count": counts.get((segment, status), 0)}
        for segment in Segment.values
        for status in SupplierStatus.values
    ]


def _spend_band() -> Case:
    return Case(
        *(When(annual_spend__gte=lower, then=Value(key)) for lower, key in SPEND_BANDS),
        default=Value("none"),  # no spend figure from the ERP yet
    )


def kraljic_matrix(scope: Scope) -> list[dict[str, Any]]:
    """Suppliers counted by supply risk and spend band, with the spend of each cell."""
    rows = (
        scope.suppliers.order_by()
        .annotate(band=_spend_band())
        .values("risk_level", "band")
        .annotate(count=Count("pk"), spend=Sum("annual_spend"))
    )
    found: dict[tuple[str, str], dict[str, Any]] = {
        (row["risk_level"], row["band"]): dict(row) for row in rows
    }
    empty: dict[str, Any] = {}
    bands = [key for _lower, key in SPEND_BANDS] + ["none"]
    return [
        {
            "risk_level": risk,
            "spend_band": band,
            "count": found.get((risk, band), empty).get("count", 0),
            "spend": found.get((risk, band), empty).get("spend") or Decimal(0),
        }
        for band in bands
        for risk in RiskLevel.values
    ]


# --- Performance -----------------------------------------------------------------------------


def _reviews(scope: Scope) -> QuerySet[Review]:
    return scope.limit(review_visible(user=scope.user)).filter(status=ReviewStatus.SUBMITTED)


def average_score_by_quarter(scope: Scope) -> list[dict[str, Any]]:
    """The average overall score of submitted reviews per quarter (of the period's end) and
    segment, for reviews whose period ended within the report's period."""
    rows = (
        _reviews(scope)
        .filter(period_end__gte=scope.since, overall_score__isnull=False)
        .annotate(quarter=TruncQuarter("period_end"))
        .values("quarter", "supplier__segment")
        .annotate(average=Avg("overall_score"), reviews=Count("pk"))
        .order_by("quarter", "supplier__segment")
    )
    return [
        {
            "quarter": row["quarter"],
            "segment": row["supplier__segment"],
            "average": round(Decimal(row["average"]), 1),
            "reviews": row["reviews"],
        }
        for row in rows
    ]


_RANK_SQL = (
    "CASE {column} "
    + " ".join(f"WHEN '{key}' THEN {rank}" for key, rank in STANDING_RANK.items())
    + " END"
)


@dataclass(frozen=True)
class Standings:
    """The standing of each supplier's latest submitted review, counted, and the suppliers
    whose latest review (ending within the period) is in a worse band than the one before."""

    distribution: list[dict[str, Any]]
    moved_down_count: int
    moved_down: list[Supplier]


def _latest_reviews(scope: Scope) -> tuple[str, list[Any]]:
    """SQL of each scope supplier's submitted reviews, newest first, numbered (``rn``) and
    with the standing of the review before (``previous``): window functions, one pass."""
    order = [F("period_end").desc(), F("id").desc()]
    ranked = _reviews(scope).annotate(
        rn=Window(RowNumber(), partition_by=[F("supplier_id")], order_by=order),
        previous=Window(Lead("standing"), partition_by=[F("supplier_id")], order_by=order),
    )
    sql, params = ranked.values(
        "supplier_id", "standing", "period_end", "rn", "previous"
    ).query.sql_with_params()
    return sql, list(params)


def standings(scope: Scope, *, limit: int = 10) -> Standings:
    """One pass over the reviews (materialised once, read twice), then the listed suppliers
    by id: two queries, whatever the number of suppliers and reviews."""
    inner, params = _latest_reviews(scope)
    now, before = _RANK_SQL.format(column="standing"), _RANK_SQL.format(column="previous")
    sql = f"""
        WITH latest AS MATERIALIZED (
          SELECT supplier_id, standing, previous,
                 {now} < {before} AND period_end >= %s AS worse
            FROM ({inner}) ranked WHERE rn = 1
        )
        SELECT standing, count(*), count(*) FILTER (WHERE worse), NULL::bigint, NULL::text
          FROM latest GROUP BY standing
        UNION ALL
        (SELECT l.standing, NULL, NULL, l.supplier_id, l.previous
           FROM latest l JOIN {Supplier._meta.db_table} s ON s.id = l.supplier_id
          WHERE l.worse ORDER BY s.name, s.id LIMIT %s)
    """  # noqa: S608 - fragments from constants and the ORM; values go as parameters
    with connection.cursor() as cursor:
        cursor.execute(sql, [scope.since, *params, limit])
        rows = cursor.fetchall()
    counted = [row for row in rows if row[3] is None]
    moved = [(pk, standing, previous) for standing, _n, _w, pk, previous in rows if pk]
    counts = {standing: count for standing, count, _worse, _pk, _previous in counted}
    suppliers = Supplier.objects.in_bulk([pk for pk, _now, _before in moved])
    listed = []
    for pk, standing, previous in moved:
        supplier = suppliers[pk]
        supplier.standing, supplier.previous_standing = standing, previous  # type: ignore[attr-defined]
        listed.append(supplier)
    listed.sort(key=lambda supplier: (supplier.name, supplier.pk))  # UNION ALL keeps no order
    return Standings(
        distribution=[{"standing": key, "count": counts.get(key, 0)} for key in Standing.values],
        moved_down_count=sum(worse for _standing, _count, worse, _pk, _previous in counted),
        moved_down=listed,
    )


# --- Contracts -------------------------------------------------------------------------------


def contract_figures(scope: Scope) -> dict[str, Any]:
    """Notice dates and expiries within 90 days, value under contract (active, covering today)
    against total spend, in the reporting currency, and contracts lacking a rate."""
    today, near = scope.today, scope.today + timedelta(days=NEAR_DAYS)
    active = Q(status=ContractStatus.ACTIVE)
    covering = in_force_q(today)
    contracts = (
        scope.limit(contract_confidential(user=scope.user))
        .with_notice_date()
        .annotate(value_reporting=to_reporting_currency(F("value"), "currency"))
    )
    figures = contracts.aggregate(
        notice_due=Count("pk", filter=active & Q(last_notice_date__range=(today, near))),
        expiring=Count("pk", filter=active & Q(end_date__range=(today, near))),
        active=Count("pk", filter=covering),
        value_under_contract=Sum("value_reporting", filter=covering),
        lacking_rate=Count("pk", filter=covering & Q(value_reporting__isnull=True)),
    )
    spend = scope.suppliers.aggregate(total=Sum("annual_spend"))["total"]
    return {
        **figures,
        "value_under_contract": figures["value_under_contract"] or Decimal(0),
        "total_spend": spend or Decimal(0),
        "currency": settings.REPORTING_CURRENCY,
    }


def savings_figures(scope: Scope) -> dict[str, Any]:
    """Savings expected at award (benefits of contracts that are not drafts) against those
    realised in periods ending within the report's period, in the reporting currency."""
    contracts = (
        scope.limit(contract_confidential(user=scope.user))
        .exclude(status=ContractStatus.DRAFT)
        .values("pk")
    )
    expected = Benefit.objects.filter(contract__in=contracts).aggregate(
        total=Sum(to_reporting_currency(F("expected_amount"), "contract__currency"))
    )["total"]
    realised = BenefitRealisation.objects.filter(
        benefit__contract__in=contracts, period_end__gte=scope.since, period_end__lte=scope.today
    ).aggregate(
        total=Sum(
            to_reporting_currency(F("amount"), "benefit__contract__currency", on="period_end")
        )
    )["total"]
    return {
        "expected": expected or Decimal(0),
        "realised": realised or Decimal(0),
        "currency": settings.REPORTING_CURRENCY,
    }


# --- Relationship ----------------------------------------------------------------------------


def relationship_figures(scope: Scope) -> dict[str, Any]:
    strategic = scope.suppliers.filter(
        segment=Segment.STRATEGIC, status=SupplierStatus.ACTIVE
    ).order_by()
    met = with_engagement(strategic).aggregate(
        total=Count("pk"), within=Count("pk", filter=Q(in_person_overdue=False))
    )
    key = scope.suppliers.filter(
        status=SupplierStatus.ACTIVE, segment__in=[Segment.STRATEGIC, Segment.LEVERAGE]
    ).order_by()
    single = (
        with_people_met(key, since=timezone.now() - SINGLE_THREAD_WINDOW)
        .filter(people_met__lte=1)  # type: ignore[misc]
        .count()
    )
    overdue = (
        scope.limit(Commitment.objects.all())
        .filter(status=CommitmentStatus.OPEN, due_date__lt=scope.today)
        .values("side")
        .annotate(count=Count("pk"))
        .order_by()
    )
    by_side = {row["side"]: row["count"] for row in overdue}
    return {
        "strategic_active": met["total"],
        "strategic_met_in_person": met["within"],
        "single_threaded": single,
        "overdue_ours": by_side.get(CommitmentSide.OURS, 0),
        "overdue_theirs": by_side.get(CommitmentSide.THEIRS, 0),
    }


# --- Escalations and overdue reviews ---------------------------------------------------------


def escalation_figures(scope: Scope) -> list[dict[str, Any]]:
    """Open (not resolved) escalations per level: all, older than 7 and older than 30 days."""
    now = timezone.now()
    counts = {
        f"l{level}_{days}": Count(
            "pk", filter=Q(level=level, raised_at__lte=now - timedelta(days=days))
        )
        for level in Level.values
        for days in AGE_THRESHOLDS
    }
    found = (
        scope.limit(Escalation.objects.all())
        .exclude(status=EscalationStatus.RESOLVED)
        .aggregate(**counts)
    )
    return [
        {
            "level": level,
            "open": found[f"l{level}_0"],
            "older_than_7": found[f"l{level}_7"],
            "older_than_30": found[f"l{level}_30"],
        }
        for level in Level.values
    ]


def overdue_review_count(scope: Scope) -> int:
    return scope.limit(review_visible(user=scope.user)).filter(overdue_q(scope.today)).count()


# --- My day ----------------------------------------------------------------------------------

MY_DAY_LIMIT = 20


@dataclass(frozen=True)
class MyDay:
    suppliers: list[Supplier]
    commitments: list[Commitment]
    commitments_count: int
    reviews: list[Review]
    reviews_overdue: int
    escalations: list[Escalation]
    contracts: list[Any]


def _owned(user: AnyUser, supplier_ref: str = "supplier") -> Exists:
    return Exists(KeyAccountOwnership.objects.current().held_by(user).of_outer(supplier_ref))


def my_day(*, user: AnyUser, today: date | None = None) -> MyDay:
    """An account manager's day: their suppliers by health (worst first), their overdue
    commitments, reviews to do, open escalations of their suppliers and their contracts near
    notice. A fixed number of queries."""
    today = today or timezone.localdate()
    suppliers = with_health(supplier_list_owned(user=user), user=user, today=today).order_by(
        "health_score",
        "name",
        "id",  # type: ignore[misc]
    )
    overdue = commitment_list_mine(user=user).filter(due_date__lt=today)
    reviews = my_reviews_to_do(user=user)
    escalations = (
        escalation_list(user=user)
        .filter(_owned(user))
        .exclude(status=EscalationStatus.RESOLVED)
        .order_by("-level", "raised_at", "id")
    )
    contracts = (
        contract_list(user=user, today=today)
        .notice_within(NEAR_DAYS, today=today)
        .filter(Q(owner_id=user.pk) | Q(_owned(user)))
        .order_by("last_notice_date", "id")  # type: ignore[misc]
    )
    return MyDay(
        suppliers=list(suppliers[:50]),
        commitments=list(overdue[:MY_DAY_LIMIT]),
        commitments_count=overdue.count(),
        reviews=list(reviews[:MY_DAY_LIMIT]),
        reviews_overdue=reviews.filter(overdue_q(today)).count(),
        escalations=list(escalations[:MY_DAY_LIMIT]),
        contracts=list(contracts[:MY_DAY_LIMIT]),
    )


# --- Every figure at once (the reports API) --------------------------------------------------

PANELS = ("portfolio", "performance", "contracts", "relationship", "escalations")


def dashboard_figures(scope: Scope, *, panels: tuple[str, ...] = PANELS) -> dict[str, Any]:
    """The dashboard's figures as plain data, for the panels asked for."""
    figures: dict[str, Any] = {
        "scope": {
            "whole_portfolio": scope.whole_portfolio,
            "period_days": scope.period_days,
            "since": scope.since,
            "today": scope.today,
            "currency": settings.REPORTING_CURRENCY,
        }
    }
    if "portfolio" in panels:
        figures["portfolio"] = {
            "by_segment_and_status": portfolio_by_segment_and_status(scope),
            "kraljic": kraljic_matrix(scope),
        }
    if "performance" in panels:
        summary = standings(scope)
        figures["performance"] = {
            "average_score_by_quarter": average_score_by_quarter(scope),
            "standing_distribution": summary.distribution,
            "moved_down_count": summary.moved_down_count,
            "moved_down": summary.moved_down,
        }
    if "contracts" in panels:
        figures["contracts"] = {**contract_figures(scope), "savings": savings_figures(scope)}
    if "relationship" in panels:
        figures["relationship"] = relationship_figures(scope)
    if "escalations" in panels:
        figures["escalations"] = {
            "by_level": escalation_figures(scope),
            "overdue_reviews": overdue_review_count(scope),
        }
    return figures
