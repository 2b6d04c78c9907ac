"""Real processes for the integration tests: a Redis server of the test's own (so that it can
be stopped, paused and restarted without touching anyone else's), Celery workers started with
``celery -A srm worker``, and the web app under gunicorn, all on the test database.

Every process is started in a process group of its own and killed when the test ends, passed
or failed. The tests need ``redis-server`` on PATH: without it they skip, and under CI=true
they fail.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
import redis
from celery import Celery
from django.conf import settings
from django.db import connection
from kombu.exceptions import OperationalError

from accounts.models import User
from notifications.choices import NotificationKind
from notifications.models import Delivery, Notification
from notifications.services import notification_create
from notifications.testing import (
    SendRecord,
    WorkerProcess,
    database_url,
    wait_until,
    worker_environment,
)
from tests.conftest import require_service
from tests.factories import CommitmentFactory

SWEEP = "notifications.tasks.notification_sweep_task"
SCAN = "meetings.tasks.commitment_reminder_scan_task"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class RedisServer:
    """A throwaway redis-server on a port of its own, without persistence: stopping it loses
    every queued message, as a crash of an unpersisted Redis would."""

    def __init__(self, directory: Path, executable: str) -> None:
        self.executable = executable
        self.port = free_port()
        self.directory = directory
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with (self.directory / "redis.log").open("ab") as log:
            self.process = subprocess.Popen(  # noqa: S603
                [
                    self.executable,
                    "--bind",
                    "127.0.0.1",
                    "--port",
                    str(self.port),
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                    "--dir",
                    str(self.directory),
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        wait_until(self.answers, timeout=10, message="redis-server did not start")

    def answers(self) -> bool:
        client = redis.Redis(port=self.port, socket_connect_timeout=0.5, socket_timeout=0.5)
        try:
            return bool(client.ping())
        except redis.RedisError:
            return False
        finally:
            client.close()

    def stop(self) -> None:
        """SIGKILL: a crash, not a shutdown."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)  # a paused server dies too
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None

    def pause(self) -> None:
        """SIGSTOP: connections are accepted by the kernel and never answered."""
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    executable = shutil.which("redis-server")
    if executable is None:
        require_service("needs redis-server on PATH (Debian: apt-get install redis-server)")
    server = RedisServer(tmp_path, str(executable))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def live_database(transactional_db: None) -> str:
    """The test database as a DATABASE_URL for other processes. The test's own writes are
    committed as they are made (a transactional test), so those processes see them."""
    return database_url(connection)


@pytest.fixture
def record_file(tmp_path: Path) -> Path:
    """Where RecordingEmailBackend writes every send of every worker process."""
    return tmp_path / "sends.jsonl"


def read_sends(record_file: Path) -> SendRecord:
    return SendRecord.read(record_file)


@pytest.fixture
def start_worker(
    live_database: str, redis_server: RedisServer, record_file: Path, tmp_path: Path
) -> Iterator[Callable[..., WorkerProcess]]:
    """Starts ``celery -A srm worker --pool=prefork --concurrency=2 -Q celery`` on the test
    database and the test's Redis: start_worker(delay=2) makes each email take 2 s."""
    workers: list[WorkerProcess] = []

    def start(*, delay: float = 0, concurrency: int = 2) -> WorkerProcess:
        environment = worker_environment(
            database=live_database,
            redis_url=redis_server.url,
            record_file=record_file,
            delay=delay,
        )
        worker = WorkerProcess(
            environment=environment,
            log_file=tmp_path / f"worker-{len(workers) + 1}.log",
            concurrency=concurrency,
        )
        workers.append(worker)
        return worker.start()

    try:
        yield start
    finally:
        for worker in workers:
            worker.kill()


class Broker:
    """Sends tasks by name through the test's Redis, as beat does."""

    def __init__(self, url: str) -> None:
        self.app = Celery("srm-integration-tests", broker=url, set_as_current=False)
        self.app.conf.update(
            task_serializer="json",
            accept_content=["json"],
            broker_connection_timeout=1,
            broker_transport_options={"socket_timeout": 2, "socket_connect_timeout": 1},
        )

    def send(self, name: str, *, timeout: float = 30) -> None:
        """Sends the task; while Redis is still coming back, tries again until ``timeout``."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.app.send_task(name)
                return
            except OperationalError:
                if time.monotonic() > deadline:
                    raise
                self.app.pool.force_close_all()
                time.sleep(0.5)

    def close(self) -> None:
        self.app.pool.force_close_all()
        self.app.close()


@pytest.fixture
def broker(redis_server: RedisServer) -> Iterator[Broker]:
    sender = Broker(redis_server.url)
    try:
        yield sender
    finally:
        sender.close()


@dataclass
class Response:
    status: int
    body: bytes
    headers: dict[str, str]
    seconds: float

    def json(self) -> Any:
        return json.loads(self.body)


class WebServer:
    """The web app under gunicorn (one sync worker), on the test database and Redis.

    DEBUG is on only so that static files need no collectstatic run; nothing else differs."""

    def __init__(self, *, database: str, redis_url: str, log_file: Path) -> None:
        self.port = free_port()
        self.log_file = log_file
        self.environment = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "srm.settings",
            "DATABASE_URL": database,
            "REDIS_URL": redis_url,
            "DEBUG": "true",
            "HTTPS": "false",
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECRET_KEY": os.environ.get("SECRET_KEY") or "integration-tests-only",
            "PYTHONUNBUFFERED": "1",
        }
        self.process: subprocess.Popen[bytes] | None = None
        self.cookies: dict[str, str] = {}

    def start(self) -> WebServer:
        with self.log_file.open("ab") as log:
            self.process = subprocess.Popen(  # noqa: S603
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "srm.wsgi:application",
                    "--bind",
                    f"127.0.0.1:{self.port}",
                    "--workers",
                    "1",
                    "--timeout",
                    "30",
                    "--graceful-timeout",
                    "5",
                    "--access-logfile",
                    "-",
                ],
                cwd=settings.BASE_DIR,
                env=self.environment,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        wait_until(
            self._healthy,
            timeout=30,
            message="gunicorn did not start",
            still_running=lambda: self.process is not None and self.process.poll() is None,
            details=self.log,
        )
        return self

    def _healthy(self) -> bool:
        try:
            return self.request("GET", "/healthz").status == 200
        except OSError:
            return False

    def log(self) -> str:
        return self.log_file.read_text(errors="replace") if self.log_file.exists() else ""

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def request(
        self,
        method: str,
        path: str,
        *,
        form: dict[str, str] | None = None,
        json_body: object = None,
        token: str | None = None,
    ) -> Response:
        """One request with this client's cookies (kept like a browser's); no redirect is
        followed."""
        headers = {"Host": "127.0.0.1"}
        body: bytes | None = None
        if form is not None:
            body = urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        elif json_body is not None:
            body = json.dumps(json_body).encode()
            headers["Content-Type"] = "application/json"
        if token is not None:
            headers["Authorization"] = f"Token {token}"
        elif self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        if method == "POST" and "csrftoken" in self.cookies and token is None:
            headers["X-CSRFToken"] = self.cookies["csrftoken"]
        started = time.monotonic()
        client = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            client.request(method, path, body=body, headers=headers)
            answer = client.getresponse()
            content = answer.read()
        finally:
            client.close()
        for header in answer.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return Response(
            status=answer.status,
            body=content,
            headers={name.lower(): value for name, value in answer.getheaders()},
            seconds=time.monotonic() - started,
        )

    def sign_in(self, username: str, password: str) -> Response:
        """Signs in through the sign-in form, as a person does."""
        page = self.request("GET", "/accounts/sign-in/")
        assert page.status == 200, page.body[:500]
        return self.request(
            "POST",
            "/accounts/sign-in/",
            form={
                "csrfmiddlewaretoken": self.cookies["csrftoken"],
                "username": username,
                "password": password,
            },
        )


@pytest.fixture
def start_web(
    live_database: str, redis_server: RedisServer, tmp_path: Path
) -> Iterator[Callable[[], WebServer]]:
    servers: list[WebServer] = []

    def start() -> WebServer:
        server = WebServer(
            database=live_database,
            redis_url=redis_server.url,
            log_file=tmp_path / f"web-{len(servers) + 1}.log",
        )
        servers.append(server)
        return server.start()

    try:
        yield start
    finally:
        for server in servers:
            server.stop()


def make_due_notifications(recipient: User, count: int, *, prefix: str) -> list[int]:
    """``count`` notifications due now for ``recipient``, each with a title of its own (the
    email's subject, which tells sends apart in the record)."""
    ids = []
    for number in range(count):
        commitment = CommitmentFactory(owner_user=recipient)
        notification = notification_create(
            recipient=recipient,
            kind=NotificationKind.COMMITMENT_DUE,
            subject=commitment,
            occasion="integration",
            title=f"{prefix} {number}",
        )
        assert notification is not None
        ids.append(notification.pk)
    return ids


def assert_each_sent_once(notification_ids: list[int], record_file: Path) -> None:
    """Every notification is marked sent with one Delivery, and the email backend recorded
    exactly those emails, each once: none lost, none doubled, nothing else sent."""
    assert not Notification.objects.filter(pk__in=notification_ids, sent_at__isnull=True).exists()
    deliveries = list(Delivery.objects.filter(notification__in=notification_ids))
    assert len(deliveries) == len(notification_ids)
    expected = Counter((delivery.to, delivery.subject) for delivery in deliveries)
    assert len(expected) == len(notification_ids), "two notifications share a subject"
    record = read_sends(record_file)
    assert record.duplicates == {}
    assert record.sent == expected
