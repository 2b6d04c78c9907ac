"""contracts.permissions: who may act (the predicates) and when (the lifecycle tables), asked
as one ``allowed_actions`` by the services, the page and the API."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.test import Client

from accounts.models import User
from contracts.choices import CONTRACT_STATUS_ACTIONS, CONTRACT_TRANSITIONS, ContractStatus
from contracts.models import Contract
from contracts.selectors import contract_get_in_full
from contracts.services import contract_terminate, renewal_decision_advance
from core.permissions import allowed_actions
from tests.contracts.conftest import TODAY

pytestmark = pytest.mark.django_db
MakeContract = Callable[..., Contract]

WORK = {"add_benefit", "add_obligation", "decide_renewal", "upload_document"}


def _actions(contract: Contract, user: User) -> set[str]:
    return set(allowed_actions(contract_get_in_full(user=user, pk=contract.pk), user))


def test_every_status_has_its_transitions_and_actions() -> None:
    assert set(CONTRACT_TRANSITIONS) == set(ContractStatus.values) == set(CONTRACT_STATUS_ACTIONS)
    assert CONTRACT_TRANSITIONS[ContractStatus.TERMINATED] == frozenset()


def test_a_procurement_manager_may_do_what_the_status_allows(
    make_contract: MakeContract, procurement_manager: User
) -> None:
    active = make_contract()
    assert _actions(active, procurement_manager) == {"amend", "renew", "terminate", *WORK}
    open_ended = make_contract(end_date=None)
    assert _actions(open_ended, procurement_manager) == {"amend", "terminate"} | (
        WORK - {"decide_renewal"}
    )
    contract_terminate(contract=active, by=procurement_manager, on=TODAY, reason="Done")
    assert _actions(active, procurement_manager) == WORK - {"decide_renewal"}


def test_the_owner_works_on_the_contract_but_does_not_manage_it(
    make_contract: MakeContract, account_manager: User
) -> None:
    contract = make_contract(owner=account_manager)
    assert _actions(contract, account_manager) == WORK
    page = Client()
    page.force_login(account_manager)
    text = page.get(f"/contracts/{contract.pk}/").content.decode()
    assert "Add an obligation" in text and f"/contracts/{contract.pk}/amend/" not in text
    renewal_decision_advance(contract=contract, by=account_manager, stage="under_review")
    renewal_decision_advance(
        contract=contract, by=account_manager, stage="decided", decision="renegotiate"
    )
    renewal_decision_advance(contract=contract, by=account_manager, stage="done")
    assert _actions(contract, account_manager) == WORK - {"decide_renewal"}


def test_others_may_do_nothing(
    make_contract: MakeContract, outsider: User, executive: User
) -> None:
    contract = make_contract(end_date=TODAY + timedelta(days=200))
    assert _actions(contract, outsider) == set()
    assert _actions(contract, executive) == set()
