"""Supplier health: how healthy a relationship is, from five parts, computed in the database.

Each part is worth up to 20 points, so the score runs from 0 to 100:

- **meetings**: met as often as the segment's engagement policy asks (10), and in person as
  often (10); a segment without a policy asks nothing;
- **commitments**: the share of the last year's due commitments (both sides; cancelled ones
  left out) that were done by their due date; open ones past due count as broken;
- **review**: the latest submitted review's standing (excellent 20, average 14, poor 6, very
  poor 0; none yet: 10), with its trend against the review before it;
- **escalations**: 20, less 5 for each escalation not yet resolved;
- **contract**: an active contract covers today (20), or none does (0).

``with_health`` adds every figure as an annotation (correlated subqueries, evaluated only for
the rows a page shows); ``health_of`` turns one annotated row into parts with their reasons,
in Python but with no query. Reviews are confidential: the review part reads only the
reviews the reader may see (``reviews.selectors.review_visible``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from contracts.models import Contract
from contracts.querysets import in_force_q
from escalations.choices import EscalationStatus
from escalations.models import Escalation
from meetings.choices import CommitmentStatus
from meetings.models import Commitment
from meetings.selectors import with_engagement
from reviews.choices import ReviewStatus, Standing
from reviews.selectors import review_visible
from suppliers.models import Supplier
from suppliers.selectors import AnyUser

PART_MAX = 20
COMMITMENT_WINDOW = timedelta(days=365)
ESCALATION_PENALTY = 5
STANDING_POINTS = {
    Standing.EXCELLENT: 20,
    Standing.AVERAGE: 14,
    Standing.POOR: 6,
    Standing.VERY_POOR: 0,
}
UNREVIEWED_POINTS = 10
# Bands of the total, for the badge: at least 75 is good, at least 50 fair, else poor.
BANDS = ((75, "good", _("Good")), (50, "fair", _("Fair")), (0, "poor", _("Poor")))


def _count(queryset: QuerySet[Any]) -> Coalesce:
    """The number of rows of ``queryset`` (filtered on OuterRef("pk")) as a subquery."""
    counted = queryset.order_by().values("supplier").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def _commitment_counts(today: date) -> dict[str, Any]:
    due = Commitment.objects.filter(
        supplier=OuterRef("pk"),
        due_date__lt=today,
        due_date__gte=today - COMMITMENT_WINDOW,
        status__in=[CommitmentStatus.OPEN, CommitmentStatus.DONE],
    )
    kept = due.filter(status=CommitmentStatus.DONE, completed_at__date__lte=F("due_date"))
    return {
        "health_commitments_due": _count(due),
        "health_commitments_kept": _count(kept),
        "health_commitments_late_open": _count(due.filter(status=CommitmentStatus.OPEN)),
    }


def _review_figures(user: AnyUser) -> dict[str, Any]:
    submitted = (
        review_visible(user=user)
        .filter(supplier=OuterRef("pk"), status=ReviewStatus.SUBMITTED)
        .order_by("-period_end", "-id")
    )
    return {
        "health_standing": Subquery(submitted.values("standing")[:1]),
        "health_review_score": Subquery(submitted.values("overall_score")[:1]),
        "health_previous_score": Subquery(submitted.values("overall_score")[1:2]),
    }


def _contract_figures(today: date) -> dict[str, Any]:
    covering = Contract.objects.filter(in_force_q(today), supplier=OuterRef("pk"))
    return {
        "health_contract_covered": Exists(covering),
        # The latest end among covering contracts; NULL when one is open-ended or none covers.
        "health_contract_ends": Subquery(
            covering.order_by(F("end_date").desc(nulls_first=True)).values("end_date")[:1]
        ),
    }


def with_health(
    queryset: QuerySet[Supplier], *, user: AnyUser, today: date | None = None
) -> QuerySet[Supplier]:
    """Annotates each supplier's health figures, the points of each part and ``health_score``."""
    today = today or timezone.localdate()
    open_escalations = Escalation.objects.filter(supplier=OuterRef("pk")).exclude(
        status=EscalationStatus.RESOLVED
    )
    annotated = with_engagement(queryset).annotate(
        **_commitment_counts(today),
        **_review_figures(user),
        **_contract_figures(today),
        health_open_escalations=_count(open_escalations),
    )
    return annotated.annotate(**_points()).annotate(
        health_score=F("health_meetings_points")
        + F("health_commitments_points")
        + F("health_review_points")
        + F("health_escalations_points")
        + F("health_contract_points")
    )


def _points() -> dict[str, Any]:
    half = PART_MAX // 2
    overdue_meeting = Case(When(contact_overdue=True, then=Value(half)), default=Value(0))
    overdue_visit = Case(When(in_person_overdue=True, then=Value(half)), default=Value(0))
    standing = Case(
        *(When(health_standing=key, then=Value(points)) for key, points in STANDING_POINTS.items()),
        default=Value(UNREVIEWED_POINTS),
    )
    return {
        "health_meetings_points": Value(PART_MAX) - overdue_meeting - overdue_visit,
        "health_commitments_points": Case(
            When(health_commitments_due=0, then=Value(PART_MAX)),
            default=Value(PART_MAX) * F("health_commitments_kept") / F("health_commitments_due"),
            output_field=IntegerField(),
        ),
        "health_review_points": standing,
        "health_escalations_points": Greatest(
            Value(0), Value(PART_MAX) - Value(ESCALATION_PENALTY) * F("health_open_escalations")
        ),
        "health_contract_points": Case(
            When(health_contract_covered=True, then=Value(PART_MAX)), default=Value(0)
        ),
    }


@dataclass(frozen=True)
class HealthPart:
    key: str
    name: Any
    points: int
    why: str
    maximum: int = PART_MAX


@dataclass(frozen=True)
class Health:
    score: int
    band: str
    band_label: Any
    parts: tuple[HealthPart, ...]


def band_of(score: int) -> tuple[str, Any]:
    for lower, key, label in BANDS:
        if score >= lower:
            return key, label
    return BANDS[-1][1], BANDS[-1][2]


def health_of(supplier: Supplier, *, today: date | None = None) -> Health:
    """The health of a supplier annotated by ``with_health``, each part with its reason."""
    today = today or timezone.localdate()
    row = supplier.__dict__
    parts = (
        HealthPart("meetings", _("Meetings"), row["health_meetings_points"], _meetings_why(row)),
        HealthPart(
            "commitments",
            _("Commitments"),
            row["health_commitments_points"],
            _commitments_why(row),
        ),
        HealthPart("review", _("Latest review"), row["health_review_points"], _review_why(row)),
        HealthPart(
            "escalations",
            _("Escalations"),
            row["health_escalations_points"],
            _escalations_why(row),
        ),
        HealthPart(
            "contract", _("Contract"), row["health_contract_points"], _contract_why(row, today)
        ),
    )
    score = int(row["health_score"])
    band, label = band_of(score)
    return Health(score=score, band=band, band_label=label, parts=parts)


def _days_ago(moment: Any) -> int:
    return (timezone.now() - moment).days


def _meetings_why(row: dict[str, Any]) -> str:
    if row["policy_days"] is None and row["policy_in_person_days"] is None:
        return str(_("No engagement policy for this segment."))
    reasons = []
    if row["last_met_at"] is None:
        reasons.append(str(_("Never met.")))
    else:
        reasons.append(
            _("Last met %(days)s days ago (policy: every %(policy)s days).")
            % {"days": _days_ago(row["last_met_at"]), "policy": row["policy_days"] or "—"}
        )
    if row["policy_in_person_days"] is not None:
        if row["last_in_person_at"] is None:
            reasons.append(str(_("Never met in person.")))
        else:
            reasons.append(
                _("Last in person %(days)s days ago (policy: every %(policy)s days).")
                % {
                    "days": _days_ago(row["last_in_person_at"]),
                    "policy": row["policy_in_person_days"],
                }
            )
    return " ".join(reasons)


def _commitments_why(row: dict[str, Any]) -> str:
    due, kept = row["health_commitments_due"], row["health_commitments_kept"]
    if not due:
        return str(_("No commitment fell due in the last year."))
    text = _("%(kept)s of %(due)s commitments due in the last year kept on time.") % {
        "kept": kept,
        "due": due,
    }
    late = row["health_commitments_late_open"]
    if late:
        text += " " + ngettext(
            "%(count)s is still open past its due date.",
            "%(count)s are still open past their due dates.",
            late,
        ) % {"count": late}
    return text


def _review_why(row: dict[str, Any]) -> str:
    standing = row["health_standing"]
    if standing is None:
        return str(_("No submitted review yet."))
    score, previous = row["health_review_score"], row["health_previous_score"]
    text = _("Standing %(standing)s, score %(score)s.") % {
        "standing": Standing(standing).label,
        "score": score,
    }
    if previous is not None and score is not None:
        delta = Decimal(score) - Decimal(previous)
        if delta > 0:
            text += " " + _("Up %(delta)s on the review before.") % {"delta": delta}
        elif delta < 0:
            text += " " + _("Down %(delta)s on the review before.") % {"delta": -delta}
        else:
            text += " " + str(_("Level with the review before."))
    return text


def _escalations_why(row: dict[str, Any]) -> str:
    count = row["health_open_escalations"]
    if not count:
        return str(_("No open escalation."))
    return ngettext(
        "%(count)s escalation not yet resolved.", "%(count)s escalations not yet resolved.", count
    ) % {"count": count}


def _contract_why(row: dict[str, Any], today: date) -> str:
    if not row["health_contract_covered"]:
        return str(_("No active contract covers today."))
    ends = row["health_contract_ends"]
    if ends is None:
        return str(_("Covered by an open-ended active contract."))
    return _("Covered by an active contract until %(date)s (%(days)s days).") % {
        "date": ends.isoformat(),
        "days": (ends - today).days,
    }


def supplier_health(*, user: AnyUser, supplier: Supplier) -> Health:
    """One supplier's health, in one query."""
    annotated = with_health(Supplier.objects.filter(pk=supplier.pk), user=user).get()
    return health_of(annotated)
