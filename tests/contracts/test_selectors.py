"""Reads: the notice date and the derived status in SQL and in Python, conversion to the
reporting currency, who sees a contract in full, the list filters and the renewal board."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db.models import F, Sum
from django.http import Http404, QueryDict

from accounts.models import User
from accounts.roles import Role
from contracts.choices import ContractPhase, ContractStatus
from contracts.currency import convert, to_reporting_currency
from contracts.models import Contract, ExchangeRate, last_notice_date
from contracts.selectors import (
    benefit_list,
    benefit_list_for,
    benefit_totals,
    contract_get,
    contract_get_in_full,
    contract_list,
    document_list,
    obligation_list,
    renewal_board,
)
from contracts.services import (
    benefit_create,
    benefit_realisation_record,
    contract_terminate,
    obligation_create,
    renewal_decision_advance,
)
from tests.contracts.conftest import TODAY
from tests.factories import OwnershipFactory, SupplierFactory

pytestmark = pytest.mark.django_db
MakeContract = Callable[..., Contract]


@pytest.mark.parametrize(
    ("end", "days", "notice"),
    [
        (date(2027, 3, 31), 30, date(2027, 3, 1)),
        (date(2028, 3, 31), 31, date(2028, 2, 29)),  # back into a leap February
        (date(2027, 3, 31), 31, date(2027, 2, 28)),
        (date(2028, 3, 1), 1, date(2028, 2, 29)),
        (date(2027, 1, 1), 1, date(2026, 12, 31)),  # across the year
        (date(2027, 12, 31), 365, date(2026, 12, 31)),
        (date(2027, 6, 30), 0, date(2027, 6, 30)),
    ],
)
def test_last_notice_day_is_end_minus_notice_period_in_python_and_sql(
    make_contract: MakeContract, end: date, days: int, notice: date
) -> None:
    contract = make_contract(end_date=end, notice_period_days=days)
    assert contract.last_notice_date == notice
    assert last_notice_date(end, days) == notice
    annotated = Contract.objects.with_notice_date().get(pk=contract.pk)
    assert annotated.last_notice_date == notice


def test_open_ended_contract_has_no_notice_day(make_contract: MakeContract) -> None:
    contract = make_contract(end_date=None, notice_period_days=90)
    assert contract.last_notice_date is None
    row = Contract.objects.with_notice_date().values("last_notice_date").get(pk=contract.pk)
    assert row["last_notice_date"] is None


def test_phase_is_derived_from_dates_the_same_in_sql_and_python(
    make_contract: MakeContract, procurement_manager: User
) -> None:
    cases = {
        "active": make_contract(end_date=TODAY + timedelta(days=91)),
        "expiring": make_contract(end_date=TODAY + timedelta(days=90)),
        "open": make_contract(end_date=None),
        "draft": make_contract(
            active=False, end_date=TODAY + timedelta(days=10), notice_period_days=0
        ),
    }
    expired = make_contract(end_date=TODAY + timedelta(days=10), notice_period_days=0)
    Contract.objects.filter(pk=expired.pk).update(end_date=TODAY - timedelta(days=1))
    cases["expired"] = Contract.objects.get(pk=expired.pk)
    ended = make_contract(end_date=TODAY + timedelta(days=20), notice_period_days=0)
    cases["terminated"] = contract_terminate(
        contract=ended, by=procurement_manager, on=TODAY, reason="Merged"
    )
    expected = {
        "active": ContractPhase.ACTIVE,
        "expiring": ContractPhase.EXPIRING,
        "open": ContractPhase.ACTIVE,
        "draft": ContractPhase.DRAFT,
        "expired": ContractPhase.EXPIRED,
        "terminated": ContractPhase.TERMINATED,
    }
    phases = dict(Contract.objects.with_phase(today=TODAY).values_list("pk", "phase"))
    for name, contract in cases.items():
        assert contract.phase_on(TODAY) == expected[name], name
        assert phases[contract.pk] == expected[name], name


def _rates() -> None:
    ExchangeRate.objects.bulk_create(
        [
            ExchangeRate(currency="SEK", date=date(2026, 1, 1), rate=Decimal("0.09")),
            ExchangeRate(currency="SEK", date=date(2026, 2, 1), rate=Decimal("0.085")),
            ExchangeRate(currency="USD", date=date(2026, 2, 15), rate=Decimal("0.92")),
        ]
    )


def test_conversion_uses_the_latest_rate_on_or_before_the_date() -> None:
    _rates()
    assert convert(Decimal(1000), "SEK", on=date(2026, 1, 31)) == Decimal("90.00")
    assert convert(Decimal(1000), "SEK", on=date(2026, 2, 1)) == Decimal("85.00")
    assert convert(Decimal(1000), "SEK") == Decimal("85.00")
    assert convert(Decimal(1000), "SEK", on=date(2025, 12, 31)) is None
    assert convert(Decimal(1000), "EUR", on=date(2000, 1, 1)) == Decimal("1000.00")
    assert convert(Decimal(1000), "NOK") is None


def test_totals_across_currencies_are_summed_in_the_database(
    make_contract: MakeContract,
) -> None:
    _rates()
    make_contract(value=Decimal("1000"), currency="EUR")
    make_contract(value=Decimal("10000"), currency="SEK")
    make_contract(value=Decimal("500"), currency="USD")
    make_contract(value=Decimal("777"), currency="NOK")  # no rate: left out, and shown missing
    contracts = Contract.objects.all()
    total = contracts.aggregate(total=Sum(to_reporting_currency(F("value"), "currency")))["total"]
    assert total == Decimal("1000") + Decimal("850") + Decimal("460")
    on_day = contracts.aggregate(
        total=Sum(to_reporting_currency(F("value"), "currency", on=date(2026, 1, 15)))
    )["total"]
    assert on_day == Decimal("1000") + Decimal("900")  # no USD rate yet on that day
    missing = Contract.objects.with_value_in_reporting_currency().filter(
        value_reporting__isnull=True
    )
    assert [c.currency for c in missing] == ["NOK"]


def test_benefits_expected_against_realised_in_both_currencies(
    make_contract: MakeContract, procurement_manager: User
) -> None:
    _rates()
    contract = make_contract(currency="SEK")
    benefit = benefit_create(
        by=procurement_manager, contract=contract, kind="savings", expected_amount=Decimal(20000)
    )
    for start, end, amount in [
        (date(2025, 12, 1), date(2026, 1, 31), Decimal(1000)),  # at 0.09
        (date(2026, 2, 1), date(2026, 2, 28), Decimal(2000)),  # at 0.085
    ]:
        benefit_realisation_record(
            by=procurement_manager,
            benefit=benefit,
            period_start=start,
            period_end=end,
            amount=amount,
        )
    loaded = list(benefit_list_for(contracts=[contract]))
    assert loaded[0].realised == Decimal(3000)
    assert loaded[0].realised_reporting == Decimal("260.00")
    assert loaded[0].expected_reporting == Decimal("1700.00")
    totals = benefit_totals(loaded, "SEK")
    assert (totals.expected, totals.realised) == (Decimal(20000), Decimal(3000))
    assert (totals.expected_reporting, totals.realised_reporting) == (
        Decimal("1700.00"),
        Decimal("260.00"),
    )


# --- Confidentiality ------------------------------------------------------------------------


@pytest.fixture
def people(make_user: Callable[..., User]) -> dict[str, User]:
    return {
        "manager": make_user(Role.PROCUREMENT_MANAGER, username="pm"),
        "executive": make_user(Role.EXECUTIVE, username="exec"),
        "owner": make_user(Role.ACCOUNT_MANAGER, username="carol"),
        "key_account": make_user(Role.ACCOUNT_MANAGER, username="alice"),
        "backup": make_user(Role.ACCOUNT_MANAGER, username="dave"),
        "former": make_user(Role.ACCOUNT_MANAGER, username="erin"),
        "outsider": make_user(Role.ACCOUNT_MANAGER, username="bob"),
        "erp": make_user(Role.INTEGRATION, username="erp"),
    }


def test_who_sees_a_contract_in_full(make_contract: MakeContract, people: dict[str, User]) -> None:
    contract = make_contract(owner=people["owner"])
    OwnershipFactory(supplier=contract.supplier, user=people["key_account"], role="owner")
    OwnershipFactory(supplier=contract.supplier, user=people["backup"], role="backup")
    OwnershipFactory(supplier=contract.supplier, user=people["former"], role="backup", until=TODAY)
    # Owning another supplier gives nothing here.
    OwnershipFactory(supplier=SupplierFactory(), user=people["outsider"], role="owner")
    full = {
        name
        for name, user in people.items()
        if contract_get(user=user, pk=contract.pk).confidential_visible
    }  # type: ignore[attr-defined]
    assert full == {"manager", "executive", "erp", "owner", "key_account", "backup"}


def test_restricted_reader_gets_no_confidential_rows_loaded(
    make_contract: MakeContract, people: dict[str, User]
) -> None:
    contract = make_contract(owner=people["owner"])
    obligation_create(by=people["manager"], contract=contract, party="us", description="x")
    benefit_create(
        by=people["manager"], contract=contract, kind="quality", expected_amount=Decimal(1)
    )
    outsider = people["outsider"]
    loaded = contract_get_in_full(user=outsider, pk=contract.pk)
    assert not hasattr(loaded, "benefit_list") and not hasattr(loaded, "obligation_list")
    assert list(obligation_list(user=outsider)) == []
    assert list(benefit_list(user=outsider)) == []
    assert list(document_list(user=outsider)) == []
    assert len(obligation_list(user=people["owner"])) == 1
    assert len(benefit_list(user=people["executive"])) == 1


def test_value_and_currency_filters_never_reveal_a_hidden_value(
    make_contract: MakeContract, people: dict[str, User]
) -> None:
    make_contract(value=Decimal("5000000"))
    for user, expected in [(people["outsider"], 0), (people["manager"], 1)]:
        found = contract_list(user=user, filters={"value_min": "4000000"})
        assert found.count() == expected
    for user, expected in [(people["outsider"], 0), (people["manager"], 1)]:
        assert contract_list(user=user, filters={"currency": "EUR"}).count() == expected
    assert contract_list(user=people["outsider"]).count() == 1  # it exists, for everyone


def test_nobody_without_the_portfolio_reads_contracts(
    make_contract: MakeContract, make_user: Callable[..., User]
) -> None:
    contract = make_contract()
    nobody = make_user(username="norole")
    with pytest.raises(Http404):
        contract_get(user=nobody, pk=contract.pk)


# --- List filters and the renewal board -----------------------------------------------------


def test_notice_and_ending_within_filters(make_contract: MakeContract) -> None:
    near = make_contract(end_date=TODAY + timedelta(days=150), notice_period_days=90)  # 60 days
    far = make_contract(end_date=TODAY + timedelta(days=400), notice_period_days=90)
    make_contract(end_date=None)
    make_contract(active=False, end_date=TODAY + timedelta(days=100), notice_period_days=90)
    user = near.owner

    def numbers(**filters: str) -> set[str]:
        query = QueryDict(mutable=True)
        query.update(filters)
        found = contract_list(user=user, filters=query)
        return set(found.values_list("number", flat=True))

    assert numbers(notice_within="60") == {near.number}
    assert numbers(notice_within="59") == set()
    assert numbers(ending_within="150") == {near.number}
    assert numbers(ending_within="400") == {near.number, far.number}
    assert numbers(status="expiring") == set()
    assert numbers(status="draft") == {
        c.number for c in Contract.objects.filter(status=ContractStatus.DRAFT)
    }


def test_board_puts_each_contract_in_its_stage_with_days_to_notice(
    make_contract: MakeContract, procurement_manager: User
) -> None:
    upcoming = make_contract(end_date=TODAY + timedelta(days=150), notice_period_days=90)
    reviewed = make_contract(end_date=TODAY + timedelta(days=100), notice_period_days=90)
    renewal_decision_advance(contract=reviewed, by=procurement_manager, stage="under_review")
    make_contract(end_date=TODAY + timedelta(days=900))  # far: not on the board
    make_contract(end_date=None)
    board = renewal_board(user=procurement_manager, within_days=180)
    assert [c.pk for c in board["upcoming"]] == [upcoming.pk]
    assert [c.pk for c in board["under_review"]] == [reviewed.pk]
    assert board["under_review"][0].days_to_notice == 10  # type: ignore[attr-defined]
    assert board["upcoming"][0].days_to_notice == 60  # type: ignore[attr-defined]
    assert board["decided"] == [] and board["done"] == []
