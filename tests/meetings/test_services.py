"""Meeting and commitment rules, through the services."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from meetings import services
from meetings.models import Commitment, EngagementPolicy, Meeting
from meetings.services import CommitmentInput, MeetingFields, MeetingInput, NewContactInput
from suppliers.models import Contact
from tests.factories import CommitmentFactory, ContactFactory, MeetingFactory, SupplierFactory

pytestmark = pytest.mark.django_db
SOON = date.today() + timedelta(days=14)


def test_an_account_manager_logs_a_meeting_with_new_contact_and_commitments(
    account_manager: User,
) -> None:
    supplier = SupplierFactory()
    known = ContactFactory(supplier=supplier)

    meeting = services.meeting_log(
        by=account_manager,
        meeting=MeetingInput(
            supplier=supplier,
            fields=MeetingFields(kind="in_person", subject="Plant visit", notes="Toured line 2"),
            their_attendees=[known],
            new_contacts=[NewContactInput(name="Le Thi Hoa", email="Hoa@Supplier.example.com")],
            commitments=[
                CommitmentInput("Send the forecast", "ours", SOON, owner=account_manager),
                CommitmentInput("Ship samples", "theirs", SOON, new_contact_index=0),
            ],
        ),
    )

    new_contact = Contact.objects.get(email="hoa@supplier.example.com")
    assert list(meeting.our_attendees.all()) == [account_manager]
    assert set(meeting.their_attendees.all()) == {known, new_contact}
    ours, theirs = meeting.commitments.order_by("id")
    assert (ours.owner, theirs.owner) == (account_manager, new_contact)
    assert ours.created_by == account_manager


def test_attendees_on_their_side_must_be_the_suppliers_contacts(account_manager: User) -> None:
    supplier = SupplierFactory()
    stranger = ContactFactory()  # another supplier's contact

    with pytest.raises(ValidationError) as error:
        services.meeting_log(
            by=account_manager,
            meeting=MeetingInput(
                supplier=supplier,
                fields=MeetingFields(kind="phone_call"),
                their_attendees=[stranger],
            ),
        )

    assert "their_attendees" in error.value.message_dict
    assert not Meeting.objects.exists()


def test_a_commitments_owner_must_belong_to_its_side(account_manager: User) -> None:
    supplier = SupplierFactory()
    contact = ContactFactory(supplier=supplier)
    other_contact = ContactFactory()

    with pytest.raises(ValidationError) as error:
        services.meeting_log(
            by=account_manager,
            meeting=MeetingInput(
                supplier=supplier,
                fields=MeetingFields(kind="video_call"),
                commitments=[
                    CommitmentInput("Ours owned by them", "ours", SOON, owner=contact),
                    CommitmentInput("Theirs owned by us", "theirs", SOON, owner=account_manager),
                    CommitmentInput("Another supplier's", "theirs", SOON, owner=other_contact),
                    CommitmentInput("", "ours", None, owner=account_manager),
                ],
            ),
        )

    assert set(error.value.message_dict) == {
        "commitments.0.owner",
        "commitments.1.owner",
        "commitments.2.owner",
        "commitments.3.description",
        "commitments.3.due_date",
    }
    assert not Meeting.objects.exists()
    assert not Commitment.objects.exists()


def test_a_bad_new_contact_saves_nothing(account_manager: User) -> None:
    supplier = SupplierFactory()

    with pytest.raises(ValidationError) as error:
        services.meeting_log(
            by=account_manager,
            meeting=MeetingInput(
                supplier=supplier,
                fields=MeetingFields(kind="video_call"),
                new_contacts=[NewContactInput(name="", email="not-an-email")],
            ),
        )

    assert {"new_contacts.0.name", "new_contacts.0.email"} <= set(error.value.message_dict)
    assert not Meeting.objects.exists()


def test_executives_and_integrations_do_not_log_meetings(
    executive: User, integration: User
) -> None:
    for user in (executive, integration):
        with pytest.raises(PermissionDenied):
            services.meeting_log(
                by=user,
                meeting=MeetingInput(
                    supplier=SupplierFactory(), fields=MeetingFields(kind="other")
                ),
            )


def test_only_the_author_or_a_procurement_manager_changes_a_meeting(
    make_user: Callable[..., User], procurement_manager: User
) -> None:
    alice = make_user(Role.ACCOUNT_MANAGER, username="alice")
    bob = make_user(Role.ACCOUNT_MANAGER, username="bob")
    meeting = MeetingFactory(logged_by=alice)

    with pytest.raises(PermissionDenied):
        services.meeting_update(meeting=meeting, by=bob, fields=MeetingFields(subject="Mine now"))
    with pytest.raises(PermissionDenied):
        services.meeting_delete(meeting=meeting, by=bob)
    services.meeting_update(meeting=meeting, by=alice, fields=MeetingFields(subject="Agreed plan"))
    services.meeting_delete(meeting=meeting, by=procurement_manager)
    assert not Meeting.objects.exists()


def test_completing_a_commitment_records_who_and_when(account_manager: User) -> None:
    commitment = CommitmentFactory(owner_user=account_manager)

    services.commitment_complete(commitment=commitment, by=account_manager, note="Sent")

    commitment.refresh_from_db()
    assert commitment.status == "done"
    assert commitment.completed_by == account_manager
    assert commitment.completed_at is not None
    assert commitment.note == "Sent"


def test_a_closed_commitment_is_not_closed_again(account_manager: User) -> None:
    commitment = CommitmentFactory(owner_user=account_manager)
    services.commitment_cancel(commitment=commitment, by=account_manager)
    first = Commitment.objects.get(pk=commitment.pk).completed_at

    with pytest.raises(services.CommitmentClosedError):
        services.commitment_complete(commitment=commitment, by=account_manager)
    services.commitment_cancel(commitment=commitment, by=account_manager)  # same: a no-op

    assert Commitment.objects.get(pk=commitment.pk).completed_at == first


def test_strangers_cannot_close_someone_elses_commitment(make_user: Callable[..., User]) -> None:
    alice = make_user(Role.ACCOUNT_MANAGER, username="alice")
    bob = make_user(Role.ACCOUNT_MANAGER, username="bob")
    commitment = CommitmentFactory(owner_user=alice)

    with pytest.raises(PermissionDenied):
        services.commitment_complete(commitment=commitment, by=bob)


def test_overdue_follows_from_the_due_date(account_manager: User) -> None:
    today = timezone.localdate()
    late = CommitmentFactory(owner_user=account_manager, due_date=today - timedelta(days=1))
    due_today = CommitmentFactory(owner_user=account_manager, due_date=today)

    assert late.is_overdue()
    assert not due_today.is_overdue()
    services.commitment_complete(commitment=late, by=account_manager)
    late.refresh_from_db()
    assert not late.is_overdue()


def test_engagement_policies_are_edited_by_procurement_managers_only(
    procurement_manager: User, account_manager: User
) -> None:
    policy = EngagementPolicy.objects.get(segment="strategic")

    with pytest.raises(PermissionDenied):
        services.engagement_policy_update(
            policy=policy,
            by=account_manager,
            max_days_between_meetings=10,
            max_days_between_in_person=None,
        )
    with pytest.raises(ValidationError):
        services.engagement_policy_update(
            policy=policy,
            by=procurement_manager,
            max_days_between_meetings=60,
            max_days_between_in_person=30,
        )
    services.engagement_policy_update(
        policy=policy,
        by=procurement_manager,
        max_days_between_meetings=21,
        max_days_between_in_person=policy.max_days_between_in_person,
    )
    policy.refresh_from_db()
    assert policy.max_days_between_meetings == 21


def test_every_problem_is_reported_at_once_new_contacts_included(account_manager: User) -> None:
    supplier = SupplierFactory()
    ContactFactory(supplier=supplier, email="taken@supplier.example.com")

    with pytest.raises(ValidationError) as error:
        services.meeting_log(
            by=account_manager,
            meeting=MeetingInput(
                supplier=supplier,
                fields=MeetingFields(kind="nonsense"),
                new_contacts=[
                    NewContactInput(name="A", email="taken@supplier.example.com"),
                    NewContactInput(name="B", email="b@supplier.example.com"),
                    NewContactInput(name="C", email="B@supplier.example.com"),
                ],
                commitments=[CommitmentInput("Ghost", "theirs", SOON, new_contact_index=7)],
            ),
        )

    assert set(error.value.message_dict) == {
        "kind",
        "new_contacts.0.email",
        "new_contacts.2.email",
        "commitments.0.owner",
    }
    assert not Contact.objects.filter(name__in=["A", "B", "C"]).exists()


def test_a_commitment_joins_only_a_meeting_with_its_supplier(account_manager: User) -> None:
    supplier = SupplierFactory()

    with pytest.raises(ValidationError) as error:
        services.commitment_create(
            supplier=supplier,
            item=CommitmentInput("Call back", "ours", SOON, owner=account_manager),
            by=account_manager,
            meeting=MeetingFactory(),
        )

    assert set(error.value.message_dict) == {"meeting"}
