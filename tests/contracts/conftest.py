"""Fixtures for the contract tests: a procurement manager's active contract and its people."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import time_machine

from accounts.models import User
from accounts.roles import Role
from contracts.models import Contract
from contracts.services import contract_activate, contract_create
from suppliers.models import Supplier
from tests.factories import SupplierFactory

TODAY = date(2026, 3, 2)


@pytest.fixture(autouse=True)
def _today() -> Iterator[None]:
    """Every contract test runs on TODAY (the clock ticks on from 09:00 UTC)."""
    with time_machine.travel(datetime(2026, 3, 2, 9, 0, tzinfo=UTC)):
        yield


@pytest.fixture
def supplier(db: None) -> Supplier:
    return SupplierFactory(name="Acme Components AB")


@pytest.fixture
def make_contract(procurement_manager: User, supplier: Supplier) -> Callable[..., Contract]:
    """make_contract(active=True, end_date=..., **fields): a contract by the procurement
    manager, activated unless active=False."""

    def make(*, active: bool = True, **fields: Any) -> Contract:
        values: dict[str, Any] = {
            "supplier": supplier,
            "title": "Components framework agreement",
            "owner": procurement_manager,
            "value": Decimal("120000.00"),
            "currency": "EUR",
            "start_date": TODAY - timedelta(days=30),
            "end_date": TODAY + timedelta(days=365),
            "notice_period_days": 90,
        }
        values.update(fields)
        contract = contract_create(by=procurement_manager, **values)
        if active:
            contract = contract_activate(contract=contract, by=procurement_manager)
        return contract

    return make


@pytest.fixture
def outsider(make_user: Callable[..., User]) -> User:
    """An account manager who neither owns the contract nor the supplier."""
    return make_user(Role.ACCOUNT_MANAGER, username="bob")
