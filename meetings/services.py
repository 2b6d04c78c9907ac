"""Every write to meetings, commitments and engagement policies."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.roles import Capability, user_can
from core.exceptions import DomainError
from core.inputs import UNSET
from escalations.choices import EscalationReason
from escalations.messages import commitment_closed_resolution
from escalations.services import escalation_resolve_for
from meetings.choices import CommitmentSide, CommitmentStatus
from meetings.models import Commitment, EngagementPolicy, Meeting
from meetings.permissions import (
    may_change_meeting,
    may_change_policy,
    may_close_commitment,
    may_log_meetings,
    may_record_commitment,
)
from suppliers.models import Contact, Supplier
from suppliers.selectors import supplier_visible
from suppliers.services import ContactInput, contact_add_met_in_meeting, contact_check

MEETING_FIELDS = ("kind", "starts_at", "location", "subject", "notes", "outcome")


class CommitmentClosedError(DomainError):
    code = "commitment_closed"


@dataclass
class CommitmentInput:
    """A commitment as typed in: ``owner`` is a User for ours, a Contact for theirs; a
    ``new_contact_index`` points at a contact created in the same submit instead."""

    description: str
    side: str
    due_date: date | None
    owner: User | Contact | None = None
    new_contact_index: int | None = None
    note: str = ""


@dataclass(frozen=True)
class MeetingFields:
    """What a meeting says; a field left None is not given (unchanged, or the default)."""

    kind: str | None = None
    starts_at: datetime | None = None
    location: str | None = None
    subject: str | None = None
    notes: str | None = None
    outcome: str | None = None

    def given(self) -> dict[str, object]:
        return {
            name: value for name in MEETING_FIELDS if (value := getattr(self, name)) is not None
        }


@dataclass(frozen=True)
class NewContactInput:
    """Someone of the supplier's met for the first time, to be added as their contact."""

    name: str
    email: str = ""
    job_title: str = ""
    phone: str = ""

    def contact_input(self) -> ContactInput:
        """What ``suppliers.services`` takes for a contact; a blank field is not given."""
        return ContactInput(
            name=self.name,
            email=self.email or UNSET,
            job_title=self.job_title or UNSET,
            phone=self.phone or UNSET,
        )


@dataclass
class MeetingInput:
    """A meeting as logged: its fields, attendees on both sides, contacts met for the first
    time (each checked by ``suppliers.services.contact_check`` before any is saved) and the
    commitments made."""

    supplier: Supplier
    fields: MeetingFields
    our_attendees: Sequence[User] = ()
    their_attendees: Sequence[Contact] = ()
    new_contacts: Sequence[NewContactInput] = ()
    commitments: Sequence[CommitmentInput] = field(default_factory=list)


def _require_visible(user: User, supplier: Supplier) -> None:
    if not supplier_visible(user=user).filter(pk=supplier.pk).exists():
        raise PermissionDenied


def _check_attendees(
    supplier: Supplier, our: Iterable[User], theirs: Iterable[Contact]
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if any(contact.supplier_id != supplier.pk for contact in theirs):
        errors["their_attendees"] = [_("Their attendees must be contacts of this supplier.")]
    if any(not user.is_active or not user_can(user, Capability.USE_PAGES) for user in our):
        errors["our_attendees"] = [_("Our attendees must be active people of ours.")]
    return errors


def _check_commitment(
    supplier: Supplier,
    item: CommitmentInput,
    index: int | None = None,
    *,
    new_contacts: int = 0,
) -> dict[str, list[str]]:
    prefix = "" if index is None else f"commitments.{index}."
    errors: dict[str, list[str]] = {}
    if not item.description.strip():
        errors[f"{prefix}description"] = [_("Say what was promised.")]
    if item.due_date is None:
        errors[f"{prefix}due_date"] = [_("Give a due date.")]
    if item.side not in CommitmentSide.values:
        errors[f"{prefix}side"] = [_("Choose our side or theirs.")]
    elif item.side == CommitmentSide.OURS:
        if not isinstance(item.owner, User) or not user_can(item.owner, Capability.USE_PAGES):
            errors[f"{prefix}owner"] = [_("Our commitments are owned by one of our people.")]
    elif item.new_contact_index is not None:
        if not 0 <= item.new_contact_index < new_contacts:
            errors[f"{prefix}owner"] = [_("That new contact is not in this meeting.")]
    elif not isinstance(item.owner, Contact) or item.owner.supplier_id != supplier.pk:
        errors[f"{prefix}owner"] = [_("Their commitments are owned by one of their contacts.")]
    return errors


def _commitment(
    supplier: Supplier, item: CommitmentInput, *, by: User, meeting: Meeting | None
) -> Commitment:
    commitment = Commitment(
        supplier=supplier,
        meeting=meeting,
        description=item.description.strip(),
        side=item.side,
        owner_user=item.owner if item.side == CommitmentSide.OURS else None,  # type: ignore[misc]
        owner_contact=item.owner if item.side == CommitmentSide.THEIRS else None,
        due_date=item.due_date,
        note=item.note.strip(),
        created_by=by,
    )
    commitment.full_clean()
    commitment.save()
    return commitment


@transaction.atomic
def meeting_log(*, by: User, meeting: MeetingInput) -> Meeting:
    """Logs a meeting with its attendees, any contacts met for the first time and the
    commitments made, in one go: either all of it is saved or none."""
    if not may_log_meetings(by):
        raise PermissionDenied
    supplier = meeting.supplier
    _require_visible(by, supplier)
    errors = _check_attendees(supplier, meeting.our_attendees, meeting.their_attendees)
    for index, item in enumerate(meeting.commitments):
        errors.update(
            _check_commitment(supplier, item, index, new_contacts=len(meeting.new_contacts))
        )
    errors.update(_check_new_contacts(supplier, meeting.new_contacts))
    record = Meeting(supplier=supplier, logged_by=by)
    for name, value in meeting.fields.given().items():
        setattr(record, name, value)
    try:
        record.full_clean()
    except ValidationError as error:
        errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    record.save()
    # The person who logs it was there, unless they say otherwise by listing others only.
    record.our_attendees.set(meeting.our_attendees or [by])
    new_contacts = [_new_contact(supplier, data, by=by) for data in meeting.new_contacts]
    record.their_attendees.set([*meeting.their_attendees, *new_contacts])
    for item in meeting.commitments:
        if item.new_contact_index is not None:
            item.owner = new_contacts[item.new_contact_index]
        _commitment(supplier, item, by=by, meeting=record)
    return record


def _check_new_contacts(
    supplier: Supplier, new_contacts: Sequence[NewContactInput]
) -> dict[str, list[str]]:
    """Every new contact's problems, keyed ``new_contacts.<n>.<field>``, before any is saved."""
    errors: dict[str, list[str]] = {}
    emails: dict[str, int] = {}
    for index, data in enumerate(new_contacts):
        try:
            contact_check(supplier=supplier, data=data.contact_input())
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                errors[f"new_contacts.{index}.{name}"] = messages
        email = data.email.strip().lower()
        if email and email in emails:
            errors[f"new_contacts.{index}.email"] = [_("Two new contacts have this email.")]
        emails.setdefault(email, index)
    return errors


def _new_contact(supplier: Supplier, data: NewContactInput, *, by: User) -> Contact:
    return contact_add_met_in_meeting(supplier=supplier, by=by, data=data.contact_input())


@transaction.atomic
def meeting_update(
    *,
    meeting: Meeting,
    by: User,
    fields: MeetingFields,
    our_attendees: Sequence[User] | None = None,
    their_attendees: Sequence[Contact] | None = None,
) -> Meeting:
    """Changes what the meeting says (the fields given) and, when given, who attended."""
    if not may_change_meeting(by, meeting):
        raise PermissionDenied
    errors = _check_attendees(meeting.supplier, our_attendees or [], their_attendees or [])
    if errors:
        raise ValidationError(errors)
    changed = False
    for name, value in fields.given().items():
        if getattr(meeting, name) != value:
            setattr(meeting, name, value)
            changed = True
    if our_attendees is not None:
        meeting.our_attendees.set(our_attendees)
        changed = True
    if their_attendees is not None:
        meeting.their_attendees.set(their_attendees)
        changed = True
    if changed:
        meeting.updated_at = timezone.now()
        meeting.full_clean()
        meeting.save()
    return meeting


@transaction.atomic
def meeting_delete(*, meeting: Meeting, by: User) -> None:
    if not may_change_meeting(by, meeting):
        raise PermissionDenied
    meeting.delete()


@transaction.atomic
def commitment_create(
    *, supplier: Supplier, item: CommitmentInput, by: User, meeting: Meeting | None = None
) -> Commitment:
    if not may_record_commitment(by):
        raise PermissionDenied
    _require_visible(by, supplier)
    errors = _check_commitment(supplier, item)
    if meeting is not None and meeting.supplier_id != supplier.pk:
        errors["meeting"] = [_("The meeting was with another supplier.")]
    if errors:
        raise ValidationError(errors)
    return _commitment(supplier, item, by=by, meeting=meeting)


def _close(commitment: Commitment, *, by: User, status: str, note: str) -> Commitment:
    if not may_close_commitment(by, commitment):
        raise PermissionDenied
    # A conditional update: two people closing at once record one completion.
    now = timezone.now()
    when, who = (
        ("completed_at", "completed_by")
        if status == CommitmentStatus.DONE
        else ("cancelled_at", "cancelled_by")
    )
    closed = Commitment.objects.filter(pk=commitment.pk, status=CommitmentStatus.OPEN).update(
        status=status,
        note=note.strip() or commitment.note,
        updated_at=now,
        **{when: now, who: by},
    )
    commitment.refresh_from_db()
    if not closed and commitment.status != status:
        raise CommitmentClosedError(_("This commitment is already closed."))
    if closed:
        # Its overdue escalation, if any, has nothing left to chase.
        escalation_resolve_for(
            subject=commitment,
            reason=EscalationReason.OVERDUE_COMMITMENT,
            note=commitment_closed_resolution(status=commitment.status, user=by.name),
        )
    return commitment


@transaction.atomic
def commitment_complete(*, commitment: Commitment, by: User, note: str = "") -> Commitment:
    return _close(commitment, by=by, status=CommitmentStatus.DONE, note=note)


@transaction.atomic
def commitment_cancel(*, commitment: Commitment, by: User, note: str = "") -> Commitment:
    return _close(commitment, by=by, status=CommitmentStatus.CANCELLED, note=note)


@transaction.atomic
def engagement_policy_update(
    *,
    policy: EngagementPolicy,
    by: User,
    max_days_between_meetings: int | None,
    max_days_between_in_person: int | None,
) -> EngagementPolicy:
    """Sets how often the segment's suppliers must be met, and met in person (None: no
    requirement)."""
    if not may_change_policy(by):
        raise PermissionDenied
    policy.max_days_between_meetings = max_days_between_meetings
    policy.max_days_between_in_person = max_days_between_in_person
    policy.updated_at = timezone.now()
    errors: dict[str, list[str]] = {}
    try:
        policy.full_clean()  # the model's constraints: at least a day, or empty
    except ValidationError as error:
        errors = error.message_dict
    if (
        "max_days_between_in_person" not in errors
        and policy.max_days_between_in_person is not None
        and policy.max_days_between_meetings is not None
        and policy.max_days_between_in_person < policy.max_days_between_meetings
    ):
        errors["max_days_between_in_person"] = [
            _("In-person meetings cannot be required more often than meetings.")
        ]
    if errors:
        raise ValidationError(errors)
    policy.save()
    return policy
