"""``bench_notifications`` on a few rows in the test database, with the test's own Redis: it
drains them through a real worker, prints its table, and cleans up after itself."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from notifications.models import Notification
from notifications.testing import database_url
from srm.config import parse_database_url
from tests.integration.conftest import RedisServer


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_bench_notifications_drains_every_row_once_and_cleans_up(
    redis_server: RedisServer, live_database: str, settings: object
) -> None:
    settings.REDIS_URL = redis_server.url  # type: ignore[attr-defined]
    out = StringIO()

    call_command("bench_notifications", "--count", "40", "--in-place", stdout=out)

    text = out.getvalue()
    assert "| notifications sent                 |    40 |" in text
    assert "| duplicates                         |     0 |" in text
    assert "| losses (unsent or failed)          |     0 |" in text
    assert "Duplicates 0, losses 0" in text
    assert not Notification.objects.exists()


def test_bench_notifications_says_it_needs_redis(settings: object) -> None:
    settings.REDIS_URL = None  # type: ignore[attr-defined]

    with pytest.raises(CommandError, match="needs Redis: set REDIS_URL"):
        call_command("bench_notifications", "--count", "5", "--in-place", stdout=StringIO())


class _Connection:
    def __init__(self, **params: object) -> None:
        self.params = params

    def get_connection_params(self) -> dict[str, object]:
        return self.params


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        (
            {"dbname": "test_srm", "user": "srm", "password": "p@ss/w", "host": "db", "port": 5432},
            {"NAME": "test_srm", "USER": "srm", "PASSWORD": "p@ss/w", "HOST": "db", "PORT": 5432},
        ),
        (  # the embedded server: a socket directory, no password
            {"dbname": "srm_bench", "user": "postgres", "host": "/work/var/postgres"},
            {"NAME": "srm_bench", "USER": "postgres", "HOST": "/work/var/postgres"},
        ),
    ],
)
def test_database_url_names_the_same_database_for_another_process(
    params: dict[str, object], expected: dict[str, object]
) -> None:
    parsed = parse_database_url(database_url(_Connection(**params)))  # type: ignore[arg-type]

    assert {key: parsed[key] for key in expected} == expected
