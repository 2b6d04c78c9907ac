"""Contract dates: what is accepted (1900-01-01 to 2200-12-31, ``core.dates``) on the pages,
the API and the ERP's bulk upsert; and rows stored before the bound (an end date in year 1
with a notice period, one in year 9999) read everywhere, the notice day shown as "—"."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import User
from accounts.services import api_token_create
from contracts.models import Contract, ExchangeRate, Obligation
from contracts.services import obligation_create
from contracts.tasks import contract_scan_task
from tests.factories import OwnershipFactory

pytestmark = pytest.mark.django_db
MakeContract = Callable[..., Contract]
CONTRACTS = "/api/v1/contracts/"
ROLES = ["procurement_manager", "account_manager", "executive"]


def _api(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _page(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _stored(contract: Contract, **fields: Any) -> Contract:
    """Writes the fields straight to the table, as rows from before the bound are."""
    Contract.objects.filter(pk=contract.pk).update(**fields)
    contract.refresh_from_db()
    return contract


@pytest.fixture
def year_one(make_contract: MakeContract) -> Contract:
    """An active contract that ends on 5 January of year 1 with 90 days' notice."""
    return _stored(make_contract(), start_date=None, end_date=date(1, 1, 5), notice_period_days=90)


# --- What is already stored -------------------------------------------------------------------


def test_the_notice_day_of_a_year_one_contract_is_none() -> None:
    assert Contract(end_date=date(1, 1, 5), notice_period_days=90).last_notice_date is None
    assert Contract(end_date=date(1, 4, 5), notice_period_days=90).last_notice_date == date(1, 1, 5)


@pytest.mark.parametrize("role", ROLES)
def test_pages_with_a_year_one_contract_answer_for_every_role(
    role: str, request: pytest.FixtureRequest, year_one: Contract
) -> None:
    user = request.getfixturevalue(role)
    OwnershipFactory(supplier=year_one.supplier, user=user)
    client = _page(user)

    listing = client.get(reverse("contracts:contract_list"))
    page = client.get(year_one.get_absolute_url())
    supplier = client.get(year_one.supplier.get_absolute_url())
    board = client.get(reverse("contracts:renewal_board"))

    assert [listing.status_code, page.status_code, supplier.status_code, board.status_code] == [
        200
    ] * 4
    assert year_one.number in listing.text and year_one.number in supplier.text
    assert "<dt>Last day to give notice</dt>\n      <dd>—</dd>" in page.text


@pytest.mark.parametrize("file_format", ["xlsx", "csv"])
def test_the_contract_export_holds_a_year_one_contract(
    file_format: str, procurement_manager: User, year_one: Contract
) -> None:
    response = _page(procurement_manager).get(
        reverse("reports:export", args=["contracts", file_format])
    )

    assert response.status_code == 200
    body = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    assert body
    if file_format == "csv":
        assert year_one.number in body.decode("utf-8-sig")


def test_the_erps_contract_list_holds_a_year_one_contract(
    integration: User, year_one: Contract
) -> None:
    _token, key = api_token_create(user=integration, name="ERP")
    client = APIClient()

    listed = client.get(CONTRACTS, headers={"authorization": f"Token {key}"})

    assert listed.status_code == 200, listed.content
    row = listed.json()["results"][0]
    assert (row["end_date"], row["last_notice_date"]) == ("0001-01-05", None)


@pytest.mark.parametrize("role", ROLES)
def test_the_api_reads_a_year_one_contract_for_every_role(
    role: str, request: pytest.FixtureRequest, year_one: Contract
) -> None:
    user = request.getfixturevalue(role)
    OwnershipFactory(supplier=year_one.supplier, user=user)
    client = _api(user)

    listed = client.get(CONTRACTS)
    detail = client.get(f"{CONTRACTS}{year_one.pk}/")
    notice_filter = client.get(CONTRACTS, {"notice_within": 90})

    assert listed.status_code == 200 and notice_filter.status_code == 200
    assert detail.status_code == 200
    assert detail.json()["last_notice_date"] is None


def test_the_alert_task_passes_over_a_year_one_contract(year_one: Contract) -> None:
    _stored(year_one, auto_renew=True, renewal_term_months=1)

    contract_scan_task.delay()

    year_one.refresh_from_db()
    assert (year_one.end_date, year_one.version) == (date(1, 1, 5), 1)


def test_renewing_past_the_last_accepted_date_is_refused_by_field(
    make_contract: MakeContract, procurement_manager: User
) -> None:
    contract = _stored(make_contract(), end_date=date(9999, 12, 31))
    client = _page(procurement_manager)

    api = _api(procurement_manager).post(
        f"{CONTRACTS}{contract.pk}/renew/", {"months": 12}, format="json"
    )
    page = client.post(reverse("contracts:contract_renew", args=[contract.pk]), {"months": "12"})

    assert api.status_code == 400, api.content
    assert "2200-12-31" in api.json()["error"]["fields"]["months"][0]
    assert page.status_code == 400
    assert "2200-12-31" in page.text
    contract.refresh_from_db()
    assert (contract.end_date, contract.version) == (date(9999, 12, 31), 1)


def test_a_recurring_obligation_is_not_moved_past_the_last_accepted_date(
    make_contract: MakeContract, procurement_manager: User
) -> None:
    contract = make_contract()
    obligation = obligation_create(
        by=procurement_manager,
        contract=contract,
        party="them",
        description="Quarterly report",
        due_date=date(2200, 12, 1),
        recurrence="quarterly",
    )

    response = _api(procurement_manager).post(
        f"/api/v1/obligations/{obligation.pk}/record/", {"status": "met"}, format="json"
    )

    assert response.status_code == 400, response.content
    assert "due_date" in response.json()["error"]["fields"]
    obligation.refresh_from_db()
    assert (obligation.status, obligation.due_date) == ("open", date(2200, 12, 1))


# --- What is accepted -------------------------------------------------------------------------


def _contract_body(supplier: Any, owner: User, **dates: str | None) -> dict[str, Any]:
    return {
        "supplier": supplier.pk,
        "title": "Logistics",
        "owner": owner.pk,
        "value": "1000.00",
        "currency": "EUR",
        "notice_period_days": 90,
        **dates,
    }


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("end_date", "0001-01-05"),
        ("end_date", "2201-01-01"),
        ("start_date", "1899-12-31"),
        ("end_date", "9999-12-31"),
    ],
)
def test_the_api_refuses_a_contract_date_out_of_range(
    field: str, value: str, procurement_manager: User, supplier: Any
) -> None:
    response = _api(procurement_manager).post(
        CONTRACTS, _contract_body(supplier, procurement_manager, **{field: value}), format="json"
    )

    assert response.status_code == 400, response.content
    assert response.json()["error"]["fields"][field] == [
        "Enter a date between 1900-01-01 and 2200-12-31."
    ]
    assert not Contract.objects.exists()


def test_the_api_takes_the_first_and_last_accepted_dates(
    procurement_manager: User, supplier: Any
) -> None:
    response = _api(procurement_manager).post(
        CONTRACTS,
        _contract_body(
            supplier, procurement_manager, start_date="1900-01-01", end_date="2200-12-31"
        ),
        format="json",
    )

    assert response.status_code == 201, response.content
    assert response.json()["last_notice_date"] == "2200-10-02"


def test_the_contract_form_refuses_a_year_one_end_date_and_keeps_what_was_typed(
    procurement_manager: User, supplier: Any
) -> None:
    body = _contract_body(supplier, procurement_manager, end_date="0001-01-05")
    body["title"] = "Kept title"

    response = _page(procurement_manager).post(reverse("contracts:contract_create"), body)

    assert response.status_code == 400
    assert "Enter a date between 1900-01-01 and 2200-12-31." in response.text
    assert "Kept title" in response.text
    assert 'min="1900-01-01"' in response.text and 'max="2200-12-31"' in response.text
    assert not Contract.objects.exists()


def test_amending_to_a_date_out_of_range_is_refused(
    make_contract: MakeContract, procurement_manager: User
) -> None:
    contract = make_contract()

    response = _api(procurement_manager).patch(
        f"{CONTRACTS}{contract.pk}/", {"end_date": "2300-01-01"}, format="json"
    )

    assert response.status_code == 400
    assert "end_date" in response.json()["error"]["fields"]


def test_terminating_and_obligations_and_realisations_take_only_accepted_dates(
    make_contract: MakeContract, procurement_manager: User
) -> None:
    contract = make_contract()
    client = _api(procurement_manager)

    ended = client.post(
        f"{CONTRACTS}{contract.pk}/terminate/", {"on": "0001-01-01", "reason": "x"}, format="json"
    )
    obligation = client.post(
        "/api/v1/obligations/",
        {"contract": contract.pk, "party": "them", "description": "OTD", "due_date": "2201-01-01"},
        format="json",
    )
    page = _page(procurement_manager).post(
        reverse("contracts:obligation_create", args=[contract.pk]),
        {"party": "them", "description": "OTD", "due_date": "1800-01-01"},
    )

    assert (ended.status_code, list(ended.json()["error"]["fields"])) == (400, ["on"])
    assert (obligation.status_code, list(obligation.json()["error"]["fields"])) == (
        400,
        ["due_date"],
    )
    assert page.status_code == 400
    assert not Obligation.objects.exists()
    contract.refresh_from_db()
    assert contract.status == "active"


def test_the_erp_bulk_upsert_refuses_contract_dates_out_of_range(
    integration: User, procurement_manager: User, supplier: Any
) -> None:
    row = {
        "external_id": "ERP-C-1",
        "title": "Cleaning",
        "supplier_external_id": supplier.external_id,
        "owner": procurement_manager.username,
        "currency": "SEK",
        "value": "250000",
        "start_date": "1899-12-31",
        "end_date": "0001-01-05",
        "notice_period_days": 90,
    }

    response = _api(integration).post(f"{CONTRACTS}bulk-upsert/", [row], format="json")

    assert response.status_code == 400, response.content
    errors = response.json()["error"]["errors"]
    assert {(error["row"], error["field"]) for error in errors} == {
        (0, "start_date"),
        (0, "end_date"),
    }
    assert "1900-01-01" in errors[0]["message"]
    assert not Contract.objects.exists()


def test_the_erp_exchange_rate_upsert_refuses_dates_out_of_range(integration: User) -> None:
    rows = [
        {"currency": "SEK", "date": "2026-03-01", "rate": "0.0875"},
        {"currency": "SEK", "date": "0001-01-01", "rate": "0.0875"},
        {"currency": "SEK", "date": "2201-01-01", "rate": "0.0875"},
    ]

    response = _api(integration).post("/api/v1/exchange-rates/bulk-upsert/", rows, format="json")

    assert response.status_code == 400, response.content
    assert {(e["row"], e["field"]) for e in response.json()["error"]["errors"]} == {
        (1, "date"),
        (2, "date"),
    }
    assert not ExchangeRate.objects.exists()
