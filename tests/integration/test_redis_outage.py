"""The web never waits on Redis: with the test's Redis stopped (or paused), pages and the API
served by gunicorn answer 2xx at once, notifications wait in the outbox, and once Redis is
back the same worker, reconnected by itself, sends each of them once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from accounts.services import api_token_create
from meetings.models import Commitment
from notifications.models import Notification
from notifications.services import REQUEUE_AFTER
from notifications.testing import WorkerProcess, wait_until
from tests.factories import CommitmentFactory, OwnershipFactory, SupplierFactory, UserFactory
from tests.integration.conftest import (
    SWEEP,
    Broker,
    RedisServer,
    Response,
    WebServer,
    assert_each_sent_once,
    make_due_notifications,
    read_sends,
)

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery"


def _procurement_manager(make_user: Callable[..., User]) -> tuple[User, str, Commitment]:
    """A person who signs in to pages, their API token, and an open commitment of theirs."""
    person = make_user(Role.PROCUREMENT_MANAGER, username="procurement")
    # Hashed as the web process expects: the tests' own fast hasher is not among its hashers.
    person.password = PBKDF2PasswordHasher().encode(PASSWORD, PBKDF2PasswordHasher().salt())
    person.save(update_fields=["password"])
    _token, key = api_token_create(user=person, name="integration tests")
    supplier = SupplierFactory()
    OwnershipFactory(supplier=supplier, user=person, role="owner")
    commitment = CommitmentFactory(
        supplier=supplier, owner_user=person, due_date=timezone.localdate() + timedelta(days=9)
    )
    return person, key, commitment


def _use_the_app(web: WebServer, *, key: str, commitment: Commitment) -> dict[str, Response]:
    """Signs in and uses pages and the API as a person and an ERP would."""
    return {
        "sign in": web.sign_in("procurement", PASSWORD),
        "home page": web.request("GET", "/"),
        "supplier list": web.request("GET", "/suppliers/"),
        "API supplier list": web.request("GET", "/api/v1/suppliers/", token=key),
        "API complete": web.request(
            "POST",
            f"/api/v1/commitments/{commitment.pk}/complete/",
            json_body={"note": "Done while Redis was down"},
            token=key,
        ),
    }


def _assert_answered_at_once(answers: dict[str, Response], *, within: float) -> None:
    statuses = {label: answer.status for label, answer in answers.items()}
    assert statuses == {
        "sign in": 302,  # to the home page: signed in
        "home page": 200,
        "supplier list": 200,
        "API supplier list": 200,
        "API complete": 200,
    }, {label: answer.body[:300] for label, answer in answers.items()}
    slow = {label: round(a.seconds, 2) for label, a in answers.items() if a.seconds > within}
    assert not slow, f"answers slower than {within} s: {slow}"


def _unsent(ids: list[int]) -> set[int]:
    return set(
        Notification.objects.filter(pk__in=ids, sent_at__isnull=True).values_list("pk", flat=True)
    )


def test_with_redis_stopped_the_web_answers_and_notifications_wait_then_go_out_once(
    make_user: Callable[..., User],
    redis_server: RedisServer,
    start_web: Callable[[], WebServer],
    start_worker: Callable[..., WorkerProcess],
    broker: Broker,
    record_file: Path,
) -> None:
    _person, key, commitment = _procurement_manager(make_user)
    ids = make_due_notifications(UserFactory(), 4, prefix="Redis outage")
    web = start_web()
    worker = start_worker(delay=1)
    broker.send(SWEEP)
    wait_until(lambda: read_sends(record_file).started, timeout=30, message="a send started")

    redis_server.stop()  # a crash of a Redis without persistence: queued messages are gone
    answers = _use_the_app(web, key=key, commitment=commitment)

    _assert_answered_at_once(answers, within=2.0)
    assert answers["API complete"].json()["status"] == "done"
    # The sends in flight finish; the rest wait in the outbox, pending, for as long as it takes.
    wait_until(lambda: not read_sends(record_file).unfinished, timeout=15, message="in flight")
    waiting = _unsent(ids)
    assert waiting
    assert not Notification.objects.filter(pk__in=waiting, failed_at__isnull=False).exists()
    assert worker.alive()

    redis_server.start()  # the same port, empty
    # The sweep queues again what was queued before the crash once REQUEUE_AFTER has passed;
    # here that time is made to have passed.
    Notification.objects.filter(pk__in=waiting).update(
        queued_at=timezone.now() - REQUEUE_AFTER - timedelta(seconds=1)
    )
    broker.send(SWEEP, timeout=30)
    wait_until(
        lambda: not _unsent(ids),
        timeout=60,
        message="sent after Redis came back",
        details=worker.log,
    )

    assert_each_sent_once(ids, record_file)
    assert worker.alive(), "the worker should ride out the outage and reconnect by itself"
    assert worker.log().count("Connected to redis://") >= 2, worker.log()


def test_with_redis_paused_the_web_still_answers_within_its_timeouts(
    make_user: Callable[..., User],
    redis_server: RedisServer,
    start_web: Callable[[], WebServer],
) -> None:
    _person, key, commitment = _procurement_manager(make_user)
    web = start_web()
    web.request("GET", "/api/v1/suppliers/", token=key)  # a pooled connection to Redis

    redis_server.pause()  # accepts connections and never answers: the case that hangs
    try:
        answers = _use_the_app(web, key=key, commitment=commitment)
    finally:
        redis_server.resume()

    # The API throttle reads and writes the cache: two half-second timeouts at most. Pages
    # do not touch Redis at all (signing in takes its time hashing the password).
    _assert_answered_at_once(answers, within=2.5)
    assert answers["home page"].seconds < 1.0, answers
    assert answers["supplier list"].seconds < 1.0, answers
