"""Webhooks end to end: a real HTTP server on loopback (webhooks.testing.Receiver, in a
thread) receives what the real delivery loop sends, and verifies it with the standardwebhooks
package, as an ERP's receiver would.

- An RFP is awarded and a verified ``rfp.awarded`` arrives (the loop runs in this process: the
  RFP's deadline has to pass, so the clock is moved, and a worker process would not share it).
- A receiver that answers 500 is retried by a worker process (``manage.py deliver_webhooks``)
  until the deliveries fail for good; the endpoint is then disabled and its owner notified.
- Two worker processes drain the same outbox at once and never send a message twice.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from standardwebhooks.webhooks import Webhook

from accounts.models import User
from accounts.roles import Role
from notifications.choices import NotificationKind
from notifications.models import Notification
from notifications.testing import database_url
from rfps.services.award import rfp_award
from rfps.services.rfp import rfp_deadline_scan
from tests.rfps.conftest import START, build_rfp, past_deadline
from tests.rfps.conftest import Event as RfpSetup
from webhooks.choices import DeliveryStatus
from webhooks.delivery import deliver_due
from webhooks.events import emit_test
from webhooks.models import Delivery, DeliveryAttempt, Endpoint
from webhooks.services import EndpointInput, endpoint_create
from webhooks.testing import Receiver

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _loopback(settings: Any, tmp_path: Any) -> None:
    settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = True
    settings.WEBHOOKS_ALLOW_HTTP = True
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as running:
        yield running


def workers(count: int, **extra: str) -> list[subprocess.Popen[str]]:
    """``manage.py deliver_webhooks --until-idle`` processes on the test database."""
    environment = {
        **os.environ,
        "DATABASE_URL": database_url(connection),
        "WEBHOOKS_ALLOW_PRIVATE_ADDRESSES": "true",
        "WEBHOOKS_ALLOW_HTTP": "true",
        "PYTHONUNBUFFERED": "1",
        **extra,
    }
    environment.pop("REDIS_URL", None)
    return [
        subprocess.Popen(
            [
                sys.executable,
                "manage.py",
                "deliver_webhooks",
                "--until-idle",
                "--idle-seconds",
                "1",
            ],
            env=environment,
            cwd=settings.BASE_DIR,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        for _n in range(count)
    ]


def finish(processes: list[subprocess.Popen[str]], timeout: float = 120) -> list[int]:
    """Waits for each worker; returns how many attempts each made."""
    made = []
    try:
        for process in processes:
            out, err = process.communicate(timeout=timeout)
            assert process.returncode == 0, err[-2000:]
            made.append(int(out.strip().split()[0]))
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
    return made


def test_an_awarded_rfp_reaches_the_receiver_signed(
    make_user: Callable[..., User], receiver: Receiver
) -> None:
    owner = make_user(Role.PROCUREMENT_MANAGER, username="procurement")
    panel = [make_user(Role.ACCOUNT_MANAGER, username=name) for name in ("pia", "pete")]
    endpoint = endpoint_create(
        by=owner, data=EndpointInput(url=receiver.url, event_types=["rfp.awarded"])
    )
    with time_machine.travel(START, tick=True) as clock:
        from rfps.services.rfp import rfp_publish

        rfp = build_rfp(owner, panel, suppliers=2)
        rfp_publish(rfp=rfp, by=owner)
        setup = RfpSetup(rfp, owner, panel, list(rfp.invitations.order_by("supplier__name")))
        setup.respond(0, ["50", "200"])
        setup.respond(1, ["40", "200"])
        past_deadline(clock)
        rfp_deadline_scan()
        winner = setup.invitation(1)
        award = rfp_award(rfp=rfp, by=owner, invitation=winner, rationale="Best value")
        assert receiver.snapshot() == []  # the award's request sent nothing
        deliver_due()
        (received,) = receiver.snapshot()
        payload = Webhook(endpoint.secret).verify(received.body, received.headers)
    assert payload["type"] == "rfp.awarded"
    data = payload["data"]
    assert (data["id"], data["reference"], data["status"]) == (rfp.pk, rfp.reference, "awarded")
    assert data["supplier_id"] == winner.supplier_id
    assert data["contract_id"] == award.contract_id
    assert Delivery.objects.get().status == DeliveryStatus.SUCCEEDED


def test_a_failing_receiver_is_retried_then_disabled_and_its_owner_told(
    make_user: Callable[..., User],
) -> None:
    owner = make_user(Role.ADMINISTRATOR, username="admin")
    with Receiver(status=500) as failing:
        endpoint = endpoint_create(by=owner, data=EndpointInput(url=failing.url))
        first, second = emit_test(endpoint), emit_test(endpoint)
        made = finish(
            workers(
                1,
                WEBHOOKS_RETRY_BASE_SECONDS="0",
                WEBHOOKS_MAX_ATTEMPTS="3",
                WEBHOOKS_DISABLE_AFTER="2",
            )
        )
        received = failing.snapshot()
    assert made == [6]
    assert len(received) == 6  # each delivery tried 3 times
    for message in received:  # every retry is signed and verifies
        Webhook(endpoint.secret).verify(message.body, message.headers)
    assert {m.message_id for m in received} == {
        f"msg_{first.event_id}",
        f"msg_{second.event_id}",
    }
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.FAILED}
    assert DeliveryAttempt.objects.filter(response_status=500).count() == 6
    endpoint.refresh_from_db()
    assert not endpoint.is_active
    (notification,) = Notification.objects.filter(kind=NotificationKind.WEBHOOK_DISABLED)
    assert notification.recipient == owner
    assert notification.email_wanted == bool(owner.email)


def test_two_workers_never_deliver_a_message_twice(
    make_user: Callable[..., User], receiver: Receiver
) -> None:
    owner = make_user(Role.PROCUREMENT_MANAGER, username="procurement")
    endpoint = endpoint_create(by=owner, data=EndpointInput(url=receiver.url))
    other = Endpoint.objects.get(
        pk=endpoint_create(by=owner, data=EndpointInput(url=receiver.url)).pk
    )
    count = 300
    for n in range(count):
        emit_test(endpoint if n % 2 else other)
    made = finish(workers(2, WEBHOOKS_RETRY_BASE_SECONDS="0"))
    received = receiver.snapshot()
    assert sum(made) == count  # each delivery attempted once, by one of the two
    assert len(received) == count
    assert receiver.duplicates() == 0
    assert Delivery.objects.filter(status=DeliveryStatus.SUCCEEDED).count() == count
    assert DeliveryAttempt.objects.count() == count


def test_bench_webhooks_delivers_every_event_once_and_cleans_up() -> None:
    """``bench_webhooks`` on a few events in the test database: its worker processes drain
    them, it prints its table, and leaves no endpoint or event behind."""
    from io import StringIO

    from django.core.management import call_command

    from webhooks.models import Event

    out = StringIO()
    call_command("bench_webhooks", "--count", "60", "--in-place", stdout=out)
    text = out.getvalue()
    assert "| deliveries succeeded " in text
    assert "Duplicates 0, losses 0" in text
    assert not Endpoint.objects.exists()
    assert not Event.objects.exists()


SCAN_TASK = "webhooks.tasks.webhook_scan_task"


@pytest.mark.redis
def test_scan_tasks_on_two_celery_workers_at_once_send_each_message_once(
    make_user: Callable[..., User],
    receiver: Receiver,
    redis_server: Any,
    live_database: str,
    tmp_path: Any,
) -> None:
    """What beat does every 5 s, many times at once: webhook_scan_task through Redis on two
    real Celery workers (two pool processes each). SKIP LOCKED and the lease share the work."""
    from notifications.testing import WorkerProcess, wait_until, worker_environment
    from tests.integration.conftest import Broker

    owner = make_user(Role.PROCUREMENT_MANAGER, username="procurement")
    endpoint = endpoint_create(by=owner, data=EndpointInput(url=receiver.url))
    count = 200
    for _n in range(count):
        emit_test(endpoint)
    environment = worker_environment(
        database=live_database,
        redis_url=redis_server.url,
        record_file=tmp_path / "sent.jsonl",
        extra={"WEBHOOKS_ALLOW_PRIVATE_ADDRESSES": "true", "WEBHOOKS_ALLOW_HTTP": "true"},
    )
    celery_workers = [
        WorkerProcess(environment=environment, log_file=tmp_path / f"w{n}.log", name=f"hooks{n}")
        for n in range(2)
    ]
    broker = Broker(redis_server.url)
    try:
        for worker in celery_workers:
            worker.start()
        for _n in range(8):
            broker.send(SCAN_TASK)
        wait_until(
            lambda: Delivery.objects.filter(status=DeliveryStatus.SUCCEEDED).count() == count,
            timeout=120,
            message="every delivery sent",
        )
    finally:
        broker.close()
        for worker in celery_workers:
            worker.kill()
    assert len(receiver.snapshot()) == count
    assert receiver.duplicates() == 0
    assert DeliveryAttempt.objects.count() == count
