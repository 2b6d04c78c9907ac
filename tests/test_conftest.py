"""The suite's own machinery (tests/conftest.py): the demo data seeded once and restored per
test, and the slow markers given by where a test lives."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.conf import settings
from django.contrib.contenttypes.models import ContentType

from accounts.models import User
from accounts.roles import Role, roles_of
from escalations.models import Escalation
from suppliers.models import Supplier
from tests import conftest
from tests.demo_snapshot import DemoSnapshot, table_counts


@pytest.mark.django_db
def test_demo_data_is_the_demo_and_refers_to_its_own_rows(demo_data: DemoSnapshot) -> None:
    assert table_counts() == demo_data.counts
    account = User.objects.get(username="account")
    assert roles_of(account) == {Role.ACCOUNT_MANAGER}
    assert account.check_password("demo")
    escalation = Escalation.objects.select_related("content_type").first()
    assert escalation is not None and escalation.subject is not None  # content types line up


@pytest.mark.django_db(transaction=True)
def test_demo_data_in_a_transactional_test_is_committed(demo_data: DemoSnapshot) -> None:
    assert Supplier.objects.count() == demo_data.counts["suppliers_supplier"] > 0
    # Flushed afterwards: Django then makes the content types again under new ids, which the
    # next test's demo_data must not trip over (the test after this one).


@pytest.mark.django_db
def test_demo_data_after_a_flush_still_resolves_its_generic_relations(
    demo_data: DemoSnapshot,
) -> None:
    for escalation in Escalation.objects.all():
        assert escalation.subject is not None
    assert ContentType.objects.get_for_model(Supplier).model == "supplier"


@pytest.mark.django_db
def test_a_test_without_demo_data_sees_none_of_it() -> None:
    """Runs after the demo tests above (in one process): nothing of theirs is left."""
    assert not User.objects.exists()
    assert not Supplier.objects.exists()


@pytest.mark.django_db
def test_demo_data_refuses_to_replace_rows_a_fixture_made(
    request: pytest.FixtureRequest, make_user: Callable[..., User]
) -> None:
    make_user(Role.EXECUTIVE, username="early")

    with pytest.raises(pytest.UsageError, match="before fixtures that create users"):
        request.getfixturevalue("demo_data")
    assert User.objects.filter(username="early").exists()


class _Item:
    """Enough of a pytest item for the marking hook: a path, and markers added to it."""

    def __init__(self, path: str) -> None:
        self.path = settings.BASE_DIR / path
        self.markers: set[str] = set()

    def add_marker(self, marker: str | pytest.MarkDecorator) -> None:
        self.markers.add(marker if isinstance(marker, str) else marker.name)


def test_slow_markers_follow_where_a_test_lives() -> None:
    """The hook marks a test by where it lives, so `make test-fast` (-m "not (browser or
    integration or bench or slow)") leaves out every browser, integration and bench test."""
    items = {
        path: _Item(path)
        for path in (
            "tests/e2e/test_sign_in.py",
            "tests/integration/test_scan.py",
            "tests/suppliers/test_bench.py",
            "tests/core/test_config.py",
        )
    }

    conftest.pytest_collection_modifyitems(list(items.values()))  # type: ignore[arg-type]

    marked = {path: item.markers - {"xdist_group"} for path, item in items.items()}
    assert marked == {
        "tests/e2e/test_sign_in.py": {"browser"},
        "tests/integration/test_scan.py": {"integration"},
        "tests/suppliers/test_bench.py": {"bench"},
        "tests/core/test_config.py": set(),
    }
    # The browser tests share one worker's Chromium; the integration tests time processes.
    assert "xdist_group" in items["tests/e2e/test_sign_in.py"].markers
    assert "xdist_group" in items["tests/integration/test_scan.py"].markers
