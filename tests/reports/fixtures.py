"""A hand-computed supplier for health and dashboard tests, and small builders."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from accounts.models import User
from contracts.models import Contract
from escalations.choices import EscalationReason, EscalationStatus, Severity
from escalations.models import Escalation
from escalations.services import escalation_raise
from meetings.models import Commitment, EngagementPolicy
from reviews.models import Review, ScorecardTemplate
from suppliers.models import Supplier
from tests.factories import (
    CommitmentFactory,
    ContactFactory,
    MeetingFactory,
    OwnershipFactory,
    SupplierFactory,
)

_numbers = iter(range(1, 1_000_000))


def days_ago(days: int) -> Any:
    return timezone.now() - timedelta(days=days)


def review(
    supplier: Supplier, period_end: date, score: str, standing: str, **fields: Any
) -> Review:
    # Any template: the migration's default may have been flushed by a transactional test.
    template = ScorecardTemplate.objects.first() or ScorecardTemplate.objects.create(name="Test")
    values: dict[str, Any] = {
        "supplier": supplier,
        "template": template,
        "period_start": period_end - timedelta(days=89),
        "period_end": period_end,
        "due_date": period_end + timedelta(days=30),
        "status": "submitted",
        "overall_score": Decimal(score),
        "standing": standing,
        "submitted_at": timezone.now(),
        **fields,
    }
    return Review.objects.create(**values)


def contract(supplier: Supplier, owner: User, **fields: Any) -> Contract:
    today = timezone.localdate()
    values: dict[str, Any] = {
        "number": f"C-T-{next(_numbers)}",
        "title": "Frame agreement",
        "supplier": supplier,
        "owner": owner,
        "status": "active",
        "value": Decimal("1000.00"),
        "currency": "EUR",
        "start_date": today - timedelta(days=200),
        "end_date": today + timedelta(days=100),
        "notice_period_days": 30,
        **fields,
    }
    return Contract.objects.create(**values)


def escalation(
    supplier: Supplier, status: str = EscalationStatus.OPEN, **fields: Any
) -> Escalation:
    subject = ContactFactory(supplier=supplier)  # a contact: it weighs on no part of health
    raised = escalation_raise(
        supplier=supplier,
        subject=subject,
        reason=fields.pop("reason", EscalationReason.OVERDUE_COMMITMENT),
        severity=fields.pop("severity", Severity.MEDIUM),
        summary="Something is late",
    )
    now = timezone.now()
    changes: dict[str, Any] = {"status": status, **fields}
    if status != EscalationStatus.OPEN:
        changes["acknowledged_at"] = now
    if status == EscalationStatus.RESOLVED:
        changes["resolved_at"] = now
    Escalation.objects.filter(pk=raised.pk).update(**changes)
    raised.refresh_from_db()
    return raised


def close_commitment(commitment: Commitment, *, on: date) -> None:
    moment = timezone.make_aware(timezone.datetime.combine(on, timezone.datetime.min.time()))
    Commitment.objects.filter(pk=commitment.pk).update(
        status="done", completed_at=moment + timedelta(hours=12)
    )


def hand_computed_supplier(owner: User) -> Supplier:
    """A strategic supplier whose health is 64 ("fair"), part by part:

    - meetings 10/20: met 30 days ago by video (policy 90), never in person (policy 180);
    - commitments 10/20: of 4 due in the last year, 2 done on time, 1 done late, 1 still open
      (a cancelled one and one due next week do not count);
    - review 14/20: latest "average" 62.00, down 18.00 on the one before (80.00, excellent);
    - escalations 10/20: one open and one acknowledged (a resolved one does not count);
    - contract 20/20: an active contract covers today, ending in 100 days.
    """
    today = timezone.localdate()
    EngagementPolicy.objects.update_or_create(
        segment="strategic",
        defaults={"max_days_between_meetings": 90, "max_days_between_in_person": 180},
    )
    supplier: Supplier = SupplierFactory(name="Mekong Textiles", segment="strategic")
    OwnershipFactory(supplier=supplier, user=owner)
    MeetingFactory(supplier=supplier, kind="video_call", starts_at=days_ago(30))
    MeetingFactory(supplier=supplier, kind="in_person", starts_at=days_ago(400))

    on_time = CommitmentFactory.create_batch(2, supplier=supplier, due_date=today - timedelta(10))
    for commitment in on_time:
        close_commitment(commitment, on=today - timedelta(days=12))
    late = CommitmentFactory(supplier=supplier, due_date=today - timedelta(days=20))
    close_commitment(late, on=today - timedelta(days=15))
    CommitmentFactory(supplier=supplier, due_date=today - timedelta(days=5))  # open, overdue
    cancelled = CommitmentFactory(supplier=supplier, due_date=today - timedelta(days=5))
    Commitment.objects.filter(pk=cancelled.pk).update(status="cancelled", cancelled_at=days_ago(1))
    CommitmentFactory(supplier=supplier, due_date=today + timedelta(days=7))
    CommitmentFactory(supplier=supplier, due_date=today - timedelta(days=400))  # too old

    review(supplier, today - timedelta(days=200), "80.00", "excellent")
    review(supplier, today - timedelta(days=100), "62.00", "average")
    contract(supplier, owner)
    escalation(supplier)
    escalation(supplier, status=EscalationStatus.ACKNOWLEDGED)
    escalation(supplier, status=EscalationStatus.RESOLVED)
    return supplier
