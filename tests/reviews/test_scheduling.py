"""The cadence scan with a frozen clock: each supplier's next review created once, however often
the scan runs; reminders 14 and 3 days ahead; overdue reminded, then escalated."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import time_machine

from escalations.choices import EscalationReason
from escalations.models import Escalation
from notifications.choices import NotificationKind
from notifications.models import Notification
from reviews.models import Review, ReviewPolicy, SupplierSurvey
from reviews.scheduling import (
    last_ended_period,
    period_containing,
    review_cadence_scan,
    review_reminder_scan,
    review_schedule_scan,
)
from reviews.services import review_submit
from srm.celery import app
from tests.factories import SupplierFactory
from tests.reviews.conftest import ACTIVE_SINCE, Setup, score_all

pytestmark = pytest.mark.django_db
APRIL_2 = datetime(2026, 4, 2, 6, 0, tzinfo=UTC)


def test_periods_are_calendar_aligned() -> None:
    assert period_containing(date(2026, 5, 17), 3) == (date(2026, 4, 1), date(2026, 6, 30))
    assert period_containing(date(2026, 12, 31), 6) == (date(2026, 7, 1), date(2026, 12, 31))
    assert period_containing(date(2026, 2, 1), 12) == (date(2026, 1, 1), date(2026, 12, 31))
    assert last_ended_period(date(2026, 1, 5), 3) == (date(2025, 10, 1), date(2025, 12, 31))
    assert last_ended_period(date(2026, 7, 1), 6) == (date(2026, 1, 1), date(2026, 6, 30))


def test_default_cadence_per_segment() -> None:
    cadence = dict(ReviewPolicy.objects.values_list("segment", "cadence"))
    assert cadence == {"strategic": 3, "leverage": 6, "bottleneck": 6, "routine": 12}


@time_machine.travel(APRIL_2, tick=False)
def test_the_next_quarterly_review_appears_for_the_owner_once(setup: Setup) -> None:
    assert review_schedule_scan() == 1
    assert review_schedule_scan() == 0  # a second run, or a second beat, changes nothing
    review = Review.objects.get(supplier=setup.supplier)
    assert (review.period_start, review.period_end) == (date(2026, 1, 1), date(2026, 3, 31))
    assert review.due_date == date(2026, 4, 30)
    assert review.owner == setup.owner
    assert set(review.raters.values_list("user__username", flat=True)) == {"alice", "bob"}
    assert Notification.objects.filter(kind=NotificationKind.REVIEW_ASSIGNED).count() == 2
    assert SupplierSurvey.objects.filter(review=review).count() == 1


@time_machine.travel(APRIL_2, tick=False)
def test_only_active_suppliers_with_a_policy_due_this_period_are_scheduled(setup: Setup) -> None:
    with time_machine.travel(ACTIVE_SINCE, tick=False):
        SupplierFactory(segment="strategic", status="prospect")
        SupplierFactory(segment="leverage", status="active")  # half-yearly: H2 2025 ended
        SupplierFactory(segment="routine", status="active")
    ReviewPolicy.objects.filter(segment="routine").update(is_active=False)
    review_schedule_scan()
    periods = {
        (r.supplier.segment, r.period_start, r.period_end)
        for r in Review.objects.select_related("supplier")
    }
    assert periods == {
        ("strategic", date(2026, 1, 1), date(2026, 3, 31)),
        ("leverage", date(2025, 7, 1), date(2025, 12, 31)),
    }


def test_reminders_at_14_and_3_days_then_overdue_then_escalation(setup: Setup) -> None:
    with time_machine.travel(APRIL_2, tick=False):
        review_schedule_scan()
    review = Review.objects.get()
    due = Notification.objects.filter(kind=NotificationKind.REVIEW_DUE, recipient=setup.owner)

    with time_machine.travel(datetime(2026, 4, 15, 6, tzinfo=UTC), tick=False):  # 15 days left
        review_reminder_scan()
    assert due.count() == 0
    with time_machine.travel(datetime(2026, 4, 16, 6, tzinfo=UTC), tick=False):  # 14 days left
        review_reminder_scan()
        review_reminder_scan()
    assert due.count() == 1
    assert (
        Notification.objects.filter(
            kind=NotificationKind.REVIEW_DUE, recipient=setup.backup
        ).count()
        == 1
    )
    with time_machine.travel(datetime(2026, 4, 27, 6, tzinfo=UTC), tick=False):  # 3 days left
        review_reminder_scan()
    assert due.count() == 2
    with time_machine.travel(datetime(2026, 5, 1, 6, tzinfo=UTC), tick=False):  # 1 day late
        review_reminder_scan()
    overdue = Notification.objects.filter(
        kind=NotificationKind.REVIEW_OVERDUE, recipient=setup.owner
    )
    assert overdue.count() == 1
    assert not Escalation.objects.exists()
    with time_machine.travel(datetime(2026, 5, 7, 6, tzinfo=UTC), tick=False):  # 7 days late
        review_reminder_scan()
        review_reminder_scan()
    escalation = Escalation.objects.get()
    assert (
        escalation.reason == EscalationReason.OVERDUE_REVIEW and escalation.object_id == review.pk
    )
    assert overdue.count() == 1

    with time_machine.travel(datetime(2026, 5, 8, 6, tzinfo=UTC), tick=False):
        score_all(review, setup.owner, 4)
        review_submit(review=review, by=setup.owner)
    escalation.refresh_from_db()
    assert escalation.status == "resolved"


def test_a_rater_who_scored_is_not_reminded(setup: Setup) -> None:
    with time_machine.travel(APRIL_2, tick=False):
        review_schedule_scan()
    review = Review.objects.get()
    score_all(review, setup.backup, 3)
    with time_machine.travel(datetime(2026, 4, 27, 6, tzinfo=UTC), tick=False):
        review_reminder_scan()
    assert not Notification.objects.filter(
        kind=NotificationKind.REVIEW_DUE, recipient=setup.backup
    ).exists()
    assert Notification.objects.filter(
        kind=NotificationKind.REVIEW_DUE, recipient=setup.owner
    ).exists()


@time_machine.travel(APRIL_2, tick=False)
def test_the_task_runs_the_scan(setup: Setup) -> None:
    from reviews.tasks import review_cadence_scan_task

    assert review_cadence_scan_task.delay().get() == 1
    assert review_cadence_scan() == 0


def test_the_beat_entry_names_the_registered_task() -> None:
    entry = app.conf.beat_schedule["review-cadence"]
    assert entry["task"] in app.tasks


def test_every_review_email_renders_and_is_sent(setup: Setup) -> None:
    from django.core import mail

    from notifications.services import notification_deliver

    with time_machine.travel(APRIL_2, tick=False):
        review_schedule_scan()
    review = Review.objects.get()
    with time_machine.travel(datetime(2026, 4, 16, 6, tzinfo=UTC), tick=False):
        review_reminder_scan()  # due in 14 days
    with time_machine.travel(datetime(2026, 5, 8, 6, tzinfo=UTC), tick=False):
        review_reminder_scan()  # overdue, and escalated
        score_all(review, setup.owner, 1)
        review_submit(review=review, by=setup.owner)  # very poor: a corrective action plan
        for notification in Notification.objects.all():
            notification_deliver(notification_id=notification.pk)
    kinds = set(Notification.objects.filter(sent_at__isnull=False).values_list("kind", flat=True))
    assert {
        NotificationKind.REVIEW_ASSIGNED,
        NotificationKind.REVIEW_DUE,
        NotificationKind.REVIEW_OVERDUE,
        NotificationKind.CORRECTIVE_ACTION,
        NotificationKind.SUPPLIER_SURVEY,
        NotificationKind.ESCALATION,
    } <= kinds
    subjects = [message.subject for message in mail.outbox]
    assert any("Overdue since" in subject for subject in subjects)
    assert any("Corrective action plan opened" in subject for subject in subjects)
