"""The demo data, seeded once per test session and restored in a fraction of a second.

``seed_demo`` takes about 15 seconds (tens of thousands of queries, most of them the reviews'
six quarters of scores). Tests that only read the demo data, or seed once more to check that a
second run changes nothing, get it through the ``demo_data`` fixture instead: the first such
test of a session runs the real ``seed_demo`` in a transaction, copies every table out with
``COPY ... TO`` and rolls back; every test that asks for it then gets exactly that state back
(``TRUNCATE`` and ``COPY ... FROM`` inside the test's own transaction, so the test's rollback
or flush removes it again and tests that do not ask for it never see it).

Every table is copied, content types and groups included, so the rows keep the ids they refer
to even after a transactional test has flushed the database and Django has created the content
types again under new ids. The copy is written to a file that the pytest-xdist workers of one
run share, so that only the first of them seeds.
"""

from __future__ import annotations

import fcntl
import io
import pickle
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from io import StringIO
from pathlib import Path

import time_machine
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection, transaction
from django.test import override_settings

from accounts.models import User

# The tests' password hasher (tests/conftest.py): the demo users' hashes are made with it.
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Left alone: the record of applied migrations is the same with and without the demo.
KEPT_TABLES = frozenset({"django_migrations"})


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


def _tables() -> list[str]:
    with connection.cursor() as cursor:
        names = connection.introspection.table_names(cursor, include_views=False)
    return sorted(name for name in names if name not in KEPT_TABLES)


def table_counts() -> dict[str, int]:
    """Rows per table, for every table the snapshot covers."""
    counts = {}
    with connection.cursor() as cursor:
        for table in _tables():
            cursor.execute(f"SELECT count(*) FROM {_quote(table)}")  # noqa: S608 - our own names
            counts[table] = cursor.fetchone()[0]
    return counts


@dataclass(frozen=True)
class DemoSnapshot:
    """Every table's rows (COPY text format) and every sequence's value after ``seed_demo``."""

    tables: dict[str, bytes]
    sequences: dict[str, int]
    counts: dict[str, int]

    @classmethod
    def take(cls) -> DemoSnapshot:
        """Seeds the demo with the real command, copies it out, and rolls the seeding back."""
        from srm.celery import app

        if table_counts()[User._meta.db_table]:
            raise RuntimeError("the demo snapshot is taken on an empty database only")
        if time_machine.escape_hatch.is_travelling():
            raise RuntimeError("the demo snapshot is taken on the real day, not in time travel")
        eager = app.conf.task_always_eager
        app.conf.task_always_eager = True  # nothing may reach a broker, as in every test
        try:
            with override_settings(PASSWORD_HASHERS=FAST_HASHERS), transaction.atomic():
                call_command("seed_demo", "--force", stdout=StringIO())
                snapshot = cls(tables=_copy_out(), sequences=_sequences(), counts=table_counts())
                transaction.set_rollback(True)
        finally:
            app.conf.task_always_eager = eager
        ContentType.objects.clear_cache()
        return snapshot

    def restore(self) -> None:
        """Replaces the content of every table with the snapshot's, in the current transaction
        (a savepoint in an ordinary test, a transaction of its own in a transactional one)."""
        tables = _tables()
        if set(tables) != set(self.tables):
            raise RuntimeError("the demo snapshot was taken on a database with other tables")
        ContentType.objects.clear_cache()
        with transaction.atomic(), connection.cursor() as cursor:
            # The rows passed their constraints and triggers when seed_demo wrote them; replica
            # mode skips the triggers (foreign keys, the audit trail) while they are copied in.
            # Checks deferred by the test's earlier writes would block TRUNCATE: run them now.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET LOCAL session_replication_role = replica")
            cursor.execute(f"TRUNCATE {', '.join(_quote(table) for table in tables)}")
            for table, rows in self.tables.items():
                if rows:
                    cursor.copy_expert(f"COPY {_quote(table)} FROM STDIN", io.BytesIO(rows))
            cursor.execute("SET LOCAL session_replication_role = origin")
            # Back to the test's default: every deferrable constraint here is initially deferred.
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            for sequence, value in self.sequences.items():
                # Only ever forward: setval is not rolled back with the test, and a sequence
                # behind rows that outlive the test would hand out their ids again.
                cursor.execute(
                    f"SELECT setval(%s, GREATEST(%s, (SELECT last_value FROM {_quote(sequence)})))",  # noqa: S608
                    [sequence, value],
                )


def _copy_out() -> dict[str, bytes]:
    tables = {}
    with connection.cursor() as cursor:
        for table in _tables():
            buffer = io.BytesIO()
            cursor.copy_expert(f"COPY {_quote(table)} TO STDOUT", buffer)
            tables[table] = buffer.getvalue()
    return tables


def _sequences() -> dict[str, int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT sequencename, last_value FROM pg_sequences "
            "WHERE schemaname = current_schema() AND last_value IS NOT NULL"
        )
        return dict(cursor.fetchall())


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    with path.with_suffix(".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def shared_snapshot(path: Path) -> DemoSnapshot:
    """The run's snapshot from ``path``; the first worker to get here takes it and writes it."""
    with _locked(path):
        if path.exists():
            snapshot: DemoSnapshot = pickle.loads(path.read_bytes())  # noqa: S301 - our own file
            return snapshot
        snapshot = DemoSnapshot.take()
        path.write_bytes(pickle.dumps(snapshot))
        return snapshot
