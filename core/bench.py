"""Shared pieces of the benchmark commands: a database of their own, timing, the printed table.

Benchmarks write hundreds of thousands of rows, so they never run in the developer's database:
``use_bench_database`` points the default connection at ``<NAME>_bench`` on the same server
(the embedded one too), creating and migrating it first when it is missing.
"""

from __future__ import annotations

import io
import json
import os
import platform
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import django
import rest_framework
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection, connections
from django.db.utils import DatabaseError

BENCH_SUFFIX = "_bench"


def bench_database_name(name: str | None = None) -> str:
    """The database the benchmarks use: ``name``, else ``<NAME>_bench`` for the default one."""
    if name:
        return name
    current = str(connections["default"].settings_dict["NAME"])
    return current if current.endswith(BENCH_SUFFIX) else current + BENCH_SUFFIX


def use_bench_database(*, name: str | None = None, in_place: bool = False) -> str:
    """Points the default connection at the bench database for the rest of the process, after
    creating it when missing and bringing its migrations up to date; returns its name.
    ``in_place`` keeps the current database (the smoke test runs in the test database)."""
    default = connections["default"]
    if in_place:
        return str(default.settings_dict["NAME"])
    target = bench_database_name(name)
    # Django's own test-database creation connects the same way: to the "postgres" database
    # with the default connection's settings (host, user, password, embedded server).
    with default._nodb_cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [target])
        if cursor.fetchone() is None:
            try:
                cursor.execute(f"CREATE DATABASE {default.ops.quote_name(target)}")
            except DatabaseError as error:
                raise CommandError(
                    f"Could not create the benchmark database {target}: {error}Create it, "
                    "or name an existing one with --database-name."
                ) from error
    default.close()
    # settings.DATABASES and the connection share this dict; set both to be explicit.
    settings.DATABASES["default"]["NAME"] = target
    default.settings_dict["NAME"] = target
    call_command("migrate", interactive=False, verbosity=0)
    return target


def uses_embedded_server() -> bool:
    return connections["default"].settings_dict["ENGINE"] == "srm.embedded_db"


def machine_facts() -> list[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        (server_version,) = cursor.fetchone()
    if uses_embedded_server():
        where = f"embedded server under {settings.EMBEDDED_POSTGRES_DIR} (no DATABASE_URL)"
    else:
        where = f"DATABASE_URL, host {connection.settings_dict.get('HOST') or 'local socket'}"
    return [
        ("CPUs", str(os.cpu_count())),
        ("PostgreSQL", f"{server_version}, {where}"),
        ("database", str(connection.settings_dict["NAME"])),
        ("load", load_average()),
        (
            "Python",
            f"{platform.python_version()}, Django {django.get_version()}, "
            f"DRF {rest_framework.VERSION}",
        ),
    ]


def load_average() -> str:
    """Other work on the machine skews timings; say how much there was."""
    one, five, _fifteen = os.getloadavg()
    return f"{one:.1f} (1 min), {five:.1f} (5 min) on {os.cpu_count()} CPUs"


def vacuum_analyze(*tables: str) -> None:
    """Clears dead rows left by a reset so the next measurement starts from a clean table.
    Runs outside a transaction (VACUUM refuses to run inside one)."""
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"VACUUM ANALYZE {connection.ops.quote_name(table)}")


def checkpoint() -> bool:
    """Flushes dirty pages now, so that one measurement does not pay for the writes of the
    one before; False when the role may not (CHECKPOINT needs superuser or pg_checkpoint)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("CHECKPOINT")
    except DatabaseError:
        return False
    return True


def time_interleaved(
    calls: dict[str, Callable[[], Any]], *, repeat: int, warmup: int
) -> dict[str, list[float]]:
    """Seconds taken by each of ``repeat`` rounds of every call, after ``warmup`` untimed
    rounds. Rounds take the calls in turn, so a burst of load elsewhere on the machine weighs
    on all of them alike rather than on whichever ran at the time."""
    for _ in range(warmup):
        for call in calls.values():
            call()
    timings: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(repeat):
        for name, call in calls.items():
            started = time.perf_counter()
            call()
            timings[name].append(time.perf_counter() - started)
    return timings


def median_ms(timings: Sequence[float]) -> float:
    return statistics.median(timings) * 1000


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A plain-text table, first column left-aligned and the others right-aligned."""
    widths = [max(len(str(row[i])) for row in [headers, *rows]) for i in range(len(headers))]

    def line(cells: Sequence[str]) -> str:
        parts = [
            str(cell).ljust(width) if i == 0 else str(cell).rjust(width)
            for i, (cell, width) in enumerate(zip(cells, widths, strict=True))
        ]
        return "| " + " | ".join(parts) + " |"

    rule = "|" + "|".join("-" * (width + 2) for width in widths) + "|"
    return "\n".join([line(headers), rule, *(line(row) for row in rows)])


def _copy_text(value: object) -> str:
    if value is None:
        return "\\N"
    text = str(value)
    if any(char in text for char in "\\\t\n\r"):
        text = (
            text.replace("\\", "\\\\")
            .replace("\t", "\\t")
            .replace("\n", "\\n")
            .replace("\r", "\\r")
        )
    return text


def copy_buffer(rows: Sequence[Sequence[object]]) -> io.StringIO:
    """Rows in COPY's text format (None is NULL), ready for ``copy_into``."""
    buffer = io.StringIO()
    buffer.writelines("\t".join(map(_copy_text, row)) + "\n" for row in rows)
    buffer.seek(0)
    return buffer


def copy_into(cursor: Any, table: str, columns: Sequence[str], buffer: io.StringIO) -> None:
    """``COPY table (columns) FROM STDIN`` through psycopg2, on a Django cursor."""
    quote = connection.ops.quote_name
    buffer.seek(0)
    cursor.copy_expert(f"COPY {quote(table)} ({', '.join(map(quote, columns))}) FROM STDIN", buffer)


# --- The summary of a `make bench` run -----------------------------------------------------------
# Every bench command records its headline figures here; `manage.py bench_summary` prints them
# all, each beside its floor, the ratio and the target, at the end of one `make bench` run.

RESULTS_ENV = "SRM_BENCH_RESULTS"


def results_path() -> Path:
    """Where this run's figures go: ``$SRM_BENCH_RESULTS``, else ``var/bench-results.jsonl``."""
    return Path(
        os.environ.get(RESULTS_ENV) or Path(settings.BASE_DIR) / "var" / "bench-results.jsonl"
    )


@dataclass(frozen=True)
class Figure:
    """One headline figure: what was measured (``unit``: "ms", "rows/s", "s", "KB"…), its floor
    (the same work done by hand-written SQL or the bare tool, None where there is none) and the
    target, read as ``measured <= target`` (``ratio_target`` as measured/floor <= it) or, for
    rates, ``measured >= target`` when ``higher_is_better``."""

    section: str
    name: str
    measured: float
    unit: str
    floor: float | None = None
    target: float | None = None
    ratio_target: float | None = None
    higher_is_better: bool = False
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if self.floor in (None, 0) or self.measured == 0:
            return None
        # For rates the share of the floor (0.55 = 55 %); for times how many times the floor.
        return self.measured / self.floor

    @property
    def met(self) -> bool | None:
        checks: list[bool] = []
        if self.target is not None:
            checks.append(
                self.measured >= self.target
                if self.higher_is_better
                else self.measured <= self.target
            )
        if self.ratio_target is not None and self.ratio is not None:
            checks.append(
                self.ratio >= self.ratio_target
                if self.higher_is_better
                else self.ratio <= self.ratio_target
            )
        return all(checks) if checks else None


def record(figure: Figure) -> Figure:
    """Appends ``figure`` to this run's results (``results_path()``) and returns it."""
    path = results_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as out:
        out.write(json.dumps({**asdict(figure), "load": load_average()}) + "\n")
    return figure


def recorded() -> list[Figure]:
    path = results_path()
    if not path.exists():
        return []
    figures = []
    for line in path.read_text(encoding="utf-8").splitlines():
        entry = json.loads(line)
        entry.pop("load", None)
        figures.append(Figure(**entry))
    return figures


def clear_recorded() -> None:
    results_path().unlink(missing_ok=True)
