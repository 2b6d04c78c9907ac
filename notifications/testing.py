"""Helpers for the integration tests and ``manage.py bench_notifications``, never used by the
running product: an email backend that records every send, and Celery workers run as real
processes against a given database and Redis.

The worker processes these start send email through ``RecordingEmailBackend``, chosen with
environment variables (srm/settings.py honours ``EMAIL_BACKEND``)::

    EMAIL_BACKEND=notifications.testing.RecordingEmailBackend
    EMAIL_RECORD_FILE=/tmp/sends.jsonl   # required: every process appends to this one file
    EMAIL_RECORD_DELAY=2                 # optional: seconds each send takes (default 0)

Each send appends a "start" line before the message goes out and a "sent" line after. The file
is written outside the database transaction that stores the ``Delivery``, so a send whose
transaction was rolled back (a worker killed mid-send) is still counted: a duplicate email
cannot hide behind the Delivery table's unique constraint.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.message import EmailMessage
from django.db.backends.base.base import BaseDatabaseWrapper

RECORD_FILE = "EMAIL_RECORD_FILE"
RECORD_DELAY = "EMAIL_RECORD_DELAY"
RECORDING_BACKEND = "notifications.testing.RecordingEmailBackend"

SendKey = tuple[str, str]  # (to, subject): what tells two emails apart in the record


class RecordingEmailBackend(BaseEmailBackend):
    """Sends nothing; appends each message to the file named by EMAIL_RECORD_FILE, taking
    EMAIL_RECORD_DELAY seconds between its "start" and "sent" lines."""

    def __init__(self, fail_silently: bool = False, **kwargs: Any) -> None:
        path = kwargs.pop("record_file", None) or os.environ.get(RECORD_FILE)
        delay = kwargs.pop("delay", None) or os.environ.get(RECORD_DELAY) or 0
        super().__init__(fail_silently=fail_silently, **kwargs)
        if not path:
            raise ImproperlyConfigured(
                f"{RECORD_FILE}: set it to the file RecordingEmailBackend appends sends to."
            )
        self.path = Path(path)
        self.delay = float(delay)

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        for message in email_messages:
            entry = {"to": ",".join(message.to), "subject": message.subject, "pid": os.getpid()}
            _append_line(self.path, {"event": "start", **entry})
            if self.delay:
                time.sleep(self.delay)
            _append_line(self.path, {"event": "sent", **entry})
        return len(email_messages)


def _append_line(path: Path, entry: dict[str, object]) -> None:
    # One write() of a short line to a file opened for appending: lines written at the same
    # time by several processes do not interleave, and a process killed right after has
    # already handed the line to the kernel.
    data = (json.dumps(entry) + "\n").encode()
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(descriptor, data)
    finally:
        os.close(descriptor)


@dataclass
class SendRecord:
    """What RecordingEmailBackend wrote: per email, how often a send started and finished."""

    started: Counter[SendKey] = field(default_factory=Counter)
    sent: Counter[SendKey] = field(default_factory=Counter)
    pids: dict[SendKey, list[int]] = field(default_factory=dict)

    @classmethod
    def read(cls, path: Path) -> SendRecord:
        record = cls()
        if not path.exists():
            return record
        for line in path.read_text().splitlines():
            entry = json.loads(line)
            key = (entry["to"], entry["subject"])
            if entry["event"] == "start":
                record.started[key] += 1
                record.pids.setdefault(key, []).append(entry["pid"])
            else:
                record.sent[key] += 1
        return record

    @property
    def duplicates(self) -> dict[SendKey, int]:
        """Emails sent more than once, with how many times."""
        return {key: count for key, count in self.sent.items() if count > 1}

    @property
    def unfinished(self) -> set[SendKey]:
        """Emails whose last send started and never finished (its process died)."""
        return {key for key, count in self.started.items() if count > self.sent[key]}


def database_url(connection: BaseDatabaseWrapper) -> str:
    """A DATABASE_URL for another process to reach the database this connection uses (the
    test database, the bench database, the embedded server's socket directory)."""
    params = connection.get_connection_params()
    user = quote(str(params.get("user") or ""), safe="")
    password = params.get("password")
    credentials = f"{user}:{quote(str(password), safe='')}@" if password else f"{user}@"
    host = str(params.get("host") or "")
    name = quote(str(params.get("dbname") or params.get("database")), safe="")
    if host.startswith("/"):  # a socket directory, as the embedded server uses
        return f"postgres://{credentials}/{host}/{name}"
    port = f":{params['port']}" if params.get("port") else ""
    return f"postgres://{credentials}{quote(host, safe='')}{port}/{name}"


def worker_environment(
    *,
    database: str,
    redis_url: str,
    record_file: Path,
    delay: float = 0,
    extra: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The environment of a worker process: this one's, pointed at the given database and
    Redis, with email recorded to ``record_file``."""
    environment = dict(os.environ)
    environment.update(
        {
            "DJANGO_SETTINGS_MODULE": "srm.settings",
            "DATABASE_URL": database,
            "REDIS_URL": redis_url,
            "EMAIL_BACKEND": RECORDING_BACKEND,
            RECORD_FILE: str(record_file),
            RECORD_DELAY: str(delay),
            "PYTHONUNBUFFERED": "1",
        }
    )
    environment.pop("EMAIL_URL", None)
    environment.update(extra or {})
    return environment


class WorkerProcess:
    """``celery -A srm worker`` with the prefork pool, as a process group of its own so that
    a test can kill the main process and its pool at once, as a crashed machine would."""

    def __init__(
        self,
        *,
        environment: Mapping[str, str],
        log_file: Path,
        concurrency: int = 2,
        queues: str = "celery",
        name: str = "srm-test",
    ) -> None:
        self.environment = dict(environment)
        self.log_file = log_file
        self.command = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "srm",
            "worker",
            "--pool=prefork",
            f"--concurrency={concurrency}",
            "-Q",
            queues,
            "--loglevel=INFO",
            "-n",
            f"{name}-{os.getpid()}-{time.monotonic_ns()}@%h",
            "--without-mingle",
            "--without-gossip",
        ]
        self.process: subprocess.Popen[bytes] | None = None
        self._log_offset = 0

    def start(self, *, timeout: float = 60) -> WorkerProcess:
        """Starts the worker and waits until it consumes from the broker."""
        self._log_offset = self.log_file.stat().st_size if self.log_file.exists() else 0
        with self.log_file.open("ab") as log:
            self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
                self.command,
                cwd=settings.BASE_DIR,
                env=self.environment,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        wait_until(
            lambda: " ready." in self.log(),
            timeout=timeout,
            message="the worker did not become ready",
            still_running=self.alive,
            details=self.log,
        )
        return self

    @property
    def pid(self) -> int:
        if self.process is None:
            raise RuntimeError("the worker was not started")
        return self.process.pid

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def log(self) -> str:
        """What this run of the worker has logged so far."""
        if not self.log_file.exists():
            return ""
        with self.log_file.open("rb") as log:
            log.seek(self._log_offset)
            return log.read().decode(errors="replace")

    def kill(self) -> None:
        """SIGKILL to the main process and its pool processes at once: no warm shutdown, no
        message handed back."""
        self._signal_group(signal.SIGKILL)
        self._wait(10)

    def stop(self, *, timeout: float = 30) -> None:
        """A warm shutdown (SIGTERM: running tasks finish), then SIGKILL if it takes too long."""
        if not self.alive():
            self._wait(0)
            return
        self._signal_group(signal.SIGTERM)
        if not self._wait(timeout):
            self.kill()

    def _signal_group(self, signum: int) -> None:
        # Only while the main process is unreaped: its id, which names the group, cannot have
        # been reused by another process.
        if self.process is None or self.process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signum)

    def _wait(self, timeout: float) -> bool:
        if self.process is None:
            return True
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return False
        return True

    def __enter__(self) -> WorkerProcess:
        return self.start() if self.process is None else self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if kind is None:
            self.stop()
        else:
            self.kill()


def wait_until(
    condition: Callable[[], bool],
    *,
    timeout: float,
    message: str,
    interval: float = 0.2,
    still_running: Callable[[], bool] | None = None,
    details: Callable[[], str] | None = None,
) -> None:
    """Polls ``condition`` until it holds; raises TimeoutError after ``timeout`` seconds, or
    at once when ``still_running`` says the process it waits on has died."""
    deadline = time.monotonic() + timeout
    while not condition():
        stopped = still_running is not None and not still_running()
        if stopped or time.monotonic() > deadline:
            reason = "the process exited" if stopped else f"still not after {timeout:.0f} s"
            tail = details()[-4000:] if details is not None else ""
            raise TimeoutError(f"{message} ({reason})\n{tail}")
        time.sleep(interval)
