from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from accounts.demo import DEMO_USERS
from accounts.models import User
from accounts.roles import Role, roles_of
from tests.demo_snapshot import DemoSnapshot, table_counts

pytestmark = pytest.mark.django_db


def test_seed_demo_creates_one_user_per_role(demo_data: DemoSnapshot) -> None:
    users = {user.username: user for user in User.objects.all()}
    assert set(users) >= {"procurement", "account", "executive", "integration", "admin"}
    assert {role for user in users.values() for role in roles_of(user)} == set(Role)
    assert users["account"].manager == users["procurement"]
    assert users["admin"].is_staff
    assert all(users[username].check_password("demo") for username, *_rest in DEMO_USERS)


def test_seed_demo_is_safe_to_run_again(demo_data: DemoSnapshot, settings: object) -> None:
    settings.DEBUG = True  # type: ignore[attr-defined]
    count = User.objects.count()
    out = StringIO()

    call_command("seed_demo", stdout=out)

    assert User.objects.count() == count
    assert "created" not in out.getvalue()


def test_seed_demo_is_refused_in_production(settings: object) -> None:
    settings.DEBUG = False  # type: ignore[attr-defined]

    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo")
    assert not User.objects.exists()


def test_seed_demo_runs_in_production_when_forced(
    settings: object, demo_data: DemoSnapshot
) -> None:
    """Forced, it runs (the demo snapshot itself is a forced seeding of an empty database,
    tests/demo_snapshot.py) and, run again, changes nothing."""
    settings.DEBUG = False  # type: ignore[attr-defined]

    call_command("seed_demo", "--force", stdout=StringIO())

    assert User.objects.filter(username__in=[u[0] for u in DEMO_USERS]).count() == len(DEMO_USERS)
    assert table_counts() == demo_data.counts


def test_demo_procurement_manager_signs_in(client: Client, demo_data: DemoSnapshot) -> None:
    response = client.post(
        reverse("accounts:login"), {"username": "procurement", "password": "demo"}
    )

    assert response.status_code == 302
