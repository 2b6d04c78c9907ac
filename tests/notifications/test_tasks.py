"""The delivery and sweep tasks (run eagerly here; tests/integration runs them in a worker),
and the beat schedule that drives the engine."""

from __future__ import annotations

import functools
import smtplib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any
from unittest import mock

import pytest
import time_machine
from celery.schedules import crontab, maybe_schedule
from django.core import mail
from django.utils import timezone

from accounts.models import User
from notifications import tasks
from notifications.choices import NotificationKind
from notifications.models import Notification
from notifications.services import (
    MAX_ATTEMPTS,
    REQUEUE_AFTER,
    TransientDeliveryError,
    notification_create,
    notifications_to_queue,
)
from notifications.tasks import notification_deliver_task, notification_sweep_task
from srm.celery import app
from tests.factories import SupplierFactory, UserFactory

pytestmark = pytest.mark.django_db
NOON = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
SEND = "django.core.mail.backends.locmem.EmailBackend.send_messages"


@pytest.fixture(autouse=True)
def _email_recorded(settings: Any) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []


@pytest.fixture
def eager_retries() -> Iterator[None]:
    """Eager tasks that propagate errors raise Retry instead of retrying; without
    propagation apply() runs the retries in place (their countdowns skipped)."""
    previous = app.conf.task_eager_propagates
    app.conf.task_eager_propagates = False
    yield
    app.conf.task_eager_propagates = previous


@pytest.fixture
def clock() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(NOON, tick=False) as traveller:
        yield traveller


def _due(recipient: User, *, occasion: str = "due", **fields: Any) -> Notification:
    notification = notification_create(
        recipient=recipient,
        kind=NotificationKind.COMMITMENT_DUE,
        subject=SupplierFactory(),
        occasion=occasion,
        title="Send the forecast",
        **fields,
    )
    assert notification is not None
    return notification


def test_delivery_retries_transient_failures_with_backoff() -> None:
    assert TransientDeliveryError in notification_deliver_task.autoretry_for
    assert notification_deliver_task.retry_backoff
    assert notification_deliver_task.retry_jitter
    # The task must not give up before the service does: the service marks the row failed.
    assert notification_deliver_task.max_retries >= MAX_ATTEMPTS - 1


@pytest.mark.usefixtures("eager_retries")
def test_delivery_that_keeps_failing_ends_failed_after_the_retries() -> None:
    notification = _due(UserFactory(username="alice"))

    with mock.patch(SEND, side_effect=smtplib.SMTPServerDisconnected("gone")) as send:
        outcome = notification_deliver_task.delay(notification.pk).get()

    assert outcome == "failed"
    assert send.call_count == MAX_ATTEMPTS
    notification.refresh_from_db()
    assert notification.attempts == MAX_ATTEMPTS
    assert notification.failed_at is not None
    assert notification.last_error == "SMTPServerDisconnected: gone"


@pytest.mark.usefixtures("eager_retries")
def test_delivery_that_fails_once_is_sent_on_the_retry() -> None:
    notification = _due(UserFactory(username="alice"))
    real_send = mail.get_connection().__class__.send_messages
    calls = iter([smtplib.SMTPServerDisconnected("blip")])

    def flaky(self: Any, messages: Any) -> int:
        for error in calls:
            raise error
        return real_send(self, messages)

    with mock.patch(SEND, flaky):
        outcome = notification_deliver_task.delay(notification.pk).get()

    assert outcome == "sent"
    assert len(mail.outbox) == 1
    notification.refresh_from_db()
    assert (notification.attempts, notification.last_error) == (2, "")


def test_the_sweep_delivers_every_due_notification_once(clock: time_machine.Traveller) -> None:
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")
    _due(alice), _due(bob)
    _due(alice, occasion="later", scheduled_for=timezone.now() + timedelta(hours=1))

    assert notification_sweep_task.delay().get() == 2
    assert notification_sweep_task.delay().get() == 0
    clock.shift(REQUEUE_AFTER + timedelta(hours=1))
    assert notification_sweep_task.delay().get() == 1  # the later one, now due

    assert sorted(message.to[0] for message in mail.outbox) == [
        "alice@example.com",
        "alice@example.com",
        "bob@example.com",
    ]


def test_the_sweep_requeues_a_notification_whose_message_was_lost(
    clock: time_machine.Traveller,
) -> None:
    notification = _due(UserFactory(username="alice"))

    with mock.patch.object(notification_deliver_task, "delay"):  # the broker drops it
        assert notification_sweep_task.delay().get() == 1
    assert notification_sweep_task.delay().get() == 0  # queued recently: not yet
    clock.shift(REQUEUE_AFTER + timedelta(seconds=1))
    assert notification_sweep_task.delay().get() == 1

    assert len(mail.outbox) == 1
    notification.refresh_from_db()
    assert notification.sent_at is not None


def test_the_sweep_works_through_several_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    alice = UserFactory(username="alice")
    for n in range(5):
        _due(alice, occasion=f"due-{n}")
    monkeypatch.setattr(
        tasks, "notifications_to_queue", functools.partial(notifications_to_queue, limit=2)
    )

    assert notification_sweep_task.delay().get() == 5

    assert len(mail.outbox) == 5
    assert not Notification.objects.filter(sent_at__isnull=True).exists()


def _longest_gap(entry: str) -> timedelta:
    """The longest wait between two runs of a beat entry whose schedule repeats daily."""
    schedule = maybe_schedule(app.conf.beat_schedule[entry]["schedule"])
    if not isinstance(schedule, crontab):
        return schedule.run_every
    assert len(schedule.day_of_week) == 7 and len(schedule.day_of_month) == 31
    runs = sorted(60 * hour + minute for hour in schedule.hour for minute in schedule.minute)
    gaps = [later - earlier for earlier, later in pairwise([*runs, runs[0] + 24 * 60])]
    return timedelta(minutes=max(gaps))


def test_the_sweep_runs_more_often_than_a_lost_message_is_requeued() -> None:
    # Otherwise a notification whose message was lost waits for the sweep, not REQUEUE_AFTER.
    assert timedelta(0) < _longest_gap("notification-sweep") < REQUEUE_AFTER


def test_the_climb_runs_more_often_than_the_shortest_acknowledge_window(settings: Any) -> None:
    shortest = timedelta(hours=min(settings.ESCALATION_ACKNOWLEDGE_HOURS.values()))

    assert timedelta(0) < _longest_gap("escalation-climb") <= shortest / 4


def test_the_commitment_scan_runs_several_times_a_day() -> None:
    assert timedelta(0) < _longest_gap("commitment-reminders") <= timedelta(hours=1)
