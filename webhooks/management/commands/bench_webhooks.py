"""``manage.py bench_webhooks --count 10000``: that many events in the outbox for one endpoint
on loopback, sent by ``--workers`` processes running the delivery loop
(``manage.py deliver_webhooks --until-idle``), counting duplicates and losses.

The events are written to ``<NAME>_bench`` (core/bench.py) as emit writes them (an event and
its delivery), in batches. The receiver is webhooks.testing.Receiver, a threaded HTTP server in
this process, which records every request. Then it counts:

- duplicates: messages the receiver got more than once (by webhook-id);
- losses: events whose message never arrived, or deliveries not succeeded.

Both must be 0; the command fails otherwise. Beside the rate it prints the floor: the same
number of signed POSTs to the same receiver from the same number of processes, with no
database (no claim, no attempt row): what delivery would cost if the outbox were free.
"""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
import time
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.db.models import Max, Min
from django.utils import timezone

from accounts.models import User
from core.bench import load_average, machine_facts, table, use_bench_database
from notifications.testing import database_url
from webhooks.addresses import check_url
from webhooks.choices import DeliveryStatus
from webhooks.delivery import post, signed_headers
from webhooks.events import TEST
from webhooks.models import Delivery, DeliveryAttempt, Endpoint, Event, new_secret
from webhooks.testing import Receiver

USERNAME = "bench-webhooks"
BATCH = 1000


def _floor_worker(arguments: tuple[str, str, int, int]) -> int:
    url, secret, start, count = arguments
    target = check_url(url)
    ok = 0
    for number in range(start, start + count):
        body = f'{{"type":"{TEST}","data":{{"n":{number}}}}}'
        headers = signed_headers(
            secret=secret, message_id=f"floor_{number}", body=body, at=timezone.now()
        )
        ok += post(target, body=body, headers=headers).ok
    return ok


class Command(BaseCommand):
    help = "Sends N webhook events to a loopback receiver with worker processes; counts losses."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--count", type=int, default=10_000, help="Events (default 10,000).")
        parser.add_argument("--workers", type=int, default=2, help="Delivery processes.")
        parser.add_argument("--timeout", type=float, default=900, help="Seconds allowed.")
        parser.add_argument("--keep", action="store_true", help="Keep the rows afterwards.")
        parser.add_argument("--database-name", help="Use this database, not <NAME>_bench.")
        parser.add_argument(
            "--in-place", action="store_true", help="Use the current database (for tests)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        count: int = options["count"]
        workers: int = options["workers"]
        if count < 1 or workers < 1:
            raise CommandError("--count and --workers must be at least 1.")
        # Loopback over plain http: this process checks the URL too (the floor's sends).
        settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = True
        settings.WEBHOOKS_ALLOW_HTTP = True
        use_bench_database(name=options["database_name"], in_place=options["in_place"])
        owner, _created = User.objects.get_or_create(
            username=USERNAME, defaults={"is_active": False}
        )
        Endpoint.objects.filter(owner=owner).delete()  # a previous run's, if kept
        with Receiver() as receiver:
            endpoint = Endpoint.objects.create(url=receiver.url, owner=owner, secret=new_secret())
            try:
                self._run(receiver, endpoint, count=count, workers=workers, options=options)
            finally:
                if not options["keep"]:
                    Event.objects.filter(deliveries__endpoint=endpoint).delete()
                    endpoint.delete()

    def _run(
        self,
        receiver: Receiver,
        endpoint: Endpoint,
        *,
        count: int,
        workers: int,
        options: dict[str, Any],
    ) -> None:
        self.out("Webhook delivery benchmark")
        self.out("=" * 26)
        for label, value in machine_facts():
            self.out(f"{label + ':':12}{value}")
        started = time.monotonic()
        ids = _write_events(endpoint, count)
        self.out(f"{'data:':12}{count:,} events written in {time.monotonic() - started:.1f} s")

        environment = {
            **os.environ,
            "DATABASE_URL": database_url(connection),
            "WEBHOOKS_ALLOW_PRIVATE_ADDRESSES": "true",
            "WEBHOOKS_ALLOW_HTTP": "true",
            "PYTHONUNBUFFERED": "1",
        }
        environment.pop("REDIS_URL", None)  # the loop needs no broker
        command = [sys.executable, "manage.py", "deliver_webhooks", "--until-idle"]
        started = time.monotonic()
        processes = [
            subprocess.Popen(  # noqa: S603 - our own manage.py, no shell
                command,
                env=environment,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                cwd=settings.BASE_DIR,
                start_new_session=True,
            )
            for _worker in range(workers)
        ]
        try:
            for process in processes:
                process.wait(timeout=options["timeout"])
        except subprocess.TimeoutExpired as error:
            raise CommandError(f"not drained within {options['timeout']} s") from error
        finally:
            for process in processes:
                if process.poll() is None:
                    process.kill()
        elapsed = time.monotonic() - started
        deliveries = Delivery.objects.filter(event_id__in=ids)
        span = deliveries.aggregate(first=Min("created_at"), last=Max("completed_at"))
        succeeded = deliveries.filter(status=DeliveryStatus.SUCCEEDED).count()
        attempts = DeliveryAttempt.objects.filter(delivery__event_id__in=ids).count()
        got = {item.message_id for item in receiver.snapshot()}
        expected = {f"msg_{pk}" for pk in ids}
        duplicates = receiver.duplicates()
        losses = len(expected - got) + (count - succeeded)

        floor_started = time.monotonic()
        share = [count // workers + (1 if n < count % workers else 0) for n in range(workers)]
        starts = [sum(share[:n]) for n in range(workers)]
        context = multiprocessing.get_context("fork")
        connection.close()  # the children must not share this process's connection
        with context.Pool(workers) as pool:
            floor_ok = sum(
                pool.map(
                    _floor_worker,
                    [(endpoint.url, endpoint.secret, starts[n], share[n]) for n in range(workers)],
                )
            )
        floor_elapsed = time.monotonic() - floor_started

        rows = [
            ("events", f"{count:,}"),
            ("worker processes", f"{workers}"),
            ("time to deliver all (s)", f"{elapsed:.1f}"),
            ("events/s", f"{count / elapsed:,.0f}"),
            ("floor: signed POSTs/s, no database", f"{floor_ok / floor_elapsed:,.0f}"),
            ("  share of the floor", f"{(count / elapsed) / (floor_ok / floor_elapsed):.0%}"),
            ("deliveries succeeded", f"{succeeded:,}"),
            ("attempts recorded", f"{attempts:,}"),
            ("messages received", f"{len(receiver.snapshot()) - floor_ok:,}"),
            ("duplicates (floor 0)", f"{duplicates:,}"),
            ("losses (floor 0)", f"{losses:,}"),
            ("load average", load_average()),
        ]
        if span["first"] and span["last"]:
            first_to_last: timedelta = span["last"] - span["first"]
            rows.insert(
                4, ("first written to last sent (s)", f"{first_to_last.total_seconds():.1f}")
            )
        self.out("")
        self.out(table(["measure", "value"], rows))
        problems = []
        if duplicates:
            problems.append(f"{duplicates} messages received twice")
        if losses:
            problems.append(f"{losses} events not delivered")
        if problems:
            raise CommandError("; ".join(problems))
        self.out("\nDuplicates 0, losses 0: every event was received exactly once.")

    def out(self, text: str = "") -> None:
        self.stdout.write(text)


def _write_events(endpoint: Endpoint, count: int) -> list[int]:
    """The outbox rows emit writes, in batches of BATCH per transaction."""
    ids: list[int] = []
    for start in range(0, count, BATCH):
        with transaction.atomic():
            now = timezone.now()
            events = Event.objects.bulk_create(
                Event(
                    type=TEST,
                    payload={
                        "type": TEST,
                        "timestamp": now.isoformat(),
                        "data": {"n": number, "endpoint_id": endpoint.pk},
                    },
                )
                for number in range(start, min(start + BATCH, count))
            )
            Delivery.objects.bulk_create(
                Delivery(event=event, endpoint=endpoint, next_attempt_at=now) for event in events
            )
            ids.extend(event.pk for event in events)
    return ids
