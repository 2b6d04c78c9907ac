"""Who may act on an escalation: one rule for the pages, the API and the services.

Procurement managers may act on every escalation; anyone else who works in the pages may act
on one that has been addressed to them: the person of its level now or of a level below (the
key-account owner, their manager, the executive sponsor, the head of procurement). An
executive sponsor changes nothing else in the product, but an escalation that reached them is
theirs to acknowledge and resolve. Reading is escalations.selectors.escalation_visible's.
"""

from __future__ import annotations

from collections.abc import Iterable

from accounts.roles import Capability, user_can
from core.permissions import actions_for
from escalations.choices import STATUS_ACTIONS, EscalationAction, EscalationStatus
from escalations.models import Escalation
from escalations.selectors import level_recipient
from suppliers.selectors import AnyUser


def may_see(user: AnyUser, escalation: Escalation) -> bool:
    """Whoever reads the portfolio reads every escalation (its subject may still be hidden:
    escalations.selectors.may_see_subject)."""
    return user_can(user, Capability.VIEW_PORTFOLIO)


def is_addressed_to(user: AnyUser, escalation: Escalation) -> bool:
    """Whether the user is the person of one of the escalation's levels so far."""
    for level in range(1, escalation.level + 1):
        person = level_recipient(supplier=escalation.supplier, level=level)
        if person is not None and person.pk == user.pk:
            return True
    return False


def may_handle(user: AnyUser, escalation: Escalation) -> bool:
    """Who may acknowledge and resolve it, whatever its status: procurement managers, and the
    people it has been addressed to."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user_can(user, Capability.MANAGE_PORTFOLIO):
        return True
    # A person, not a machine (an integration account is nobody's level), who reads them.
    if not user_can(user, Capability.USE_PAGES) or not may_see(user, escalation):
        return False
    return is_addressed_to(user, escalation)


def may_acknowledge(user: AnyUser, escalation: Escalation) -> bool:
    return may_handle(user, escalation)


def may_resolve(user: AnyUser, escalation: Escalation) -> bool:
    return may_handle(user, escalation)


@actions_for(Escalation, actions=EscalationAction)
def escalation_actions(escalation: Escalation, user: AnyUser) -> Iterable[str]:
    """What the user may do to the escalation now: its status's actions (STATUS_ACTIONS), when
    the user may handle it (acknowledging and resolving share one rule, so the people of its
    levels are looked up once)."""
    possible = STATUS_ACTIONS[EscalationStatus(escalation.status)]
    if not possible or not may_handle(user, escalation):
        return ()
    return possible
