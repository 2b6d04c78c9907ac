"""Who may log, change or delete a meeting, and record or close a commitment: one rule for
services, pages, the API and templates. The predicates answer *who*; the lifecycle table in
``meetings.choices`` answers *when*; ``*_actions`` combine both (see ``core.permissions``)."""

from __future__ import annotations

from collections.abc import Iterable

from accounts.roles import Capability, user_can
from core.permissions import actions_for
from meetings.choices import (
    COMMITMENT_TARGETS,
    COMMITMENT_TRANSITIONS,
    CommitmentAction,
    MeetingAction,
)
from meetings.models import Commitment, Meeting
from suppliers.models import KeyAccountOwnership
from suppliers.selectors import AnyUser


def may_log_meetings(user: AnyUser) -> bool:
    """Account managers and procurement managers log meetings and record commitments."""
    return user_can(user, Capability.MANAGE_OWN_SUPPLIERS) and user_can(
        user, Capability.CHANGE_DATA
    )


def may_record_commitment(user: AnyUser) -> bool:
    """Commitments on either side are recorded by those who log meetings, in a meeting or on
    their own; that the supplier is visible to them is the service's check."""
    return may_log_meetings(user)


def may_change_meeting(user: AnyUser, meeting: Meeting) -> bool:
    """Only the author or a procurement manager changes or deletes a meeting."""
    if not may_log_meetings(user):
        return False
    return meeting.logged_by_id == user.pk or user_can(user, Capability.MANAGE_PORTFOLIO)


@actions_for(Meeting, actions=MeetingAction)
def meeting_actions(meeting: Meeting, user: AnyUser) -> Iterable[str]:
    return list(MeetingAction.values) if may_change_meeting(user, meeting) else []


def holds_key_account(user: AnyUser, commitment: Commitment) -> bool:
    """Whether the user holds a current key-account role for the commitment's supplier; read
    from the selectors' ``viewer_holds_key_account`` annotation when present."""
    annotated = getattr(commitment, "viewer_holds_key_account", None)
    if annotated is not None:
        return bool(annotated)
    return KeyAccountOwnership.objects.filter(
        supplier_id=commitment.supplier_id, user_id=user.pk or 0, until__isnull=True
    ).exists()


def may_close_commitment(user: AnyUser, commitment: Commitment) -> bool:
    """Either side's commitment is closed by whoever recorded it, the supplier's key-account
    people and procurement managers; ours also by its owner. Their side's owner is a contact,
    who has no account: our people close it for them."""
    if user_can(user, Capability.MANAGE_PORTFOLIO) and user_can(user, Capability.CHANGE_DATA):
        return True
    if not may_log_meetings(user):
        return False
    if user.pk in (commitment.owner_user_id, commitment.created_by_id):
        return True
    return holds_key_account(user, commitment)


@actions_for(Commitment, actions=CommitmentAction)
def commitment_actions(commitment: Commitment, user: AnyUser) -> Iterable[str]:
    reachable = COMMITMENT_TRANSITIONS[commitment.status]
    possible = [name for name, target in COMMITMENT_TARGETS.items() if target in reachable]
    if not possible or not may_close_commitment(user, commitment):
        return []
    return possible


def may_change_policy(user: AnyUser) -> bool:
    """Procurement managers set how often each segment must be met."""
    return user_can(user, Capability.MANAGE_PORTFOLIO) and user_can(user, Capability.CHANGE_DATA)
