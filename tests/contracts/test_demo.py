"""The demo contracts: several currencies, some near their notice day, benefits partly
realised, every status; safe to run twice."""

from __future__ import annotations

import pytest

import contracts.demo
from accounts.models import User
from contracts.models import Benefit, BenefitRealisation, Contract, ExchangeRate, Obligation
from contracts.selectors import contract_list
from tests.demo_snapshot import DemoSnapshot

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today() -> None:
    """The demo is seeded on the real day, once per run: this module stays on it, instead of
    the contract tests' fixed day (tests/contracts/conftest.py)."""


def test_demo_contracts_show_every_part_and_run_twice(demo_data: DemoSnapshot) -> None:
    count = Contract.objects.count()
    list(contracts.demo.seed())
    assert Contract.objects.count() == count >= 10
    assert Contract.objects.values("currency").distinct().count() >= 3
    assert set(Contract.objects.values_list("status", flat=True)) == {
        "draft",
        "active",
        "terminated",
    }
    soon = Contract.objects.notice_within(30)
    assert soon.exists()
    assert Obligation.objects.exists() and BenefitRealisation.objects.exists()
    assert Benefit.objects.filter(realisations__isnull=True).exists()  # partly realised
    assert ExchangeRate.objects.filter(currency="SEK").exists()
    manager = User.objects.get(username="procurement")
    values = contract_list(user=manager).filter(status="active")
    missing = [c.currency for c in values if c.value_reporting is None]  # type: ignore[attr-defined]
    assert missing == []
