"""The escalation ladder: raising once, who answers at each level, climbing with the clock,
acknowledging, resolving, and who may do either."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F

from accounts.models import User
from accounts.roles import Role
from escalations.choices import EscalationReason, EscalationStatus, Severity, StepKind
from escalations.models import Escalation
from escalations.permissions import may_handle
from escalations.selectors import head_of_procurement, level_recipient
from escalations.services import (
    EscalationClosedError,
    escalation_acknowledge,
    escalation_climb_scan,
    escalation_raise,
    escalation_resolve,
    escalation_resolve_for,
)
from meetings.models import Commitment
from notifications.choices import NotificationKind
from notifications.models import Notification
from suppliers.models import Supplier
from tests.factories import CommitmentFactory, OwnershipFactory, SupplierFactory

pytestmark = pytest.mark.django_db
MONDAY = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
MEDIUM_WINDOW = timedelta(hours=72)


@dataclass
class Ladder:
    supplier: Supplier
    owner: User
    manager: User
    sponsor: User
    head: User
    commitment: Commitment


@pytest.fixture
def ladder(make_user: Callable[..., User]) -> Ladder:
    """A supplier whose owner alice reports to boss, with an executive sponsor, and a head of
    procurement at the top."""
    head = make_user(Role.PROCUREMENT_MANAGER, username="head")
    manager = make_user(Role.ACCOUNT_MANAGER, username="boss")
    owner = make_user(Role.ACCOUNT_MANAGER, username="alice", manager=manager)
    sponsor = make_user(Role.PROCUREMENT_MANAGER, username="sponsor", manager=head)
    supplier = SupplierFactory()
    OwnershipFactory(supplier=supplier, user=owner, role="owner")
    OwnershipFactory(supplier=supplier, user=sponsor, role="executive_sponsor")
    commitment = CommitmentFactory(supplier=supplier, owner_user=owner)
    return Ladder(supplier, owner, manager, sponsor, head, commitment)


@pytest.fixture
def clock() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(MONDAY, tick=False) as traveller:
        yield traveller


def _raise(ladder: Ladder, **fields: Any) -> Escalation:
    return escalation_raise(
        supplier=ladder.supplier,
        subject=fields.pop("subject", ladder.commitment),
        reason=fields.pop("reason", EscalationReason.OVERDUE_COMMITMENT),
        severity=fields.pop("severity", Severity.MEDIUM),
        summary="“Send the forecast” is 7 days overdue",
        **fields,
    )


def _steps(escalation: Escalation) -> list[tuple[str, int, str | None, str]]:
    return [
        (
            step.kind,
            step.level,
            step.recipient.username if step.recipient else None,
            step.shown_note,
        )
        for step in escalation.steps.select_related("recipient")
    ]


def _inbox(user: User) -> list[str]:
    return list(
        Notification.objects.filter(recipient=user, kind=NotificationKind.ESCALATION)
        .order_by("id")
        .values_list("title", flat=True)
    )


# --- Raising -----------------------------------------------------------------------------------


def test_raising_opens_level_one_and_notifies_the_owner(
    ladder: Ladder, clock: time_machine.Traveller
) -> None:
    escalation = _raise(ladder, by=ladder.owner)

    assert (escalation.level, escalation.status) == (1, EscalationStatus.OPEN)
    assert escalation.acknowledge_by == MONDAY + MEDIUM_WINDOW
    assert _steps(escalation) == [
        (StepKind.RAISED, 1, None, ""),
        (StepKind.NOTIFIED, 1, "alice", ""),
    ]
    assert escalation.steps.get(kind=StepKind.RAISED).actor == ladder.owner
    assert _inbox(ladder.owner) == [
        "Escalation for you (level 1): “Send the forecast” is 7 days overdue"
    ]
    assert _inbox(ladder.manager) == []


def test_the_acknowledge_window_follows_the_severity(
    ladder: Ladder, clock: time_machine.Traveller, settings: Any
) -> None:
    settings.ESCALATION_ACKNOWLEDGE_HOURS = {**settings.ESCALATION_ACKNOWLEDGE_HOURS, "high": 24}

    escalation = _raise(ladder, severity=Severity.HIGH)

    assert escalation.acknowledge_by == MONDAY + timedelta(hours=24)


def test_raising_again_returns_the_open_escalation(ladder: Ladder) -> None:
    first = _raise(ladder)

    again = _raise(ladder, severity=Severity.CRITICAL)

    assert again.pk == first.pk
    assert Escalation.objects.count() == 1
    assert len(_inbox(ladder.owner)) == 1


def test_an_acknowledged_escalation_is_still_the_open_one(ladder: Ladder) -> None:
    first = _raise(ladder)
    escalation_acknowledge(escalation=first, by=ladder.owner)

    assert _raise(ladder).pk == first.pk


def test_another_reason_for_the_same_object_is_another_escalation(ladder: Ladder) -> None:
    first = _raise(ladder)

    other = _raise(ladder, reason=EscalationReason.POOR_REVIEW)

    assert other.pk != first.pk


def test_after_it_is_resolved_the_problem_may_be_raised_again(ladder: Ladder) -> None:
    first = _raise(ladder)
    escalation_resolve(escalation=first, by=ladder.owner, note="Forecast sent")

    second = _raise(ladder)

    assert second.pk != first.pk
    assert (second.level, second.status) == (1, EscalationStatus.OPEN)


# --- Who answers at each level -----------------------------------------------------------------


def test_each_level_has_its_person(ladder: Ladder) -> None:
    people = [level_recipient(supplier=ladder.supplier, level=level) for level in (1, 2, 3)]

    assert people == [ladder.owner, ladder.manager, ladder.sponsor]


def test_the_head_of_procurement_stands_in_for_whoever_is_missing(
    make_user: Callable[..., User],
) -> None:
    head = make_user(Role.PROCUREMENT_MANAGER, username="head")
    lonely = SupplierFactory()
    no_manager = SupplierFactory()
    OwnershipFactory(supplier=no_manager, user=make_user(Role.ACCOUNT_MANAGER, username="solo"))

    assert [level_recipient(supplier=lonely, level=level) for level in (1, 2, 3)] == [head] * 3
    assert level_recipient(supplier=no_manager, level=2) == head
    assert level_recipient(supplier=no_manager, level=3) == head


def test_ended_ownerships_and_people_who_left_do_not_answer(
    ladder: Ladder, make_user: Callable[..., User]
) -> None:
    ladder.supplier.ownerships.filter(role="executive_sponsor").update(until=F("since"))
    ladder.manager.is_active = False
    ladder.manager.save()

    assert level_recipient(supplier=ladder.supplier, level=2) == ladder.head
    assert level_recipient(supplier=ladder.supplier, level=3) == ladder.head

    ladder.owner.is_active = False
    ladder.owner.save()
    assert level_recipient(supplier=ladder.supplier, level=1) == ladder.head


def test_the_head_of_procurement_is_the_setting_when_it_is_set(
    make_user: Callable[..., User], settings: Any
) -> None:
    make_user(Role.PROCUREMENT_MANAGER, username="first")
    chosen = make_user(Role.ACCOUNT_MANAGER, username="cpo")
    settings.HEAD_OF_PROCUREMENT = "cpo"

    assert head_of_procurement() == chosen


def test_a_head_of_procurement_setting_naming_nobody_falls_back(
    make_user: Callable[..., User], settings: Any
) -> None:
    first = make_user(Role.PROCUREMENT_MANAGER, username="first")
    settings.HEAD_OF_PROCUREMENT = "nobody"

    assert head_of_procurement() == first


def test_without_the_setting_it_is_a_procurement_manager_with_no_manager_above(
    make_user: Callable[..., User], settings: Any
) -> None:
    settings.HEAD_OF_PROCUREMENT = ""
    top = make_user(Role.PROCUREMENT_MANAGER, username="top")
    make_user(Role.PROCUREMENT_MANAGER, username="gone", is_active=False)
    make_user(Role.PROCUREMENT_MANAGER, username="middle", manager=top)
    make_user(Role.ACCOUNT_MANAGER, username="am")  # no manager, but not procurement

    assert head_of_procurement() == top


# --- Climbing ----------------------------------------------------------------------------------


def test_an_escalation_climbs_a_level_each_time_it_is_not_acknowledged_in_time(
    ladder: Ladder, clock: time_machine.Traveller
) -> None:
    escalation = _raise(ladder)

    clock.shift(MEDIUM_WINDOW - timedelta(minutes=1))
    assert escalation_climb_scan() == 0
    clock.shift(timedelta(minutes=1))
    assert escalation_climb_scan() == 1

    escalation.refresh_from_db()
    assert escalation.level == 2
    assert escalation.acknowledge_by == MONDAY + 2 * MEDIUM_WINDOW
    assert _steps(escalation)[2:] == [
        (StepKind.CLIMBED, 2, None, ""),
        (StepKind.NOTIFIED, 2, "boss", ""),
        (StepKind.NOTIFIED, 2, "alice", "copy"),
    ]
    assert _inbox(ladder.manager) == [
        "Escalation for you (level 2): “Send the forecast” is 7 days overdue"
    ]
    assert _inbox(ladder.owner)[-1] == (
        "Copy: escalation at level 2: “Send the forecast” is 7 days overdue"
    )

    clock.shift(MEDIUM_WINDOW)
    assert escalation_climb_scan() == 1
    escalation.refresh_from_db()
    assert escalation.level == 3
    assert {
        (s.recipient.username, s.shown_note)
        for s in escalation.steps.filter(level=3, kind=StepKind.NOTIFIED)
    } == {
        ("sponsor", ""),
        ("boss", "copy"),
        ("alice", "copy"),
    }
    assert len(_inbox(ladder.sponsor)) == 1


def test_at_the_top_it_stays_and_its_people_are_reminded_once_more(
    ladder: Ladder, clock: time_machine.Traveller
) -> None:
    escalation = _raise(ladder)
    for _ in range(2):
        clock.shift(MEDIUM_WINDOW)
        escalation_climb_scan()

    clock.shift(MEDIUM_WINDOW)
    assert escalation_climb_scan() == 0
    reminded = len(_inbox(ladder.sponsor))
    clock.shift(MEDIUM_WINDOW)
    assert escalation_climb_scan() == 0

    escalation.refresh_from_db()
    assert escalation.level == 3
    assert escalation.steps.filter(kind=StepKind.CLIMBED).count() == 2
    assert (reminded, len(_inbox(ladder.sponsor))) == (2, 2)


def test_two_climbs_at_the_same_moment_climb_once(
    ladder: Ladder, clock: time_machine.Traveller
) -> None:
    escalation = _raise(ladder)
    clock.shift(MEDIUM_WINDOW)

    assert escalation_climb_scan() == 1
    assert escalation_climb_scan() == 0

    escalation.refresh_from_db()
    assert escalation.level == 2
    assert escalation.steps.filter(kind=StepKind.CLIMBED).count() == 1
    assert len(_inbox(ladder.manager)) == 1


def test_acknowledging_stops_the_climb(ladder: Ladder, clock: time_machine.Traveller) -> None:
    escalation = _raise(ladder)
    clock.shift(timedelta(hours=1))

    acknowledged = escalation_acknowledge(escalation=escalation, by=ladder.owner, note=" On it ")
    clock.shift(10 * MEDIUM_WINDOW)

    assert escalation_climb_scan() == 0
    escalation.refresh_from_db()
    assert (escalation.level, escalation.status) == (1, EscalationStatus.ACKNOWLEDGED)
    assert acknowledged.acknowledged_at == MONDAY + timedelta(hours=1)
    step = escalation.steps.get(kind=StepKind.ACKNOWLEDGED)
    assert (step.actor, step.note) == (ladder.owner, "On it")
    assert _inbox(ladder.manager) == []


def test_acknowledging_twice_records_one_step(ladder: Ladder) -> None:
    escalation = _raise(ladder)

    escalation_acknowledge(escalation=escalation, by=ladder.owner)
    escalation_acknowledge(escalation=escalation, by=ladder.head)

    assert escalation.steps.filter(kind=StepKind.ACKNOWLEDGED).count() == 1


def test_a_resolved_escalation_cannot_be_acknowledged(ladder: Ladder) -> None:
    escalation = _raise(ladder)
    escalation_resolve(escalation=escalation, by=ladder.owner, note="Done")

    with pytest.raises(EscalationClosedError):
        escalation_acknowledge(escalation=escalation, by=ladder.owner)


# --- Resolving ---------------------------------------------------------------------------------


def test_resolving_needs_a_note(ladder: Ladder) -> None:
    escalation = _raise(ladder)

    with pytest.raises(ValidationError) as error:
        escalation_resolve(escalation=escalation, by=ladder.owner, note="   ")

    assert "note" in error.value.message_dict
    escalation.refresh_from_db()
    assert escalation.status == EscalationStatus.OPEN


def test_resolving_closes_it_with_the_note(ladder: Ladder, clock: time_machine.Traveller) -> None:
    escalation = _raise(ladder)

    escalation_resolve(escalation=escalation, by=ladder.owner, note=" Forecast sent ")
    escalation_resolve(escalation=escalation, by=ladder.owner, note="Again")

    escalation.refresh_from_db()
    assert escalation.status == EscalationStatus.RESOLVED
    assert (escalation.resolved_at, escalation.resolution) == (MONDAY, "Forecast sent")
    step = escalation.steps.get(kind=StepKind.RESOLVED)
    assert (step.actor, step.note) == (ladder.owner, "Forecast sent")


def test_a_resolved_escalation_does_not_climb(
    ladder: Ladder, clock: time_machine.Traveller
) -> None:
    escalation = _raise(ladder)
    escalation_resolve(escalation=escalation, by=ladder.owner, note="Forecast sent")
    clock.shift(2 * MEDIUM_WINDOW)

    assert escalation_climb_scan() == 0


def test_the_system_resolves_the_open_escalation_of_a_problem_that_went_away(
    ladder: Ladder,
) -> None:
    escalation = _raise(ladder)

    escalation_resolve_for(
        subject=ladder.commitment,
        reason=EscalationReason.OVERDUE_COMMITMENT,
        note="The commitment was kept.",
    )
    escalation_resolve_for(  # nothing open any more: nothing happens
        subject=ladder.commitment,
        reason=EscalationReason.OVERDUE_COMMITMENT,
        note="The commitment was kept.",
    )

    escalation.refresh_from_db()
    assert escalation.status == EscalationStatus.RESOLVED
    step = escalation.steps.get(kind=StepKind.RESOLVED)
    assert (step.actor, step.note) == (None, "The commitment was kept.")


# --- Who may handle one ------------------------------------------------------------------------


def test_who_may_handle_an_escalation(
    ladder: Ladder,
    make_user: Callable[..., User],
    procurement_manager: User,
    executive: User,
    clock: time_machine.Traveller,
) -> None:
    stranger = make_user(Role.ACCOUNT_MANAGER, username="bob")
    escalation = _raise(ladder)

    assert may_handle(user=ladder.owner, escalation=escalation)
    assert not may_handle(user=stranger, escalation=escalation)
    assert may_handle(user=procurement_manager, escalation=escalation)
    assert not may_handle(user=executive, escalation=escalation)
    assert not may_handle(user=ladder.manager, escalation=escalation)  # not at level 2 yet

    clock.shift(MEDIUM_WINDOW)
    escalation_climb_scan()
    escalation.refresh_from_db()

    assert may_handle(user=ladder.manager, escalation=escalation)
    assert may_handle(user=ladder.owner, escalation=escalation)  # the levels below still may


def test_a_stranger_can_neither_acknowledge_nor_resolve(
    ladder: Ladder, make_user: Callable[..., User]
) -> None:
    stranger = make_user(Role.ACCOUNT_MANAGER, username="bob")
    escalation = _raise(ladder)

    with pytest.raises(PermissionDenied):
        escalation_acknowledge(escalation=escalation, by=stranger)
    with pytest.raises(PermissionDenied):
        escalation_resolve(escalation=escalation, by=stranger, note="Not mine")

    escalation.refresh_from_db()
    assert escalation.status == EscalationStatus.OPEN
    assert not escalation.steps.filter(actor=stranger).exists()


def test_an_executive_sponsor_acknowledges_what_reaches_them(
    ladder: Ladder, make_user: Callable[..., User], clock: time_machine.Traveller
) -> None:
    eva = make_user(Role.EXECUTIVE, username="eva")
    ladder.supplier.ownerships.filter(role="executive_sponsor").update(user=eva)
    escalation = _raise(ladder)
    assert not may_handle(user=eva, escalation=escalation)  # not hers at level 1

    for _ in range(2):
        clock.shift(MEDIUM_WINDOW)
        escalation_climb_scan()
    escalation.refresh_from_db()

    assert escalation.level == 3
    assert may_handle(user=eva, escalation=escalation)
