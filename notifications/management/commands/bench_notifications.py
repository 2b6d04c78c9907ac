"""``manage.py bench_notifications --count 10000``: that many notifications due at once,
drained through Redis by real Celery worker processes, counting duplicates and losses.

The notifications are written to ``<NAME>_bench`` (see core/bench.py), all due now and not yet
queued. A worker (``celery -A srm worker``, prefork, --concurrency processes) is started on
that database and on REDIS_URL, with email going to RecordingEmailBackend, which appends every
send to a file outside the database transaction. The benchmark sends the outbox sweep through
the broker, as beat does, and times until every notification is marked sent. Then it counts:

- duplicates: emails the backend sent more than once (a Delivery row per notification is
  unique by constraint, so it cannot show them), and Delivery rows beyond one per notification;
- losses: notifications left unsent or given up on.

Both must be 0; the command fails otherwise. It refuses to run while other workers consume
from the same Redis (they would take the benchmark's tasks into another database).
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import redis
from celery import Celery
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.db.models import Count
from django.utils import timezone

from accounts.models import User
from core.bench import load_average, machine_facts, table, use_bench_database, vacuum_analyze
from notifications.choices import NotificationKind
from notifications.models import Delivery, Notification
from notifications.testing import (
    SendRecord,
    WorkerProcess,
    database_url,
    wait_until,
    worker_environment,
)

SWEEP = "notifications.tasks.notification_sweep_task"
DELIVER = "notifications.tasks.notification_deliver_task"
QUEUE = "celery"
KEY_PREFIX = "bench:"
USERNAME = "bench-notifications"
BATCH = 1000
# The sweep queues at most 20 batches of 500 per run; beyond that it is sent again.
SWEEP_AGAIN_AFTER = 5.0


class Command(BaseCommand):
    help = "Drains N due notifications through real Celery workers; counts duplicates and losses."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--count", type=int, default=10_000, help="Notifications due.")
        parser.add_argument(
            "--concurrency", type=int, default=2, help="Worker pool processes (default 2)."
        )
        parser.add_argument(
            "--timeout", type=float, default=900, help="Seconds allowed to drain (default 900)."
        )
        parser.add_argument("--keep", action="store_true", help="Keep the rows afterwards.")
        parser.add_argument("--database-name", help="Use this database, not <NAME>_bench.")
        parser.add_argument(
            "--in-place", action="store_true", help="Use the current database (for tests)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        count: int = options["count"]
        if count < 1:
            raise CommandError("--count must be at least 1.")
        redis_url = _reachable_redis()
        use_bench_database(name=options["database_name"], in_place=options["in_place"])
        producer = Celery("srm-bench", broker=redis_url, set_as_current=False)
        producer.conf.update(task_serializer="json", accept_content=["json"])
        workdir = Path(tempfile.mkdtemp(prefix="bench_notifications-"))
        try:
            _refuse_a_shared_broker(producer, redis_url)
            self._run(producer, redis_url, workdir, count=count, options=options)
        finally:
            producer.pool.force_close_all()
            producer.close()
            if not options["keep"]:
                Notification.objects.filter(dedupe_key__startswith=KEY_PREFIX).delete()
            shutil.rmtree(workdir, ignore_errors=True)

    def _run(
        self,
        producer: Celery,
        redis_url: str,
        workdir: Path,
        *,
        count: int,
        options: dict[str, Any],
    ) -> None:
        self.out("Notification delivery benchmark")
        self.out("=" * 31)
        for label, value in machine_facts():
            self.out(f"{label + ':':12}{value}")
        self.out(f"{'Redis:':12}{redis_url.rsplit('@', 1)[-1]}")
        ids, seconds = _write_due_notifications(count)
        self.out(f"{'data:':12}{count:,} notifications written in {seconds:.1f} s")
        others = (
            Notification.objects.filter(email_wanted=True, sent_at__isnull=True)
            .exclude(pk__in=ids)
            .count()
        )
        record_file = workdir / "sends.jsonl"
        worker = WorkerProcess(
            environment=worker_environment(
                database=database_url(connection),
                redis_url=redis_url,
                record_file=record_file,
                # Measured as deployed: DEBUG off (DEBUG also keeps every query in memory).
                extra={
                    "DEBUG": "false",
                    "SECRET_KEY": settings.SECRET_KEY,
                    "ALLOWED_HOSTS": ",".join(settings.ALLOWED_HOSTS) or "localhost",
                },
            ),
            log_file=workdir / "worker.log",
            concurrency=options["concurrency"],
            name="srm-bench",
        )
        self.out(
            f"{'workers:':12}celery -A srm worker --pool=prefork "
            f"--concurrency={options['concurrency']} (acks late, prefetch 1)"
        )
        self.out(f"{'email:':12}RecordingEmailBackend (no mail leaves the machine)")
        self.out(f"\n{count:,} notifications due at once, drained by the sweep and the workers.")
        with worker:
            elapsed, queued_in = self._drain(producer, worker, ids, timeout=options["timeout"])
            time.sleep(1.0)  # a late duplicate, if any, would land now
        self._report(ids, record_file, worker.log(), elapsed=elapsed, queued_in=queued_in)
        if others:
            self.out(f"\n(The database held {others:,} other unsent notifications, sent too.)")
        self.out(f"\nLoad average now {load_average()}.")

    def _drain(
        self, producer: Celery, worker: WorkerProcess, ids: list[int], *, timeout: float
    ) -> tuple[float, float | None]:
        """Sends the sweep (again while rows wait unqueued) until every row is sent or given
        up on; returns the seconds that took and the seconds until the last row was queued."""
        bench = Notification.objects.filter(pk__in=ids)
        started = time.perf_counter()
        producer.send_task(SWEEP)
        last_sweep = started
        queued_in: float | None = None

        def drained() -> bool:
            nonlocal last_sweep, queued_in
            now = time.perf_counter()
            if queued_in is None and not bench.filter(queued_at__isnull=True).exists():
                queued_in = now - started
            elif queued_in is None and now - last_sweep > SWEEP_AGAIN_AFTER:
                producer.send_task(SWEEP)
                last_sweep = now
            return not bench.filter(sent_at__isnull=True, failed_at__isnull=True).exists()

        try:
            wait_until(
                drained,
                timeout=timeout,
                interval=0.25,
                message="the notifications were not all delivered",
                still_running=worker.alive,
            )
        except TimeoutError as error:
            self.out(f"! {str(error).splitlines()[0]}")
        return time.perf_counter() - started, queued_in

    def _report(
        self,
        ids: list[int],
        record_file: Path,
        log: str,
        *,
        elapsed: float,
        queued_in: float | None,
    ) -> None:
        bench = Notification.objects.filter(pk__in=ids)
        sent = bench.filter(sent_at__isnull=False).count()
        failed = bench.filter(failed_at__isnull=False).count()
        retried = bench.filter(attempts__gt=1).count()
        deliveries = Delivery.objects.filter(notification__in=ids)
        delivered = set(deliveries.values_list("to", "subject"))
        doubled_rows = (
            deliveries.values("notification").annotate(n=Count("id")).filter(n__gt=1).count()
        )
        record = SendRecord.read(record_file)
        subjects = set(bench.values_list("title", flat=True))
        sends = {key: n for key, n in record.sent.items() if key[1] in subjects}
        duplicates = sum(n - 1 for n in sends.values()) + doubled_rows
        unrecorded = len(delivered - set(sends))  # marked sent in the database, never sent
        unmarked = len(set(sends) - delivered)  # sent, yet not marked: would go out again
        losses = len(ids) - sent
        runs = [line for line in log.splitlines() if f"Task {DELIVER}[" in line]
        tasks = sum(1 for line in runs if " succeeded in " in line)
        skipped = sum(1 for line in runs if line.endswith(": 'skipped'"))
        rows = [
            ("notifications due", f"{len(ids):,}"),
            ("time to drain (s)", f"{elapsed:.1f}"),
            ("rows/s", f"{len(ids) / elapsed:,.0f}"),
            ("queued by the sweep within (s)", f"{queued_in:.1f}" if queued_in else "-"),
            ("delivery tasks run", f"{tasks:,}"),
            ("  of which found nothing to do", f"{skipped:,}"),
            ("notifications sent", f"{sent:,}"),
            ("Delivery rows", f"{deliveries.count():,}"),
            ("emails sent (backend's record)", f"{sum(sends.values()):,}"),
            ("notifications tried more than once", f"{retried:,}"),
            ("duplicates", f"{duplicates:,}"),
            ("losses (unsent or failed)", f"{losses:,}"),
        ]
        self.out("")
        self.out(table(["measure", "value"], rows))
        problems = []
        if duplicates:
            problems.append(f"{duplicates} duplicate emails")
        if losses:
            problems.append(f"{losses} notifications not delivered ({failed} failed)")
        if unrecorded or unmarked:
            problems.append(
                f"record and database disagree: {unrecorded} marked sent but never sent, "
                f"{unmarked} sent but not marked"
            )
        if problems:
            raise CommandError("; ".join(problems))
        self.out("\nDuplicates 0, losses 0: every notification was emailed exactly once.")

    def out(self, text: str = "") -> None:
        self.stdout.write(text)


def _reachable_redis() -> str:
    redis_url = settings.REDIS_URL
    if not redis_url:
        raise CommandError(
            "bench_notifications needs Redis: set REDIS_URL (e.g. redis://127.0.0.1:6379/0). "
            "Without it tasks run eagerly in one process, and there is no broker or worker "
            "to measure."
        )
    client = redis.Redis.from_url(redis_url, socket_connect_timeout=2, socket_timeout=2)
    try:
        client.ping()
    except redis.RedisError as error:
        raise CommandError(f"Redis at REDIS_URL does not answer: {error}") from error
    finally:
        client.close()
    return redis_url


def _refuse_a_shared_broker(producer: Celery, redis_url: str) -> None:
    """Another worker on this Redis would take the benchmark's tasks into its own database,
    and messages already queued would be run against the benchmark's."""
    workers = producer.control.ping(timeout=1.0)
    if workers:
        names = ", ".join(sorted(name for reply in workers for name in reply))
        raise CommandError(
            f"Celery workers already consume from REDIS_URL ({names}). Stop them, or give the "
            "benchmark a Redis database of its own: REDIS_URL=redis://host:6379/14."
        )
    client = redis.Redis.from_url(redis_url, socket_connect_timeout=2, socket_timeout=2)
    try:
        waiting = int(client.llen(QUEUE))
    finally:
        client.close()
    if waiting:
        raise CommandError(
            f"{waiting} messages already wait in the '{QUEUE}' queue of REDIS_URL; start from "
            "an empty queue (another Redis database, or let a worker drain it first)."
        )


def _write_due_notifications(count: int) -> tuple[list[int], float]:
    """``count`` notifications due now, unsent and not yet queued, to one recipient, each with
    a subject of its own; earlier benchmark rows are deleted first."""
    Notification.objects.filter(dedupe_key__startswith=KEY_PREFIX).delete()
    recipient, _ = User.objects.update_or_create(
        username=USERNAME,
        defaults={
            "email": f"{USERNAME}@example.com",
            "display_name": "Notification benchmark",
            "is_active": True,
        },
    )
    vacuum_analyze(Notification._meta.db_table, Delivery._meta.db_table)
    user_type = ContentType.objects.get_for_model(User)
    now = timezone.now()
    started = time.perf_counter()
    ids: list[int] = []
    for first in range(0, count, BATCH):
        rows = [
            Notification(
                recipient=recipient,
                kind=NotificationKind.COMMITMENT_DUE,
                content_type=user_type,
                object_id=recipient.pk,
                occasion=f"bench-{number}",
                dedupe_key=f"{KEY_PREFIX}{number}",
                title=f"Benchmark notification {number:06d}",
                scheduled_for=now,
                email_wanted=True,
            )
            for number in range(first, min(first + BATCH, count))
        ]
        ids.extend(row.pk for row in Notification.objects.bulk_create(rows))
    seconds = time.perf_counter() - started
    vacuum_analyze(Notification._meta.db_table)
    return ids, seconds
