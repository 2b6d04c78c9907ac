"""Delivery through Redis and real worker processes killed with SIGKILL in the middle of
sending: every notification is still emailed exactly once.

Each email takes a couple of seconds here (RecordingEmailBackend's delay), so that the kill
lands while sends are in flight; the record file counts every send, including those whose
transaction the kill rolled back.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from notifications.models import Delivery, Notification
from notifications.services import REQUEUE_AFTER
from notifications.testing import WorkerProcess, wait_until
from tests.factories import UserFactory
from tests.integration.conftest import (
    SWEEP,
    Broker,
    assert_each_sent_once,
    make_due_notifications,
    read_sends,
)

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def _unsent(ids: list[int]) -> set[int]:
    return set(
        Notification.objects.filter(pk__in=ids, sent_at__isnull=True).values_list("pk", flat=True)
    )


def _as_if_requeue_time_passed(ids: list[int]) -> None:
    """Moves the queued time of unsent rows back past REQUEUE_AFTER, as if that long had
    passed: the sweep then queues them again, as it would a few minutes later for real."""
    Notification.objects.filter(pk__in=ids, sent_at__isnull=True).update(
        queued_at=timezone.now() - REQUEUE_AFTER - timedelta(seconds=1)
    )


def test_a_worker_killed_mid_send_loses_and_doubles_nothing_once_restarted_and_swept(
    start_worker: Callable[..., WorkerProcess], broker: Broker, record_file: Path
) -> None:
    ids = make_due_notifications(UserFactory(), 6, prefix="Killed worker")
    first = start_worker(delay=2)
    broker.send(SWEEP)
    wait_until(
        lambda: len(read_sends(record_file).started) == 2,
        timeout=30,
        message="both pool processes sending",
    )

    first.kill()  # the main process and both pool processes, mid-send

    in_flight = read_sends(record_file).unfinished
    assert in_flight, "the kill should have landed while an email was being sent"
    assert not Delivery.objects.filter(subject__in=[subject for _, subject in in_flight]).exists()
    second = start_worker()
    # The messages still queued are delivered at once; those the dead worker held are not
    # handed back (it acknowledges late, but never got to say it had died)...
    wait_until(
        lambda: len(_unsent(ids)) == len(in_flight),
        timeout=30,
        message="the queued rest delivered",
        details=second.log,
    )
    stuck = _unsent(ids)
    assert {(email, subject) for email, subject in in_flight} == set(
        Notification.objects.filter(pk__in=stuck).values_list("recipient__email", "title")
    )
    # ...until the sweep queues them again, REQUEUE_AFTER later.
    _as_if_requeue_time_passed(ids)
    broker.send(SWEEP)
    wait_until(lambda: not _unsent(ids), timeout=30, message="all delivered", details=second.log)

    assert_each_sent_once(ids, record_file)
    record = read_sends(record_file)
    assert all(record.started[key] == 2 for key in in_flight)  # the killed try, and the one
    assert Notification.objects.filter(pk__in=stuck, attempts=2).count() == len(stuck)


def test_a_pool_process_killed_mid_send_hands_its_email_back_and_it_goes_out_once(
    start_worker: Callable[..., WorkerProcess], broker: Broker, record_file: Path
) -> None:
    ids = make_due_notifications(UserFactory(), 3, prefix="Killed pool process")
    worker = start_worker(delay=1.5)
    broker.send(SWEEP)
    wait_until(lambda: read_sends(record_file).started, timeout=30, message="a send started")
    first_send = next(iter(read_sends(record_file).pids.values()))[0]

    # SIGKILL to the pool process that is sending (a child of our worker), as the kernel's
    # out-of-memory killer would: the worker rejects the message back onto the queue
    # (task_reject_on_worker_lost) and another pool process sends it; no sweep needed.
    os.kill(first_send, signal.SIGKILL)
    wait_until(lambda: not _unsent(ids), timeout=40, message="all delivered", details=worker.log)

    assert_each_sent_once(ids, record_file)
    record = read_sends(record_file)
    assert sorted(record.started.values()) == [1, 1, 2]
    assert "WorkerLostError" in worker.log()
    assert worker.alive()
