"""Who may do what to an RFP, asked one way by the services, the pages, the API and the
templates (``{% allowed_actions rfp as can %}``). When an action is possible is the lifecycle
table ``rfps.choices.RFP_STATUS_ACTIONS``; the sealed rule (nothing opens before a round's
deadline) adds the clock.

Procurement (run RFPs and change data) runs every RFP it sees; the panel scores. Predicates
read related rows from the prefetch cache when the caller loaded them (``rfp_get`` does), so
asking them for a list of rows runs no query per row.
"""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from accounts.roles import Capability, user_can
from core.permissions import actions_for
from rfps.choices import (
    INVITATION_STATUS_ACTIONS,
    RFP_STATUS_ACTIONS,
    InvitationAction,
    RfpAction,
)
from rfps.models import Invitation, Rfp, Round
from suppliers.selectors import AnyUser


def may_run_rfps(user: AnyUser) -> bool:
    """Create RFPs, and run every RFP: publish, close, cancel, negotiate, award, answer."""
    return user_can(user, Capability.RUN_RFPS) and user_can(user, Capability.CHANGE_DATA)


def may_manage(user: AnyUser, rfp: Rfp) -> bool:
    return may_run_rfps(user)


def may_award(user: AnyUser, rfp: Rfp) -> bool:
    return may_manage(user, rfp)


def may_answer(user: AnyUser, rfp: Rfp) -> bool:
    return may_manage(user, rfp)


def may_act_for_supplier(user: AnyUser, invitation: Invitation) -> bool:
    """Resend a supplier's link, or enter the proposal it sent by email."""
    return may_manage(user, invitation.rfp)


def is_panel_member(user: AnyUser, rfp: Rfp) -> bool:
    if not user.is_authenticated:
        return False
    cached = getattr(rfp, "_prefetched_objects_cache", {}).get("panel")
    if cached is not None:
        return any(member.pk == user.pk for member in cached)
    return rfp.panel.filter(pk=user.pk).exists()


def may_score(user: AnyUser, rfp: Rfp) -> bool:
    return is_panel_member(user, rfp)


def status_allows(rfp: Rfp, action: str) -> bool:
    """Whether the RFP's status allows the action at all, whoever asks."""
    return action in RFP_STATUS_ACTIONS[rfp.status]


def _rounds(rfp: Rfp) -> list[Round]:
    return list(rfp.rounds.all())


def _shortlisted(round_: Round, invitation: Invitation) -> bool:
    cached = getattr(round_, "_prefetched_objects_cache", {}).get("shortlist")
    if cached is not None:
        return any(member.pk == invitation.pk for member in cached)
    return round_.shortlist.filter(pk=invitation.pk).exists()


@actions_for(Rfp, actions=RfpAction)
def rfp_allowed_actions(rfp: Rfp, user: AnyUser, now: datetime | None = None) -> set[str]:
    now = now or timezone.now()
    rounds = _rounds(rfp)
    opened = any(not round_.is_sealed(now) for round_ in rounds)
    possible = set(RFP_STATUS_ACTIONS[rfp.status])
    if not opened:
        possible -= {RfpAction.SCORE, RfpAction.COMPARE}
    if not rounds or rounds[-1].is_sealed(now):
        possible.discard(RfpAction.CLOSE)
    allowed: set[str] = {str(RfpAction.COMPARE)} & possible
    if may_manage(user, rfp):
        allowed |= possible - {RfpAction.SCORE}
    if RfpAction.SCORE in possible and may_score(user, rfp):
        allowed.add(RfpAction.SCORE)
    return allowed


@actions_for(Invitation, actions=InvitationAction)
def invitation_allowed_actions(invitation: Invitation, user: AnyUser) -> set[str]:
    """While the supplier's round is open (sealed): resend its link if it has an address,
    enter its emailed proposal until it has responded through the link itself."""
    rfp = invitation.rfp
    possible = INVITATION_STATUS_ACTIONS[rfp.status]
    if invitation.declined_at is not None or not possible:
        return set()
    rounds = _rounds(rfp)
    if not rounds or not rounds[-1].is_sealed():
        return set()
    latest = rounds[-1]
    if latest.number > 1 and not _shortlisted(latest, invitation):
        return set()
    if not may_act_for_supplier(user, invitation):
        return set()
    allowed = set(possible)
    if not invitation.email:
        allowed.discard(InvitationAction.RESEND)
    if invitation.link_used_at is not None:
        allowed.discard(InvitationAction.ENTER_PROPOSAL)
    return allowed
