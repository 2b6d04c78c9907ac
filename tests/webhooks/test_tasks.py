"""The Celery side: beat sends the scan every 5 seconds and the purge hourly; the tasks run the
delivery loop and the purge (eagerly here, as without Redis)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from srm.celery import app
from webhooks.events import emit_test
from webhooks.models import Delivery, Endpoint
from webhooks.tasks import webhook_purge_task, webhook_scan_task
from webhooks.testing import Receiver

pytestmark = pytest.mark.django_db


def test_beat_sends_the_scan_every_five_seconds_and_the_purge_hourly() -> None:
    schedule = app.conf.beat_schedule
    assert schedule["webhook-scan"]["task"] == webhook_scan_task.name
    assert schedule["webhook-scan"]["schedule"] == 5.0
    assert schedule["webhook-purge"]["task"] == webhook_purge_task.name


def test_the_scan_task_delivers_what_is_due(endpoint: Endpoint, receiver: Receiver) -> None:
    emit_test(endpoint)
    emit_test(endpoint)
    assert webhook_scan_task.delay().get() == 2
    assert len(receiver.snapshot()) == 2
    assert webhook_scan_task.delay().get() == 0


def test_the_purge_task_forgets_old_deliveries(endpoint: Endpoint) -> None:
    old = emit_test(endpoint)
    Delivery.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=8))
    assert webhook_purge_task.delay().get() == 1
    assert not Delivery.objects.exists()
