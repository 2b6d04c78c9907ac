"""The commitment scan, day by day with a frozen clock: reminders on the due date and after
it, an escalation when it stays overdue, and nothing twice however often the scan runs."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.utils import timezone, translation

from accounts.models import User
from accounts.roles import Role
from escalations.choices import EscalationReason, EscalationStatus, StepKind
from escalations.models import Escalation
from escalations.services import escalation_resolve
from meetings import reminders
from meetings.models import Commitment
from meetings.reminders import commitment_reminder_scan
from meetings.services import commitment_cancel, commitment_complete
from notifications.models import Notification
from suppliers.models import Supplier
from tests.factories import CommitmentFactory, ContactFactory, OwnershipFactory, SupplierFactory

pytestmark = pytest.mark.django_db
DUE = date(2026, 3, 2)

Event = tuple[str, ...]


@pytest.fixture
def supplier(make_user: Callable[..., User]) -> Supplier:
    """A supplier whose key-account owner is alice."""
    supplier: Supplier = SupplierFactory()
    OwnershipFactory(supplier=supplier, user=make_user(Role.ACCOUNT_MANAGER, username="alice"))
    return supplier


@pytest.fixture
def carl(make_user: Callable[..., User]) -> User:
    """Owns one of our commitments to alice's supplier."""
    return make_user(Role.ACCOUNT_MANAGER, username="carl")


@pytest.fixture
def clock() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(datetime(2026, 3, 1, 8, 0, tzinfo=UTC), tick=False) as traveller:
        yield traveller


def _ours(supplier: Supplier, owner: User, **fields: Any) -> Commitment:
    commitment: Commitment = CommitmentFactory(
        supplier=supplier, owner_user=owner, due_date=fields.pop("due_date", DUE), **fields
    )
    return commitment


def _events() -> set[Event]:
    """Everything the scan has caused so far."""
    notifications = {
        (n.recipient.username, n.kind, n.occasion)
        for n in Notification.objects.select_related("recipient")
    }
    escalations = {
        ("escalation", str(e.level), e.status)
        for e in Escalation.objects.filter(reason=EscalationReason.OVERDUE_COMMITMENT)
    }
    return notifications | escalations


def _scan_day_by_day(clock: time_machine.Traveller, days: int) -> dict[int, set[Event]]:
    """Runs the scan three times a day (08:00, 08:00 again, 16:00) from the day before the due
    date; returns what each day added, keyed by days after the due date."""
    clock.move_to(datetime.combine(DUE - timedelta(days=1), datetime.min.time(), UTC))
    added: dict[int, set[Event]] = {}
    for offset in range(-1, days + 1):
        before = _events()
        clock.shift(timedelta(hours=8))
        commitment_reminder_scan()
        commitment_reminder_scan()
        clock.shift(timedelta(hours=8))
        commitment_reminder_scan()
        clock.shift(timedelta(hours=8))
        if new := _events() - before:
            added[offset] = new
    return added


def test_our_commitment_is_reminded_on_the_due_date_then_after_it_then_escalated(
    supplier: Supplier, carl: User, clock: time_machine.Traveller
) -> None:
    _ours(supplier, carl)

    added = _scan_day_by_day(clock, days=12)

    assert added == {
        0: {("carl", "commitment_due", "2026-03-02:due")},
        3: {("carl", "commitment_overdue", "2026-03-02:overdue")},
        7: {("escalation", "1", "open"), ("alice", "escalation", "level-1")},
    }


def test_the_delays_are_settings(
    supplier: Supplier, carl: User, clock: time_machine.Traveller, settings: Any
) -> None:
    settings.COMMITMENT_REMINDER_DAYS = 1
    settings.COMMITMENT_ESCALATION_DAYS = 2
    _ours(supplier, carl)

    added = _scan_day_by_day(clock, days=4)

    assert sorted(added) == [0, 1, 2]
    assert ("escalation", "1", "open") in added[2]


def test_the_escalation_is_raised_at_level_one_for_the_supplier(
    supplier: Supplier, carl: User, clock: time_machine.Traveller
) -> None:
    commitment = _ours(supplier, carl, description="Send the forecast")
    clock.move_to(datetime(2026, 3, 9, 8, 0, tzinfo=UTC))

    commitment_reminder_scan()

    escalation = Escalation.objects.get()
    assert (escalation.supplier, escalation.subject, escalation.level) == (supplier, commitment, 1)
    assert escalation.summary == f"“Send the forecast” for {supplier.name} is 7 days overdue"


def test_a_commitment_first_seen_long_overdue_is_not_called_due_today(
    supplier: Supplier, carl: User, clock: time_machine.Traveller
) -> None:
    _ours(supplier, carl)
    clock.move_to(datetime(2026, 3, 12, 8, 0, tzinfo=UTC))  # the scan was down for ten days

    commitment_reminder_scan()

    assert _events() == {
        ("carl", "commitment_overdue", "2026-03-02:overdue"),
        ("escalation", "1", "open"),
        ("alice", "escalation", "level-1"),
    }


def test_a_scan_run_again_creates_nothing_new(
    supplier: Supplier, carl: User, clock: time_machine.Traveller
) -> None:
    _ours(supplier, carl)
    clock.move_to(datetime(2026, 3, 10, 8, 0, tzinfo=UTC))
    assert commitment_reminder_scan() == 1
    before = (_events(), Notification.objects.count(), Escalation.objects.count())

    assert commitment_reminder_scan() == 1

    assert (_events(), Notification.objects.count(), Escalation.objects.count()) == before
    assert before[1:] == (2, 1)  # overdue, and the escalation's notification


def test_their_commitment_is_chased_by_the_key_account_owner_then_escalated(
    supplier: Supplier, carl: User, clock: time_machine.Traveller
) -> None:
    CommitmentFactory(
        supplier=supplier,
        side="theirs",
        owner_user=None,
        owner_contact=ContactFactory(supplier=supplier),
        created_by=carl,
        due_date=DUE,
    )

    added = _scan_day_by_day(clock, days=10)

    assert added == {
        0: {("alice", "commitment_chase", "2026-03-02:chase")},
        7: {("escalation", "1", "open"), ("alice", "escalation", "level-1")},
    }


def test_closed_and_future_commitments_are_left_alone(
    supplier: Supplier, carl: User, clock: time_machine.Traveller
) -> None:
    now = timezone.now()
    _ours(supplier, carl, status="done", completed_at=now, completed_by=carl)
    _ours(supplier, carl, status="cancelled", cancelled_at=now, cancelled_by=carl)
    _ours(supplier, carl, due_date=DUE + timedelta(days=30))
    clock.move_to(datetime(2026, 3, 12, 8, 0, tzinfo=UTC))

    assert commitment_reminder_scan() == 0

    assert _events() == set()


def test_the_scan_works_through_every_batch_once(
    supplier: Supplier,
    carl: User,
    clock: time_machine.Traveller,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(reminders, "BATCH", 2)
    commitments = [_ours(supplier, carl) for _ in range(5)]
    clock.move_to(datetime(2026, 3, 2, 8, 0, tzinfo=UTC))

    assert commitment_reminder_scan() == 5

    assert sorted(Notification.objects.values_list("object_id", flat=True)) == sorted(
        c.pk for c in commitments
    )


def test_completing_the_commitment_resolves_its_escalation(
    supplier: Supplier, carl: User, clock: time_machine.Traveller
) -> None:
    commitment = _ours(supplier, carl)
    clock.move_to(datetime(2026, 3, 9, 8, 0, tzinfo=UTC))
    commitment_reminder_scan()

    commitment_complete(commitment=commitment, by=carl, note="Sent it")
    clock.shift(timedelta(days=1))
    commitment_reminder_scan()

    escalation = Escalation.objects.get()
    assert escalation.status == EscalationStatus.RESOLVED
    step = escalation.steps.get(kind=StepKind.RESOLVED)
    assert step.actor is None
    assert (step.note, escalation.resolution) == ("", "")  # facts, not an English sentence
    with translation.override("en"):
        assert (
            step.text
            == escalation.resolution_text
            == f"The commitment was closed (Done) by {carl.name}."
        )
    assert Escalation.objects.count() == 1  # the next scan raises nothing: it is closed


def test_cancelling_the_commitment_resolves_its_escalation_too(
    supplier: Supplier, carl: User, clock: time_machine.Traveller
) -> None:
    commitment = _ours(supplier, carl)
    clock.move_to(datetime(2026, 3, 9, 8, 0, tzinfo=UTC))
    commitment_reminder_scan()

    commitment_cancel(commitment=commitment, by=carl, note="No longer needed")

    assert Escalation.objects.get().status == EscalationStatus.RESOLVED


def test_an_escalation_resolved_by_hand_is_not_raised_again_for_the_same_due_date(
    supplier: Supplier, carl: User, clock: time_machine.Traveller
) -> None:
    alice = supplier.ownerships.get().user
    _ours(supplier, carl)
    clock.move_to(datetime(2026, 3, 9, 8, 0, tzinfo=UTC))
    commitment_reminder_scan()
    escalation_resolve(
        escalation=Escalation.objects.get(), by=alice, note="Agreed a new date by phone"
    )

    for _ in range(3):
        clock.shift(timedelta(days=1))
        commitment_reminder_scan()

    assert Escalation.objects.count() == 1


def test_a_new_due_date_is_chased_and_escalated_afresh(
    supplier: Supplier, carl: User, clock: time_machine.Traveller
) -> None:
    alice = supplier.ownerships.get().user
    commitment = _ours(supplier, carl)
    clock.move_to(datetime(2026, 3, 9, 8, 0, tzinfo=UTC))
    commitment_reminder_scan()
    escalation_resolve(escalation=Escalation.objects.get(), by=alice, note="New date agreed")
    Commitment.objects.filter(pk=commitment.pk).update(due_date=date(2026, 3, 20))

    clock.move_to(datetime(2026, 3, 20, 8, 0, tzinfo=UTC))
    commitment_reminder_scan()
    assert ("carl", "commitment_due", "2026-03-20:due") in _events()
    assert Escalation.objects.count() == 1

    clock.move_to(datetime(2026, 3, 27, 8, 0, tzinfo=UTC))
    commitment_reminder_scan()
    assert Escalation.objects.count() == 2
