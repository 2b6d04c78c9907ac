"""The deadline scan as a task, and the emails of every RFP notification as they leave."""

from __future__ import annotations

import pytest
import time_machine
from django.core import mail

from notifications.models import Notification
from notifications.services import notification_deliver
from rfps.choices import RfpStatus
from rfps.services.responses import clarification_answer, clarification_ask
from rfps.services.rfp import rfp_cancel
from rfps.tasks import rfp_deadline_scan_task
from srm.celery import app
from tests.rfps.conftest import Event, past_deadline

pytestmark = pytest.mark.django_db


def test_beat_runs_the_scan_task() -> None:
    entry = app.conf.beat_schedule["rfp-deadline-scan"]
    assert entry["task"] == rfp_deadline_scan_task.name


def test_scan_task_closes_due_rfps_once(event: Event, clock: time_machine.Traveller) -> None:
    past_deadline(clock)
    assert rfp_deadline_scan_task.delay().get()["closed"] == 1
    assert rfp_deadline_scan_task.delay().get()["closed"] == 0
    event.rfp.refresh_from_db()
    assert event.rfp.status == RfpStatus.CLOSED


def test_every_rfp_email_renders_with_its_link(event: Event, clock: time_machine.Traveller) -> None:
    clarification = clarification_ask(invitation=event.invitation(0), question="Colour?")
    clarification_answer(clarification=clarification, by=event.owner, answer="Black.")
    rfp_cancel(rfp=event.rfp, by=event.owner, reason="Postponed")
    kinds = set()
    for notification in Notification.objects.order_by("id"):
        assert notification_deliver(notification_id=notification.pk) == "sent"
        kinds.add(notification.kind)
    assert kinds == {"rfp_invitation", "rfp_question", "rfp_answer", "rfp_outcome"}
    external = [m for m in mail.outbox if "supplier.example.com" in m.to[0]]
    assert external and all("/rfps/respond/" in m.body for m in external)
    # A contact has no account: no word about a notifications page.
    assert all("notifications page" not in m.body for m in external)
    assert all("\n" not in m.subject for m in mail.outbox)
