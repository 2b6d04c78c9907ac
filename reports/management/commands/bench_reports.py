"""``manage.py bench_reports``: the dashboard, the supplier list (with health) and the export of
every supplier, timed on the ``seed_bench`` data, beside PostgreSQL's own ``COPY … TO STDOUT``
of the same rows.

Pages are requested through Django's test client (every middleware, the template rendered,
DEBUG off) as a signed-in executive, who reads the whole portfolio. The export is read to its
end, timed once without and once with tracemalloc (which slows Python but measures its peak).
"""

from __future__ import annotations

import time
import tracemalloc
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.test import Client, override_settings
from django.urls import reverse

from accounts.models import User
from accounts.roles import Role
from core.bench import (
    load_average,
    machine_facts,
    median_ms,
    table,
    time_interleaved,
    use_bench_database,
)
from reports.exports import DATASETS
from suppliers.models import Supplier

BENCH_EXECUTIVE = "bench-executive"


class _Sink:
    """A file that counts what COPY writes to it and keeps none of it."""

    def __init__(self) -> None:
        self.bytes = 0

    def write(self, data: str | bytes) -> int:
        self.bytes += len(data)
        return len(data)


class Command(BaseCommand):
    help = "Times the dashboard, the supplier list with health and the supplier export."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--requests", type=int, default=7, help="Timed requests per page.")
        parser.add_argument("--database-name", help="Use this database, not <NAME>_bench.")
        parser.add_argument(
            "--in-place", action="store_true", help="Use the current database (for tests)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        use_bench_database(name=options["database_name"], in_place=options["in_place"])
        suppliers = Supplier.objects.count()
        if not suppliers:
            raise CommandError("No suppliers: run `manage.py seed_bench` first.")
        out = self.stdout.write
        out("Reports benchmark\n=================")
        for label, value in machine_facts():
            out(f"{label + ':':12}{value}")
        out(f"{'data:':12}{_data_facts()}")
        with _environment() as client:
            requests = options["requests"]
            out(f"\n1. Pages, as a signed-in executive (median of {requests})\n")
            out(_pages_table(client, options["requests"]))
            out(f"\n2. Export of every supplier ({suppliers:,} rows, the list's columns)\n")
            out(_export_table(client, suppliers))
        out(f"\nDone in {time.perf_counter() - started:.0f} s; load average now {load_average()}.")


def _data_facts() -> str:
    with connection.cursor() as cursor:
        counts = []
        for table_name, label in (
            ("suppliers_supplier", "suppliers"),
            ("meetings_meeting", "meetings"),
            ("meetings_commitment", "commitments"),
            ("reviews_review", "reviews"),
            ("contracts_contract", "contracts"),
            ("escalations_escalation", "escalations"),
        ):
            cursor.execute(f"SELECT count(*) FROM {table_name}")  # noqa: S608 - constant names
            counts.append(f"{cursor.fetchone()[0]:,} {label}")
    return ", ".join(counts)


@contextmanager
def _environment() -> Iterator[Client]:
    """DEBUG off (no query log), the test host allowed, an executive signed in. Static files
    by name: the hashed manifest exists only after collectstatic, which a bench does not run."""
    storages = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with (
        warnings.catch_warnings(),
        override_settings(
            DEBUG=False,
            ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"],
            STORAGES=storages,
        ),
    ):
        warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
        user, _created = User.objects.get_or_create(
            username=BENCH_EXECUTIVE, defaults={"display_name": "Bench Executive"}
        )
        user.groups.add(Group.objects.get_or_create(name=Role.EXECUTIVE.value)[0])
        client = Client()
        client.force_login(user)
        yield client


def _getter(client: Client, url: str) -> Callable[[], None]:
    def get() -> None:
        response = client.get(url, secure=True)
        if response.status_code != 200:
            raise CommandError(f"GET {url}: {response.status_code}")
        if response.streaming:
            for _chunk in response.streaming_content:  # type: ignore[attr-defined]
                pass

    return get


def _pages_table(client: Client, requests: int) -> str:
    pages = {
        "dashboard (whole portfolio)": reverse("reports:dashboard"),
        "dashboard, strategic only": reverse("reports:dashboard") + "?segment=strategic",
        "supplier list with health, page 1": reverse("suppliers:supplier_list"),
        "supplier list with health, sorted by risk": reverse("suppliers:supplier_list")
        + "?ordering=-risk_level",
        "reports API, dashboard figures": reverse("api:report-dashboard"),
    }
    calls = {label: _getter(client, url) for label, url in pages.items()}
    timings = time_interleaved(calls, repeat=requests, warmup=1)
    rows = [[label, f"{median_ms(timings[label]):,.0f}"] for label in pages]
    return table(["page", "median ms"], rows)


def _export_run(client: Client, url: str) -> tuple[float, int]:
    started = time.perf_counter()
    response = client.get(url, secure=True)
    size = 0
    for chunk in response.streaming_content:  # type: ignore[attr-defined]
        size += len(chunk)
    return time.perf_counter() - started, size


def _export_peak(client: Client, url: str) -> int:
    tracemalloc.start()
    try:
        _export_run(client, url)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _copy_floor(sql: str) -> tuple[float, int]:
    """Seconds and bytes of ``COPY (sql) TO STDOUT WITH CSV HEADER`` on the bare driver."""
    sink = _Sink()
    connection.ensure_connection()
    with connection.connection.cursor() as cursor:
        started = time.perf_counter()
        cursor.copy_expert(f"COPY ({sql}) TO STDOUT WITH CSV HEADER", sink)
        return time.perf_counter() - started, sink.bytes


def _export_sql(user: User) -> str:
    """The export's own query (the same rows and columns) as one SQL string."""
    spec = DATASETS["suppliers"]
    queryset = spec.rows(user, {}).prefetch_related(None)
    keys = [column.key for column in spec.columns]
    sql, params = queryset.values_list(*keys).query.sql_with_params()
    connection.ensure_connection()
    with connection.connection.cursor() as cursor:
        return cursor.mogrify(sql, params).decode()


def _export_table(client: Client, suppliers: int) -> str:
    user = User.objects.get(username=BENCH_EXECUTIVE)
    rows = []
    for file_format in ("csv", "xlsx"):
        url = reverse("reports:export", args=["suppliers", file_format])
        _export_run(client, url)  # warm-up
        seconds, size = _export_run(client, url)
        peak = _export_peak(client, url)
        rows.append(
            [
                f"export view, {file_format.upper()} (streamed)",
                f"{seconds:.2f}",
                f"{suppliers / seconds:,.0f}",
                f"{size / 1e6:.1f}",
                f"{peak / 1e6:.1f}",
            ]
        )
    for label, sql in (
        ("COPY of the export's query", _export_sql(user)),
        ("COPY of the supplier table", "SELECT * FROM suppliers_supplier"),
    ):
        _copy_floor(sql)  # warm-up
        seconds, size = _copy_floor(sql)
        rows.append(
            [label, f"{seconds:.2f}", f"{suppliers / seconds:,.0f}", f"{size / 1e6:.1f}", "-"]
        )
    return table(["", "seconds", "rows/s", "MB out", "peak Python MB"], rows)
