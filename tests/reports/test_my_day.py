"""My day: an account manager's suppliers by health and what waits for them, theirs only."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import Q
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from meetings.models import Commitment, EngagementPolicy
from reports.selectors import my_day
from tests.factories import CommitmentFactory, ContactFactory, OwnershipFactory, SupplierFactory
from tests.reports.fixtures import contract, escalation, hand_computed_supplier, review

pytestmark = pytest.mark.django_db
MY_DAY = reverse("reports:my_day")


def test_my_day_holds_my_suppliers_and_what_waits_for_me(
    account_manager: User, make_user: Callable[..., User], procurement_manager: User
) -> None:
    today = timezone.localdate()
    bob = make_user(Role.ACCOUNT_MANAGER, username="bob")
    mekong = hand_computed_supplier(account_manager)
    # Routine with no engagement policy, whatever a migration or an earlier test left: 70.
    EngagementPolicy.objects.update_or_create(
        segment="routine",
        defaults={"max_days_between_meetings": None, "max_days_between_in_person": None},
    )
    healthy = SupplierFactory(name="Healthy", segment="routine")
    OwnershipFactory(supplier=healthy, user=account_manager)
    bobs = SupplierFactory(name="Bob's")
    OwnershipFactory(supplier=bobs, user=bob)
    CommitmentFactory(supplier=bobs, owner_user=bob, due_date=today - timedelta(days=3))
    # Mine: one I owe (at bob's supplier), one mekong owes us.
    CommitmentFactory(supplier=bobs, owner_user=account_manager, due_date=today - timedelta(1))
    CommitmentFactory(
        supplier=mekong,
        side="theirs",
        owner_user=None,
        owner_contact=ContactFactory(supplier=mekong),
        created_by=account_manager,
        due_date=today - timedelta(days=2),
    )
    escalation(bobs)
    contract(bobs, bob, end_date=today + timedelta(days=40))
    review(
        mekong,
        today - timedelta(days=10),
        "0",
        None,
        status="scheduled",
        overall_score=None,
        submitted_at=None,
        owner=account_manager,
        due_date=today - timedelta(days=1),
    )

    day = my_day(user=account_manager)

    assert [supplier.name for supplier in day.suppliers] == ["Mekong Textiles", "Healthy"]
    # Mekong's own open past-due ones are owed by other people of ours: not mine.
    assert {c.description for c in day.commitments} == {
        c.description
        for c in Commitment.objects.filter(due_date__lt=today).filter(
            Q(owner_user=account_manager) | Q(side="theirs", supplier=mekong)
        )
    }
    assert day.commitments_count == 2
    assert {e.supplier for e in day.escalations} == {mekong}
    assert len(day.escalations) == 2
    assert [c.supplier for c in day.contracts] == [mekong]  # notice in 70 days
    assert [r.supplier for r in day.reviews] == [mekong] and day.reviews_overdue == 1


def test_my_day_page_shows_health_and_the_weakest_part(
    client: Client, account_manager: User
) -> None:
    hand_computed_supplier(account_manager)
    # Mine, at a supplier I do not own (so mekong's health stays as computed).
    CommitmentFactory(owner_user=account_manager, due_date=timezone.localdate() - timedelta(1))
    client.force_login(account_manager)

    page = client.get(MY_DAY).text

    assert 'title="Health: Fair">64<' in page
    assert "Meetings: Last met 30 days ago" in page  # 10 of 20 lost, the first such part
    assert "1 overdue commitment<" in page


def test_my_day_query_count_does_not_grow(client: Client, account_manager: User) -> None:
    client.force_login(account_manager)
    hand_computed_supplier(account_manager)
    with CaptureQueriesContext(connection) as small:
        client.get(MY_DAY)
    for _ in range(8):
        hand_computed_supplier(account_manager)
    with CaptureQueriesContext(connection) as large:
        client.get(MY_DAY)

    assert len(small) == len(large)
