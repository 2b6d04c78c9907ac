"""Who may do what to a contract and what hangs off it: one rule for services, pages, the API
and templates.

- Creating, activating, amending, renewing and terminating a contract: procurement managers
  (MANAGE_CONTRACTS).
- Obligations, benefits, documents and the renewal decision: procurement managers and the
  contract's owner (with CHANGE_DATA), among those who may see the contract in full.
- The confidential parts (value, obligations, benefits, documents): ``contracts.selectors``
  decides, in SQL; ``may_view_confidential`` asks it.

When each may happen is the lifecycle table in ``contracts.choices``;
``contract_actions`` (and those of obligations and benefits) combine both, for
``{% allowed_actions contract as can %}`` and the API's ``allowed_actions``.
"""

from __future__ import annotations

from typing import Any

from accounts.models import User
from accounts.roles import Capability, user_can
from contracts.choices import (
    CONTRACT_STATUS_ACTIONS,
    RENEWAL_TRANSITIONS,
    BenefitAction,
    ContractAction,
    ObligationAction,
    RenewalStage,
)
from contracts.models import Benefit, Contract, Obligation, RenewalDecision
from contracts.selectors import may_see_confidential
from core.permissions import actions_for
from suppliers.selectors import AnyUser


def may_create_contract(user: AnyUser) -> bool:
    """Create, activate, amend, renew and terminate: procurement managers."""
    return user_can(user, Capability.MANAGE_CONTRACTS)


def may_sync(user: AnyUser) -> bool:
    """Bulk upserts of contracts and exchange rates: the ERP's integration account, or those
    who manage contracts by hand."""
    return user_can(user, Capability.SYNC_ERP) or user_can(user, Capability.MANAGE_CONTRACTS)


def may_manage(user: AnyUser, contract: Contract) -> bool:
    """Activate, amend, renew or terminate ``contract``: procurement managers."""
    return user_can(user, Capability.MANAGE_CONTRACTS)


def may_view_confidential(user: AnyUser, contract: Contract) -> bool:
    """The value, obligations, benefits and documents (``contracts.selectors``' rule)."""
    return may_see_confidential(user=user, contract=contract)


def may_work_on(user: AnyUser, contract: Contract) -> bool:
    """Obligations, benefits, documents and the renewal decision: procurement managers and
    the contract's owner."""
    if may_manage(user, contract):
        return True
    return contract.owner_id == user.pk and user_can(user, Capability.CHANGE_DATA)


def may_record_obligation(user: AnyUser, obligation: Obligation) -> bool:
    return may_work_on(user, obligation.contract)


def may_record_realisation(user: AnyUser, benefit: Benefit) -> bool:
    return may_work_on(user, benefit.contract)


def may_decide_renewal(user: AnyUser, contract: Contract) -> bool:
    return may_work_on(user, contract)


def _renewal_stage(contract: Contract) -> str:
    """The current term's decision stage: the one the selector loaded, else one query."""
    if "current_renewal" in contract.__dict__:
        renewal = contract.__dict__["current_renewal"]
        return str(renewal.stage) if renewal is not None else RenewalStage.UPCOMING
    if contract.end_date is None:
        return RenewalStage.UPCOMING
    stage = (
        RenewalDecision.objects.filter(contract=contract, term_end=contract.end_date)
        .values_list("stage", flat=True)
        .first()
    )
    return stage or RenewalStage.UPCOMING


@actions_for(Contract, actions=ContractAction)
def contract_actions(contract: Contract, user: User) -> set[str]:
    """What ``user`` may do to ``contract`` now. The work on its contents needs the contract
    seen in full; a renewal needs an end date and no termination given; the renewal decision
    a stage to move to."""
    possible = set(CONTRACT_STATUS_ACTIONS[contract.status])
    if contract.end_date is None or contract.terminates_on is not None:
        possible -= {ContractAction.RENEW, ContractAction.DECIDE_RENEWAL}
    allowed: set[str] = set()
    if may_manage(user, contract):
        allowed |= possible & {
            ContractAction.AMEND,
            ContractAction.ACTIVATE,
            ContractAction.RENEW,
            ContractAction.TERMINATE,
        }
    work = {
        ContractAction.DECIDE_RENEWAL,
        ContractAction.ADD_OBLIGATION,
        ContractAction.ADD_BENEFIT,
        ContractAction.UPLOAD_DOCUMENT,
    } & possible
    if work and may_view_confidential(user, contract) and may_work_on(user, contract):
        allowed |= work
        if (
            ContractAction.DECIDE_RENEWAL in allowed
            and not RENEWAL_TRANSITIONS[_renewal_stage(contract)]
        ):
            allowed.discard(ContractAction.DECIDE_RENEWAL)
    return allowed


@actions_for(Obligation, actions=ObligationAction)
def obligation_actions(obligation: Obligation, user: User) -> set[str]:
    """Recording how it went: whoever works on the contract (rows come from selectors that
    hold only contracts the user may see in full)."""
    return {ObligationAction.RECORD} if may_record_obligation(user, obligation) else set()


@actions_for(Benefit, actions=BenefitAction)
def benefit_actions(benefit: Benefit, user: User) -> set[str]:
    if may_record_realisation(user, benefit):
        return {BenefitAction.RECORD_REALISATION}
    return set()


__all__: list[Any] = [
    "benefit_actions",
    "contract_actions",
    "may_create_contract",
    "may_decide_renewal",
    "may_manage",
    "may_record_obligation",
    "may_record_realisation",
    "may_sync",
    "may_view_confidential",
    "may_work_on",
    "obligation_actions",
]
