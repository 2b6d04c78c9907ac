from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from meetings import selectors
from tests.factories import (
    CommitmentFactory,
    ContactFactory,
    MeetingFactory,
    OwnershipFactory,
    SupplierFactory,
)

pytestmark = pytest.mark.django_db


def days_ago(days: int):  # type: ignore[no-untyped-def]
    return timezone.now() - timedelta(days=days)


def test_my_commitments_are_mine_and_those_my_suppliers_made_overdue_first(
    make_user: Callable[..., User],
) -> None:
    alice = make_user(Role.ACCOUNT_MANAGER, username="alice")
    bob = make_user(Role.ACCOUNT_MANAGER, username="bob")
    mine = SupplierFactory()
    OwnershipFactory(supplier=mine, user=alice, role="owner")
    today = timezone.localdate()
    later = CommitmentFactory(owner_user=alice, due_date=today + timedelta(days=5))
    overdue = CommitmentFactory(owner_user=alice, due_date=today - timedelta(days=2))
    theirs = CommitmentFactory(
        supplier=mine,
        side="theirs",
        owner_user=None,
        owner_contact=ContactFactory(supplier=mine),
        created_by=alice,
        due_date=today + timedelta(days=1),
    )
    CommitmentFactory(owner_user=bob)
    CommitmentFactory(owner_user=alice, status="done", completed_at=timezone.now())

    assert list(selectors.commitment_list_mine(user=alice)) == [overdue, theirs, later]


def test_engagement_is_measured_against_the_segment_policy() -> None:
    strategic = SupplierFactory(segment="strategic")
    MeetingFactory(supplier=strategic, kind="video_call", starts_at=days_ago(10))
    MeetingFactory(supplier=strategic, kind="in_person", starts_at=days_ago(120))

    engagement = selectors.supplier_engagement(supplier=strategic)

    assert (engagement.days_since_met, engagement.days_since_in_person) == (10, 120)
    assert (engagement.policy_days, engagement.policy_in_person_days) == (30, 90)
    assert not engagement.contact_overdue
    assert engagement.in_person_overdue


def test_overdue_for_contact_lists_unmet_and_long_unmet_suppliers(
    procurement_manager: User, account_manager: User
) -> None:
    never = SupplierFactory(segment="leverage", name="Never met")
    stale = SupplierFactory(segment="strategic", name="Stale")
    MeetingFactory(supplier=stale, kind="in_person", starts_at=days_ago(45))
    fresh = SupplierFactory(segment="strategic", name="Fresh")
    MeetingFactory(supplier=fresh, kind="in_person", starts_at=days_ago(3))
    routine = SupplierFactory(segment="routine", name="Routine")
    MeetingFactory(supplier=routine, kind="phone_call", starts_at=days_ago(100))
    OwnershipFactory(supplier=stale, user=account_manager, role="owner")

    overdue = selectors.supplier_list_overdue_for_contact(user=procurement_manager)

    assert list(overdue) == [never, stale]
    assert list(
        selectors.supplier_list_overdue_for_contact(user=procurement_manager, owner=account_manager)
    ) == [stale]
    assert list(
        selectors.supplier_list_overdue_for_contact(user=procurement_manager, segment="leverage")
    ) == [never]


def test_relationship_map_counts_who_met_whom(make_user: Callable[..., User]) -> None:
    alice = make_user(Role.ACCOUNT_MANAGER, username="alice")
    bob = make_user(Role.ACCOUNT_MANAGER, username="bob")
    supplier = SupplierFactory()
    lan, minh = ContactFactory(supplier=supplier), ContactFactory(supplier=supplier)
    MeetingFactory(
        supplier=supplier, our_attendees=[alice], their_attendees=[lan], starts_at=days_ago(30)
    )
    MeetingFactory(
        supplier=supplier,
        our_attendees=[alice, bob],
        their_attendees=[lan, minh],
        starts_at=days_ago(5),
    )

    known = {(a.user, a.contact): a.meetings for a in selectors.relationship_map(supplier=supplier)}

    assert known == {(alice, lan): 2, (alice, minh): 1, (bob, lan): 1, (bob, minh): 1}


def test_single_threaded_key_suppliers(
    procurement_manager: User, make_user: Callable[..., User]
) -> None:
    alice = make_user(Role.ACCOUNT_MANAGER, username="alice")
    bob = make_user(Role.ACCOUNT_MANAGER, username="bob")
    one_person = SupplierFactory(segment="strategic", name="One person")
    MeetingFactory(supplier=one_person, our_attendees=[alice], starts_at=days_ago(20))
    MeetingFactory(supplier=one_person, our_attendees=[bob], starts_at=days_ago(400))
    two_people = SupplierFactory(segment="leverage", name="Two people")
    MeetingFactory(supplier=two_people, our_attendees=[alice, bob], starts_at=days_ago(20))
    nobody = SupplierFactory(segment="leverage", name="Nobody")
    SupplierFactory(segment="routine", name="Routine")

    found = list(selectors.supplier_list_single_threaded(user=procurement_manager))

    assert found == [nobody, one_person]
    assert selectors.is_single_threaded(supplier=one_person)
    assert not selectors.is_single_threaded(supplier=two_people)
