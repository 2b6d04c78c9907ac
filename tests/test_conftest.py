"""The suite's own machinery (tests/conftest.py): the demo data seeded once and restored per
test, and the slow markers given by where a test lives."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable

import pytest
from django.conf import settings
from django.contrib.contenttypes.models import ContentType

from accounts.models import User
from accounts.roles import Role, roles_of
from escalations.models import Escalation
from suppliers.models import Supplier
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


def _collected(marker_expression: str, *paths: str) -> set[str]:
    """The files pytest selects with ``-m marker_expression`` among ``paths``."""
    result = subprocess.run(  # noqa: S603 - our own interpreter and arguments
        [
            *(sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"),
            *("-m", marker_expression, *paths),
        ],
        cwd=settings.BASE_DIR,
        env=os.environ,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode in {0, 5}, result.stdout + result.stderr  # 5: none selected
    return {line.split("::")[0] for line in result.stdout.splitlines() if "::" in line}


SOME_SLOW_AND_FAST = (
    "tests/e2e/test_sign_in.py",
    "tests/integration/test_scan.py",
    "tests/suppliers/test_bench.py",
    "tests/core/test_config.py",
)


def test_slow_markers_follow_where_a_test_lives() -> None:
    slow = {"tests/e2e/test_sign_in.py", "tests/integration/test_scan.py"}
    slow |= {"tests/suppliers/test_bench.py"}
    assert _collected("browser or integration or bench", *SOME_SLOW_AND_FAST) == slow
    fast = "not (browser or integration or bench)"  # make test-fast
    assert _collected(fast, *SOME_SLOW_AND_FAST) == {"tests/core/test_config.py"}
