"""Shared fixtures. Tests run on PostgreSQL (DATABASE_URL, else the embedded server)."""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from django.conf import settings
from django.contrib.auth.models import Group
from django.utils import translation
from rest_framework.test import APIClient

from accounts.models import User
from accounts.roles import Role
from tests.demo_snapshot import FAST_HASHERS, DemoSnapshot, shared_snapshot
from tests.factories import UserFactory

IN_CI = os.environ.get("CI", "").lower() == "true"
TESTS = Path(__file__).resolve().parent

# The slow markers, given by where a test lives; `make test-fast` deselects them.
SLOW_MARKERS = {
    "browser": lambda path: TESTS / "e2e" in path.parents,
    "integration": lambda path: TESTS / "integration" in path.parents,
    "bench": lambda path: path.name == "test_bench.py",
}
# Tests of one group run on one pytest-xdist worker (--dist=loadgroup), one after another: the
# browser tests share that worker's Chromium, and the integration tests, which time real
# processes against each other, are not slowed by a second one of their kind on the other core.
XDIST_GROUPS = {"browser": "browser", "integration": "integration"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        path = Path(item.path)
        for marker, applies in SLOW_MARKERS.items():
            if applies(path):
                item.add_marker(marker)
                if marker in XDIST_GROUPS:
                    item.add_marker(pytest.mark.xdist_group(XDIST_GROUPS[marker]))


def require_service(reason: str) -> None:
    """Skips a test whose service is missing, except under CI, where that is a failure."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: every service must be present)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture
def redis_url() -> str:
    """A reachable Redis from REDIS_URL; skips (or fails under CI) when there is none."""
    url = os.environ.get("REDIS_URL", "")
    if not url:
        require_service("needs Redis: set REDIS_URL (e.g. redis://127.0.0.1:6379/0)")
    client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
    try:
        client.ping()
    except redis.RedisError as error:
        require_service(f"needs Redis at REDIS_URL, which does not answer: {error}")
    finally:
        client.close()
    return url


@pytest.fixture
def make_user(db: None) -> Callable[..., User]:
    """Creates a user with the given roles: make_user(Role.ACCOUNT_MANAGER, username="alice")."""

    def make(*roles: Role, **fields: object) -> User:
        user: User = UserFactory(**fields)
        # get_or_create: a transactional test before this one may have flushed the groups.
        user.groups.add(*(Group.objects.get_or_create(name=role.value)[0] for role in roles))
        return user

    return make


@pytest.fixture
def procurement_manager(make_user: Callable[..., User]) -> User:
    return make_user(Role.PROCUREMENT_MANAGER, username="procurement")


@pytest.fixture
def account_manager(make_user: Callable[..., User]) -> User:
    return make_user(Role.ACCOUNT_MANAGER, username="alice")


@pytest.fixture
def executive(make_user: Callable[..., User]) -> User:
    return make_user(Role.EXECUTIVE, username="executive")


@pytest.fixture
def integration(make_user: Callable[..., User]) -> User:
    return make_user(Role.INTEGRATION, username="erp")


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture(autouse=True)
def _test_settings(settings: Any) -> None:
    """Pages find their static files without a collectstatic run; the hashed, compressed
    production pipeline has a test of its own (tests/core/test_static.py). WhiteNoise looks a
    file up when it is asked for (autorefresh) instead of listing every static file of every
    app each time a test client builds its middleware: that listing was a third of an API
    test's time. Passwords hash fast: the production hasher is slow on purpose."""
    settings.PASSWORD_HASHERS = FAST_HASHERS
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.STATIC_ROOT = None
    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = True


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    """Each test starts, and leaves, in the default language: a request in another language
    (Accept-Language, a user's preference) leaves it active in the thread after the response,
    and the next test on that worker would read German."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _eager_celery() -> Iterator[None]:
    """Tasks run in the test's own process and transaction; tests of the broker itself turn
    this off (tests/core/test_celery.py)."""
    from srm.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


# The rows the data migrations seed (roles, default engagement policies, the standard scorecard
# template and review policies), as (migration module, function).
SEEDING_MIGRATIONS = (
    ("accounts.migrations.0002_roles", "create_roles"),
    ("meetings.migrations.0002_default_engagement_policies", "create_policies"),
    ("reviews.migrations.0002_default_template_and_policies", "create_defaults"),
)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: Any) -> None:
    """pytest-django's test database, with the data migrations' rows put back: a transactional
    test ends by emptying every table, so a database kept from the last run (--reuse-db) would
    start this one without them. Each seeding function is idempotent (get_or_create)."""
    from django.apps import apps

    with django_db_blocker.unblock():
        for module, function in SEEDING_MIGRATIONS:
            getattr(importlib.import_module(module), function)(apps, None)


@pytest.fixture(scope="session")
def demo_snapshot(
    request: pytest.FixtureRequest,
    django_db_setup: None,
    django_db_blocker: Any,
    tmp_path_factory: pytest.TempPathFactory,
) -> DemoSnapshot:
    """``seed_demo``'s data, seeded once per run (tests/demo_snapshot.py): by this process, or
    under pytest-xdist by the first worker that needs it, for all of them."""
    workerinput = getattr(request.config, "workerinput", None)
    with django_db_blocker.unblock():
        if workerinput is None:
            return DemoSnapshot.take()
        shared = tmp_path_factory.getbasetemp().parent / f"demo-{workerinput['testrunuid']}.pickle"
        return shared_snapshot(shared)


@pytest.fixture
def demo_data(demo_snapshot: DemoSnapshot, db: None) -> DemoSnapshot:
    """The database as ``seed_demo`` leaves it, for this test only. Ask for it before any
    fixture that writes (it replaces every table's rows); in a transactional test it is
    committed, and flushed afterwards like the test's own rows. It is seeded on the real day,
    before any fixture of the test travels in time."""
    if User.objects.exists():
        raise pytest.UsageError(
            "demo_data replaces every row: request it before fixtures that create users"
        )
    demo_snapshot.restore()
    return demo_snapshot


def pytest_report_header() -> list[str]:
    database = settings.DATABASES["default"]
    where = database.get("HOST") or "embedded server under var/postgres"
    return [f"srm: PostgreSQL at {where}; Redis: {os.environ.get('REDIS_URL') or 'not set'}"]
