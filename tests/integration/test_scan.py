"""The commitment scan through Redis and a real worker process: run twice at once, and again,
it writes each reminder once, and each reminder's email goes out once."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from escalations.models import Escalation, EscalationStep
from meetings.models import Commitment
from meetings.reminders import commitment_reminder_scan
from notifications.models import Notification
from notifications.testing import WorkerProcess, wait_until
from tests.factories import (
    CommitmentFactory,
    ContactFactory,
    OwnershipFactory,
    SupplierFactory,
    UserFactory,
)
from tests.integration.conftest import SCAN, SWEEP, Broker, assert_each_sent_once

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def _runs_succeeded(worker: WorkerProcess, task: str) -> int:
    return sum(
        1 for line in worker.log().splitlines() if f"Task {task}[" in line and " succeeded " in line
    )


def test_the_scan_run_twice_at_once_and_again_writes_and_sends_each_reminder_once(
    start_worker: Callable[..., WorkerProcess], broker: Broker, record_file: Path
) -> None:
    today = timezone.localdate()
    owner, key_account_owner = UserFactory(username="owner"), UserFactory(username="kam")
    supplier = SupplierFactory()
    OwnershipFactory(supplier=supplier, user=key_account_owner, role="owner")
    due_today = CommitmentFactory(supplier=supplier, owner_user=owner, due_date=today)
    long_overdue = CommitmentFactory(
        supplier=supplier, owner_user=owner, due_date=today - timedelta(days=10)
    )
    theirs = CommitmentFactory(
        supplier=supplier,
        side="theirs",
        owner_user=None,
        owner_contact=ContactFactory(supplier=supplier),
        created_by=owner,
        due_date=today,
    )
    worker = start_worker()

    broker.send(SCAN)  # two at once: the worker runs them in its two pool processes
    broker.send(SCAN)
    wait_until(lambda: _runs_succeeded(worker, SCAN) == 2, timeout=60, message="scans")
    written = set(Notification.objects.values_list("dedupe_key", flat=True))
    broker.send(SCAN)  # and once more, after
    wait_until(lambda: _runs_succeeded(worker, SCAN) == 3, timeout=60, message="third scan")
    commitment_reminder_scan()  # and once in this process, as a second beat's worker would

    assert set(Notification.objects.values_list("dedupe_key", flat=True)) == written
    per_subject = Counter(
        Notification.objects.values_list("recipient__username", "kind", "content_type", "object_id")
    )
    assert max(per_subject.values()) == 1, per_subject  # never two of a kind about one thing
    commitment_type = ContentType.objects.get_for_model(Commitment)

    def kinds(commitment: Commitment) -> set[tuple[str, str]]:
        return set(
            Notification.objects.filter(
                content_type=commitment_type, object_id=commitment.pk
            ).values_list("recipient__username", "kind")
        )

    assert kinds(due_today) == {("owner", "commitment_due")}
    assert kinds(theirs) == {("kam", "commitment_chase")}
    assert ("owner", "commitment_overdue") in kinds(long_overdue)
    escalation = Escalation.objects.get()
    assert escalation.object_id == long_overdue.pk
    assert EscalationStep.objects.filter(kind="raised").count() == 1
    assert list(
        Notification.objects.filter(kind="escalation").values_list("recipient__username", flat=True)
    ) == ["kam"]
    assert "ERROR" not in worker.log(), worker.log()

    broker.send(SWEEP)
    ids = list(Notification.objects.values_list("pk", flat=True))
    wait_until(
        lambda: not Notification.objects.filter(sent_at__isnull=True).exists(),
        timeout=60,
        message="every reminder emailed",
        details=lambda: worker.log() + repr(list(Notification.objects.values())),
    )
    assert_each_sent_once(ids, record_file)
