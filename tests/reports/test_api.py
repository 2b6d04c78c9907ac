"""/api/v1/reports/: the dashboard's figures with the page's filters and role rules."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from accounts.models import User
from accounts.roles import Role
from tests.factories import OwnershipFactory, SupplierFactory
from tests.reports.fixtures import hand_computed_supplier

pytestmark = pytest.mark.django_db
BASE = "/api/v1/reports/"


def test_dashboard_endpoint_returns_every_panel(
    api_client: APIClient, integration: User, account_manager: User
) -> None:
    hand_computed_supplier(account_manager)
    SupplierFactory(segment="routine", annual_spend=5000)
    api_client.force_authenticate(integration)

    data = api_client.get(BASE + "dashboard/").json()

    assert data["scope"]["whole_portfolio"] is False  # integration sees no confidential figures
    assert data["scope"]["currency"] == "EUR"
    assert set(data) == {
        "scope",
        "portfolio",
        "performance",
        "contracts",
        "relationship",
        "escalations",
    }


def test_figures_follow_the_role_rules(
    api_client: APIClient, executive: User, account_manager: User, make_user: Callable[..., User]
) -> None:
    bob = make_user(Role.ACCOUNT_MANAGER, username="bob")
    mekong = hand_computed_supplier(account_manager)
    OwnershipFactory(supplier=SupplierFactory(segment="routine"), user=bob)

    def total(user: User) -> int:
        api_client.force_authenticate(user)
        cells = api_client.get(BASE + "portfolio/").json()["by_segment_and_status"]
        return sum(cell["count"] for cell in cells)

    assert (total(executive), total(account_manager), total(bob)) == (2, 1, 1)
    api_client.force_authenticate(account_manager)
    performance = api_client.get(BASE + "performance/").json()
    assert performance["moved_down"][0]["id"] == mekong.pk
    assert performance["moved_down_count"] == 1
    api_client.force_authenticate(bob)
    assert api_client.get(BASE + "performance/").json()["moved_down"] == []


def test_panels_take_the_dashboard_filters(
    api_client: APIClient, executive: User, account_manager: User
) -> None:
    hand_computed_supplier(account_manager)
    SupplierFactory(segment="routine", annual_spend=5000)
    api_client.force_authenticate(executive)

    routine = api_client.get(BASE + "contracts/?segment=routine").json()
    everyone = api_client.get(BASE + "contracts/").json()
    escalations = api_client.get(BASE + "escalations/?segment=strategic&period=90").json()

    assert routine["total_spend"] == "5000.00" and routine["active"] == 0
    assert everyone["active"] == 1 and everyone["value_under_contract"] == "1000.00"
    assert escalations["by_level"][0] == {
        "level": 1,
        "open": 2,
        "older_than_7": 0,
        "older_than_30": 0,
    }


@pytest.mark.parametrize(
    "query", ["segment=favourite", "period=12", "owner=999999", "category=abc"]
)
def test_bad_filters_are_refused_with_the_field(
    api_client: APIClient, executive: User, query: str
) -> None:
    api_client.force_authenticate(executive)

    response = api_client.get(f"{BASE}dashboard/?{query}")

    assert response.status_code == 400
    assert query.split("=")[0] in response.json()["error"]["fields"]


def test_reports_need_the_api_and_the_portfolio(
    api_client: APIClient, make_user: Callable[..., User]
) -> None:
    assert api_client.get(BASE + "dashboard/").status_code in (401, 403)
    api_client.force_authenticate(make_user(username="nobody"))
    assert api_client.get(BASE + "dashboard/").status_code == 403


def test_dashboard_endpoint_query_count_does_not_grow(
    api_client: APIClient, executive: User, account_manager: User
) -> None:
    api_client.force_authenticate(executive)
    hand_computed_supplier(account_manager)
    api_client.get(BASE + "dashboard/")  # warm up: first-request caches are not suppliers
    with CaptureQueriesContext(connection) as small:
        api_client.get(BASE + "dashboard/")
    for _ in range(10):
        hand_computed_supplier(account_manager)
    with CaptureQueriesContext(connection) as large:
        api_client.get(BASE + "dashboard/")

    assert len(small) == len(large)
