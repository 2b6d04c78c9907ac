"""The Celery wiring: beat entries name real tasks, tasks work eagerly and through Redis."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from celery.contrib.testing.worker import start_worker
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from accounts.tasks import session_cleanup_task
from srm.celery import app


def test_every_beat_entry_names_a_registered_task() -> None:
    app.loader.import_default_modules()

    for name, entry in app.conf.beat_schedule.items():
        assert entry["task"] in app.tasks, name


def test_tasks_use_djangos_task_class_so_they_can_queue_after_commit() -> None:
    assert hasattr(session_cleanup_task, "delay_on_commit")


def test_tasks_are_acknowledged_late_and_json_only() -> None:
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.accept_content == ["json"]


def _expired_and_live_sessions() -> tuple[str, str]:
    expired, live = SessionStore(), SessionStore()
    expired.set_expiry(1)
    expired.create()
    live.create()
    Session.objects.filter(session_key=expired.session_key).update(
        expire_date=timezone.now() - timedelta(days=1)
    )
    return expired.session_key, live.session_key  # type: ignore[return-value]


@pytest.mark.django_db
def test_session_cleanup_task_deletes_only_expired_sessions() -> None:
    expired, live = _expired_and_live_sessions()

    session_cleanup_task.delay()  # eager without a broker

    assert set(Session.objects.values_list("session_key", flat=True)) == {live}
    assert expired != live


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_task_travels_through_redis_to_a_worker(redis_url: str) -> None:
    expired, live = _expired_and_live_sessions()
    previous = {
        "broker_url": app.conf.broker_url,
        "task_always_eager": app.conf.task_always_eager,
    }
    app.conf.update(broker_url=redis_url, task_always_eager=False)
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            session_cleanup_task.delay()
            deadline = time.monotonic() + 20
            while Session.objects.filter(session_key=expired).exists():
                assert time.monotonic() < deadline, "the worker never ran the task"
                time.sleep(0.1)
    finally:
        app.conf.update(previous)
        app.pool.force_close_all()

    assert Session.objects.filter(session_key=live).exists()
