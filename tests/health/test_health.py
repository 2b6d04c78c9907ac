"""Supplier health: each part against a hand-computed supplier, the review part's
confidentiality, and health on the supplier page and in the supplier list."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role, roles_of
from health.selectors import health_of, supplier_health, with_health
from meetings.models import EngagementPolicy
from suppliers.models import Supplier
from tests.factories import SupplierFactory
from tests.reports.fixtures import contract, hand_computed_supplier, review

pytestmark = pytest.mark.django_db


def parts(health: object) -> dict[str, tuple[int, str]]:
    return {part.key: (part.points, part.why) for part in health.parts}  # type: ignore[attr-defined]


def test_health_of_the_hand_computed_supplier(account_manager: User) -> None:
    supplier = hand_computed_supplier(account_manager)
    roles_of(account_manager)  # read once per request, as pages do

    with CaptureQueriesContext(connection) as queries:
        health = supplier_health(user=account_manager, supplier=supplier)

    assert len(queries) == 1  # in the database, in one query
    found = parts(health)
    assert found["meetings"][0] == 10
    assert "Last met 30 days ago (policy: every 90 days)" in found["meetings"][1]
    assert "Never met in person" not in found["meetings"][1]  # 400 days ago, policy 180
    assert found["commitments"] == (
        10,
        "2 of 4 commitments due in the last year kept on time. 1 is still open past its due date.",
    )
    assert found["review"] == (
        14,
        "Standing Average, score 62.00. Down 18.00 on the review before.",
    )
    assert found["escalations"] == (10, "2 escalations not yet resolved.")
    assert found["contract"][0] == 20 and "(100 days)" in found["contract"][1]
    assert (health.score, health.band) == (64, "fair")


def test_a_new_supplier_without_anything_scores_its_neutral_parts(executive: User) -> None:
    EngagementPolicy.objects.filter(segment="routine").update(
        max_days_between_meetings=None, max_days_between_in_person=None
    )
    supplier = SupplierFactory(segment="routine")

    found = parts(supplier_health(user=executive, supplier=supplier))

    assert found["meetings"] == (20, "No engagement policy for this segment.")
    assert found["commitments"] == (20, "No commitment fell due in the last year.")
    assert found["review"] == (10, "No submitted review yet.")
    assert found["escalations"] == (20, "No open escalation.")
    assert found["contract"] == (0, "No active contract covers today.")


def test_contract_part_needs_an_active_contract_covering_today(
    executive: User, procurement_manager: User
) -> None:
    today = timezone.localdate()
    ended, draft, open_ended = SupplierFactory(), SupplierFactory(), SupplierFactory()
    contract(ended, procurement_manager, end_date=today - timedelta(days=1))
    contract(draft, procurement_manager, status="draft")
    contract(open_ended, procurement_manager, end_date=None)
    rows = {
        row.pk: health_of(row)
        for row in with_health(Supplier.objects.all(), user=executive)  # type: ignore[misc]
    }

    assert parts(rows[ended.pk])["contract"][0] == 0
    assert parts(rows[draft.pk])["contract"][0] == 0
    assert parts(rows[open_ended.pk])["contract"] == (
        20,
        "Covered by an open-ended active contract.",
    )


def test_review_part_reads_only_reviews_the_reader_may_see(
    account_manager: User, make_user: Callable[..., User], executive: User
) -> None:
    bob = make_user(Role.ACCOUNT_MANAGER, username="bob")
    supplier = SupplierFactory()
    from tests.factories import OwnershipFactory

    OwnershipFactory(supplier=supplier, user=account_manager)
    review(supplier, timezone.localdate() - timedelta(days=30), "30.00", "very_poor")

    assert parts(supplier_health(user=account_manager, supplier=supplier))["review"][0] == 0
    assert parts(supplier_health(user=executive, supplier=supplier))["review"][0] == 0
    # Bob owns nothing here: the poor review is not his to see, so it does not show.
    assert parts(supplier_health(user=bob, supplier=supplier))["review"] == (
        10,
        "No submitted review yet.",
    )


def test_supplier_page_shows_health_with_each_reason(client: Client, account_manager: User) -> None:
    supplier = hand_computed_supplier(account_manager)
    client.force_login(account_manager)

    page = client.get(reverse("suppliers:supplier_detail", args=[supplier.pk])).text

    assert "64 of 100 · Fair" in page
    assert "2 of 4 commitments due in the last year kept on time." in page
    assert reverse("reports:export", args=["meetings", "csv"]) + f"?supplier={supplier.pk}" in page


def test_supplier_list_shows_each_rows_health(client: Client, account_manager: User) -> None:
    hand_computed_supplier(account_manager)
    client.force_login(account_manager)

    page = client.get(reverse("suppliers:supplier_list")).text
    mine = client.get(reverse("suppliers:supplier_mine")).text

    assert 'title="Health: Fair">64<' in page
    assert 'title="Health: Fair">64<' in mine


def test_health_in_the_list_costs_the_same_queries_for_5_and_50_suppliers(
    client: Client, executive: User, account_manager: User
) -> None:
    client.force_login(executive)
    for _ in range(5):
        hand_computed_supplier(account_manager)
    with CaptureQueriesContext(connection) as small:
        client.get(reverse("suppliers:supplier_list"))
    for _ in range(45):
        hand_computed_supplier(account_manager)
    with CaptureQueriesContext(connection) as large:
        client.get(reverse("suppliers:supplier_list"))

    assert len(small) == len(large)
