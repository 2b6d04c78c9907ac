"""Issue 15's meeting defects, each through the surface where it was found: the commitment scan
said "due today" of commitments already late, and never escalated the supplier's own overdue
commitments; an engagement policy of 0 days was accepted; cancelling a commitment recorded it
as completed."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import formats
from rest_framework.test import APIClient

from accounts.models import User
from accounts.roles import Role
from escalations.choices import EscalationReason, EscalationStatus
from escalations.models import Escalation
from escalations.services import escalation_climb_scan, escalation_resolve
from meetings import services
from meetings.models import Commitment, EngagementPolicy
from meetings.reminders import commitment_reminder_scan
from notifications.models import Notification
from suppliers.models import Supplier
from tests.factories import CommitmentFactory, ContactFactory, OwnershipFactory, SupplierFactory
from tests.meetings.test_views import field_block

pytestmark = pytest.mark.django_db
DUE = date(2026, 3, 2)


def at(day: date, hour: int = 8) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


@pytest.fixture
def clock() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(at(date(2026, 3, 1)), tick=False) as traveller:
        yield traveller


@pytest.fixture
def supplier(make_user: Callable[..., User]) -> Supplier:
    """A supplier whose key-account owner is alice; alice's manager is mona."""
    mona = make_user(Role.PROCUREMENT_MANAGER, username="mona")
    alice = make_user(Role.ACCOUNT_MANAGER, username="alice", manager=mona)
    supplier: Supplier = SupplierFactory(name="Acme Steel")
    OwnershipFactory(supplier=supplier, user=alice)
    return supplier


@pytest.fixture
def carl(make_user: Callable[..., User]) -> User:
    return make_user(Role.ACCOUNT_MANAGER, username="carl")


def _ours(supplier: Supplier, owner: User, **fields: Any) -> Commitment:
    commitment: Commitment = CommitmentFactory(
        supplier=supplier, owner_user=owner, due_date=fields.pop("due_date", DUE), **fields
    )
    return commitment


def _theirs(supplier: Supplier, by: User, **fields: Any) -> Commitment:
    commitment: Commitment = CommitmentFactory(
        supplier=supplier,
        side="theirs",
        owner_user=None,
        owner_contact=ContactFactory(supplier=supplier),
        created_by=by,
        description=fields.pop("description", "Send the test report"),
        due_date=fields.pop("due_date", DUE),
        **fields,
    )
    return commitment


def _sent() -> set[tuple[str, str, str]]:
    return {
        (n.recipient.username, n.kind, n.occasion)
        for n in Notification.objects.select_related("recipient")
    }


def _scan_on(clock: time_machine.Traveller, day: date) -> None:
    clock.move_to(at(day))
    commitment_reminder_scan()
    commitment_reminder_scan()


# --- 2a. "due today" only on the due date ------------------------------------------------------


@pytest.mark.parametrize("late", [1, 2])
def test_a_commitment_first_seen_after_its_due_date_is_not_called_due_today(
    supplier: Supplier, carl: User, clock: time_machine.Traveller, late: int
) -> None:
    # Logged with a due date already past (or the beat was down): the scan first sees it late.
    _ours(supplier, carl)

    _scan_on(clock, DUE + timedelta(days=late))

    assert _sent() == {("carl", "commitment_overdue", "2026-03-02:overdue")}
    overdue = Notification.objects.get()
    assert overdue.title.startswith("Overdue since 2026-03-02")
    assert "Due today" not in overdue.title


def test_a_late_commitment_told_overdue_is_not_told_again_on_the_reminder_day(
    supplier: Supplier, carl: User, clock: time_machine.Traveller
) -> None:
    _ours(supplier, carl)
    _scan_on(clock, DUE + timedelta(days=1))

    for offset in (2, 3, 4):
        _scan_on(clock, DUE + timedelta(days=offset))

    assert Notification.objects.count() == 1


def test_a_commitment_seen_on_its_due_date_is_due_today_then_overdue_days_later(
    supplier: Supplier, carl: User, clock: time_machine.Traveller
) -> None:
    _ours(supplier, carl)
    _scan_on(clock, DUE)
    assert _sent() == {("carl", "commitment_due", "2026-03-02:due")}

    _scan_on(clock, DUE + timedelta(days=1))
    _scan_on(clock, DUE + timedelta(days=2))
    assert Notification.objects.count() == 1
    _scan_on(clock, DUE + timedelta(days=3))
    assert ("carl", "commitment_overdue", "2026-03-02:overdue") in _sent()


# --- 2b. their overdue commitments escalate, on the same ladder --------------------------------


def _their_escalation() -> Escalation:
    return Escalation.objects.get(reason=EscalationReason.OVERDUE_COMMITMENT)


def test_their_overdue_commitment_escalates_to_the_key_account_owner(
    supplier: Supplier, carl: User, clock: time_machine.Traveller
) -> None:
    commitment = _theirs(supplier, carl)
    for offset in range(0, 7):
        _scan_on(clock, DUE + timedelta(days=offset))
    assert not Escalation.objects.exists()

    _scan_on(clock, DUE + timedelta(days=7))
    _scan_on(clock, DUE + timedelta(days=8))

    escalation = _their_escalation()
    assert (escalation.subject, escalation.supplier, escalation.level) == (commitment, supplier, 1)
    assert escalation.status == EscalationStatus.OPEN
    assert escalation.summary == "“Send the test report”, promised by Acme Steel, is 7 days overdue"
    assert ("alice", "escalation", "level-1") in _sent()
    assert Escalation.objects.count() == 1


def test_their_escalation_climbs_to_the_owners_manager_when_not_acknowledged(
    supplier: Supplier, carl: User, clock: time_machine.Traveller
) -> None:
    _theirs(supplier, carl)
    _scan_on(clock, DUE + timedelta(days=7))

    clock.shift(timedelta(days=4))  # medium: 72 hours to acknowledge
    assert escalation_climb_scan() == 1

    assert _their_escalation().level == 2
    assert ("mona", "escalation", "level-2") in _sent()


def test_their_escalation_follows_the_delay_setting(
    supplier: Supplier, carl: User, clock: time_machine.Traveller, settings: Any
) -> None:
    settings.COMMITMENT_ESCALATION_DAYS = 2
    _theirs(supplier, carl)

    _scan_on(clock, DUE + timedelta(days=1))
    assert not Escalation.objects.exists()
    _scan_on(clock, DUE + timedelta(days=2))
    assert Escalation.objects.count() == 1


def test_their_escalation_resolved_by_hand_is_not_raised_again_for_that_due_date(
    supplier: Supplier, carl: User, clock: time_machine.Traveller
) -> None:
    _theirs(supplier, carl)
    _scan_on(clock, DUE + timedelta(days=7))
    alice = supplier.ownerships.get().user
    escalation_resolve(escalation=_their_escalation(), by=alice, note="They sent it by post")

    for offset in (8, 9, 10):
        _scan_on(clock, DUE + timedelta(days=offset))

    assert Escalation.objects.count() == 1


def test_marking_their_commitment_done_resolves_its_escalation(
    supplier: Supplier, carl: User, clock: time_machine.Traveller
) -> None:
    commitment = _theirs(supplier, carl)
    _scan_on(clock, DUE + timedelta(days=7))
    alice = supplier.ownerships.get().user

    services.commitment_complete(commitment=commitment, by=alice, note="Report received")

    assert _their_escalation().status == EscalationStatus.RESOLVED


def test_their_commitment_not_yet_overdue_long_enough_is_only_chased(
    supplier: Supplier, carl: User, clock: time_machine.Traveller
) -> None:
    _theirs(supplier, carl)

    for offset in range(0, 7):
        _scan_on(clock, DUE + timedelta(days=offset))

    assert _sent() == {("alice", "commitment_chase", "2026-03-02:chase")}


# --- 3. an engagement policy is at least one day -----------------------------------------------

POLICY_MESSAGE = "at least 1 day"


def _policy_page(user: User) -> tuple[Client, str, EngagementPolicy]:
    policy = EngagementPolicy.objects.get(segment="strategic")
    client = Client()
    client.force_login(user)
    return client, reverse("meetings:policy_update", args=[policy.pk]), policy


def _field_errors(page: str, name: str) -> str:
    return field_block(page, name)


@pytest.mark.parametrize("days", ["0", "-5"])
def test_a_policy_of_zero_or_fewer_days_between_meetings_is_refused_on_the_page(
    procurement_manager: User, days: str
) -> None:
    client, url, policy = _policy_page(procurement_manager)

    response = client.post(
        url, {"max_days_between_meetings": days, "max_days_between_in_person": "90"}
    )

    assert response.status_code == 200
    assert POLICY_MESSAGE in _field_errors(response.text, "max_days_between_meetings")
    assert f'value="{days}"' in _field_errors(response.text, "max_days_between_meetings")
    policy.refresh_from_db()
    assert policy.max_days_between_meetings == 30


@pytest.mark.parametrize("days", ["0", "-1"])
def test_a_policy_of_zero_or_fewer_days_in_person_is_refused_on_the_page(
    procurement_manager: User, days: str
) -> None:
    client, url, policy = _policy_page(procurement_manager)

    response = client.post(
        url, {"max_days_between_meetings": "", "max_days_between_in_person": days}
    )

    assert response.status_code == 200
    assert POLICY_MESSAGE in _field_errors(response.text, "max_days_between_in_person")
    assert POLICY_MESSAGE not in _field_errors(response.text, "max_days_between_meetings")
    policy.refresh_from_db()
    assert (policy.max_days_between_meetings, policy.max_days_between_in_person) == (30, 90)


def test_one_day_and_empty_are_accepted(procurement_manager: User) -> None:
    client, url, policy = _policy_page(procurement_manager)

    response = client.post(
        url, {"max_days_between_meetings": "1", "max_days_between_in_person": ""}
    )

    assert response.status_code == 302
    policy.refresh_from_db()
    assert (policy.max_days_between_meetings, policy.max_days_between_in_person) == (1, None)


def test_the_service_refuses_zero_days_by_field(procurement_manager: User) -> None:
    policy = EngagementPolicy.objects.get(segment="strategic")

    with pytest.raises(ValidationError) as error:
        services.engagement_policy_update(
            policy=policy,
            by=procurement_manager,
            max_days_between_meetings=0,
            max_days_between_in_person=0,
        )

    assert set(error.value.message_dict) == {
        "max_days_between_meetings",
        "max_days_between_in_person",
    }


def test_the_database_refuses_zero_days_whoever_writes() -> None:
    for field in ("max_days_between_meetings", "max_days_between_in_person"):
        with pytest.raises(IntegrityError), transaction.atomic():
            EngagementPolicy.objects.filter(segment="strategic").update(**{field: 0})


@pytest.mark.parametrize("role", [Role.ACCOUNT_MANAGER, Role.EXECUTIVE])
def test_only_procurement_managers_may_change_a_policy(
    make_user: Callable[..., User], role: Role
) -> None:
    client, url, policy = _policy_page(make_user(role, username="someone"))

    response = client.post(url, {"max_days_between_meetings": "0"})

    assert response.status_code == 403
    policy.refresh_from_db()
    assert policy.max_days_between_meetings == 30


# --- 4. cancelling records cancelled at and by, not completed ----------------------------------


def _api(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_cancelling_over_the_api_records_cancelled_at_and_by(account_manager: User) -> None:
    commitment = CommitmentFactory(owner_user=account_manager)

    with time_machine.travel(at(date(2026, 3, 5), 9), tick=False):
        response = _api(account_manager).post(
            f"/api/v1/commitments/{commitment.pk}/cancel/", {"note": "Not needed"}, format="json"
        )

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "cancelled"
    assert body["cancelled_at"] == "2026-03-05T09:00:00Z"
    assert body["cancelled_by"]["username"] == "alice"
    assert (body["completed_at"], body["completed_by"]) == (None, None)
    read = _api(account_manager).get(f"/api/v1/commitments/{commitment.pk}/").json()
    assert (read["cancelled_by"]["username"], read["completed_by"]) == ("alice", None)


def test_completing_still_records_completed_at_and_by_only(account_manager: User) -> None:
    commitment = CommitmentFactory(owner_user=account_manager)

    body = (
        _api(account_manager)
        .post(f"/api/v1/commitments/{commitment.pk}/complete/", {}, format="json")
        .json()
    )

    assert body["completed_by"]["username"] == "alice" and body["completed_at"] is not None
    assert (body["cancelled_at"], body["cancelled_by"]) == (None, None)


def test_a_manager_cancelling_on_the_page_is_shown_as_cancelled_by_them(
    procurement_manager: User, account_manager: User
) -> None:
    supplier = SupplierFactory()
    OwnershipFactory(supplier=supplier, user=account_manager)
    commitment = CommitmentFactory(supplier=supplier, owner_user=account_manager)
    client = Client()
    client.force_login(procurement_manager)

    with time_machine.travel(at(date(2026, 3, 5), 9), tick=False):
        row = client.post(
            reverse("meetings:commitment_cancel", args=[commitment.pk]),
            HTTP_X_REQUESTED_WITH="fetch",
        ).text

    commitment.refresh_from_db()
    assert (commitment.cancelled_by, commitment.completed_by) == (procurement_manager, None)
    assert commitment.completed_at is None
    assert "Cancelled" in row
    day = formats.date_format(date(2026, 3, 5))
    assert f"Cancelled on {day} by {procurement_manager.name}" in " ".join(row.split())
    page = Client()
    page.force_login(account_manager)
    history = page.get(supplier.get_absolute_url()).text.split('id="history-heading"')[1]
    assert "Cancelled at" in history and "Cancelled by" in history
    assert "Completed at" not in history and "Completed by" not in history


def test_a_commitment_done_on_the_page_is_shown_as_done_by_its_owner(account_manager: User) -> None:
    commitment = CommitmentFactory(owner_user=account_manager)
    client = Client()
    client.force_login(account_manager)

    with time_machine.travel(at(date(2026, 3, 5), 9), tick=False):
        row = client.post(
            reverse("meetings:commitment_complete", args=[commitment.pk]),
            HTTP_X_REQUESTED_WITH="fetch",
        ).text

    day = formats.date_format(date(2026, 3, 5))
    assert f"Done on {day} by {account_manager.name}" in " ".join(row.split())


def test_an_executive_cannot_cancel(executive: User) -> None:
    commitment = CommitmentFactory()

    response = _api(executive).post(f"/api/v1/commitments/{commitment.pk}/cancel/", {})

    assert response.status_code == 403
    commitment.refresh_from_db()
    assert (commitment.status, commitment.cancelled_at) == ("open", None)


def test_the_database_keeps_cancelled_and_completed_apart(account_manager: User) -> None:
    commitment = CommitmentFactory(owner_user=account_manager)
    services.commitment_cancel(commitment=commitment, by=account_manager)

    with pytest.raises(IntegrityError), transaction.atomic():
        Commitment.objects.filter(pk=commitment.pk).update(completed_at=commitment.cancelled_at)
    with pytest.raises(IntegrityError), transaction.atomic():
        Commitment.objects.filter(pk=commitment.pk).update(status="done")


# --- One rule in one place: allowed actions (issue 15, item 1) ----------------------------


def _api(user: User) -> APIClient:
    api = APIClient()
    api.force_authenticate(user)
    return api


def test_a_meeting_says_who_may_change_or_delete_it_as_the_page_does(
    supplier: Supplier, carl: User, make_user: Callable[..., User]
) -> None:
    from tests.factories import MeetingFactory

    alice = User.objects.get(username="alice")
    mona = User.objects.get(username="mona")
    erin = make_user(Role.EXECUTIVE, username="erin")
    meeting = MeetingFactory(supplier=supplier, logged_by=alice)

    def actions(user: User) -> list[str]:
        return list(_api(user).get(f"/api/v1/meetings/{meeting.pk}/").json()["allowed_actions"])

    assert actions(alice) == ["change", "delete"]
    assert actions(mona) == ["change", "delete"]
    assert actions(carl) == []
    assert actions(erin) == []
    page = Client()
    page.force_login(carl)
    html = page.get(reverse("meetings:meeting_detail", args=[meeting.pk])).content.decode()
    assert reverse("meetings:meeting_update", args=[meeting.pk]) not in html
    assert page.get(reverse("meetings:meeting_update", args=[meeting.pk])).status_code == 403


def test_a_commitment_says_who_may_close_it_on_either_side(supplier: Supplier, carl: User) -> None:
    alice = User.objects.get(username="alice")
    mona = User.objects.get(username="mona")
    ours = _ours(supplier, carl, created_by=mona)
    theirs = _theirs(supplier, mona)

    def actions(user: User, commitment: Commitment) -> list[str]:
        response = _api(user).get(f"/api/v1/commitments/{commitment.pk}/")
        return list(response.json()["allowed_actions"])

    # Ours: its owner, the key-account owner and the one who recorded it.
    assert actions(carl, ours) == ["cancel", "complete"]
    assert actions(alice, ours) == ["cancel", "complete"]
    # Theirs: its owner is their contact; the key-account owner closes it, not a stranger.
    assert actions(alice, theirs) == ["cancel", "complete"]
    assert actions(carl, theirs) == []
    services.commitment_complete(commitment=theirs, by=alice)
    assert actions(alice, theirs) == []
    listed = _api(alice).get("/api/v1/commitments/").json()["results"]
    assert {row["id"]: row["allowed_actions"] for row in listed} == {
        ours.pk: ["cancel", "complete"],
        theirs.pk: [],
    }


def test_a_stranger_to_the_supplier_gets_no_close_buttons_and_cannot_close(
    supplier: Supplier, carl: User
) -> None:
    from django.core.exceptions import PermissionDenied

    mona = User.objects.get(username="mona")
    theirs = _theirs(supplier, mona)
    page = Client()
    page.force_login(carl)

    html = page.get(reverse("meetings:commitment_list")).content.decode()

    assert theirs.description in html
    assert reverse("meetings:commitment_complete", args=[theirs.pk]) not in html
    with pytest.raises(PermissionDenied):
        services.commitment_complete(commitment=theirs, by=carl)
