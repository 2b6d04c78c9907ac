"""The contracts API: reads with the confidentiality rule, writes and actions through the
services, obligations, benefits, documents, exchange rates, bulk upserts, query counts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import User
from accounts.roles import Role
from accounts.services import api_token_create
from contracts.models import Benefit, Contract, ContractVersion, ExchangeRate, Obligation
from contracts.services import benefit_create, document_upload, obligation_create
from tests.contracts.conftest import TODAY
from tests.factories import OwnershipFactory, SupplierFactory

pytestmark = pytest.mark.django_db
MakeContract = Callable[..., Contract]
CONTRACTS = "/api/v1/contracts/"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer\n%%EOF\n"


def _as(client: APIClient, user: User) -> APIClient:
    client.force_authenticate(user)
    return client


def test_contract_value_is_null_for_an_account_manager_who_does_not_own_the_supplier(
    api_client: APIClient, make_contract: MakeContract, outsider: User, account_manager: User
) -> None:
    contract = make_contract(description="Secret terms")
    OwnershipFactory(supplier=contract.supplier, user=account_manager, role="owner")
    seen = _as(api_client, outsider).get(f"{CONTRACTS}{contract.pk}/").json()
    assert seen["restricted"] is True
    assert (seen["value"], seen["currency"], seen["description"]) == (None, None, None)
    assert seen["end_date"] == contract.end_date.isoformat()  # type: ignore[union-attr]
    assert seen["last_notice_date"] == contract.last_notice_date.isoformat()  # type: ignore[union-attr]
    owner_view = _as(api_client, account_manager).get(f"{CONTRACTS}{contract.pk}/").json()
    assert (owner_view["restricted"], owner_view["value"], owner_view["currency"]) == (
        False,
        "120000.00",
        "EUR",
    )
    listed = _as(api_client, outsider).get(CONTRACTS).json()["results"]
    assert [row["value"] for row in listed] == [None]


def test_create_activate_and_read_back(
    api_client: APIClient, procurement_manager: User, supplier: Any
) -> None:
    client = _as(api_client, procurement_manager)
    body = {
        "supplier": supplier.pk,
        "title": "Logistics",
        "owner": procurement_manager.pk,
        "value": "90000.00",
        "currency": "EUR",
        "start_date": TODAY.isoformat(),
        "end_date": (TODAY + timedelta(days=730)).isoformat(),
        "notice_period_days": 90,
    }
    created = client.post(CONTRACTS, body, format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["status"] == "draft"
    url = f"{CONTRACTS}{created.json()['id']}/"
    activated = client.post(f"{url}activate/")
    assert activated.status_code == 200
    assert activated.json()["status"] == "active"
    assert activated.json()["number"].startswith("C-2026-")


def test_activate_lists_what_is_missing(
    api_client: APIClient, make_contract: MakeContract, procurement_manager: User
) -> None:
    draft = make_contract(active=False, start_date=None)
    response = _as(api_client, procurement_manager).post(f"{CONTRACTS}{draft.pk}/activate/")
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"start_date"}


def test_bad_input_is_refused_by_field(
    api_client: APIClient, procurement_manager: User, supplier: Any
) -> None:
    response = _as(api_client, procurement_manager).post(
        CONTRACTS,
        {"supplier": supplier.pk, "title": "", "owner": "x", "value": "-1", "currency": "ZZZ"},
        format="json",
    )
    assert response.status_code == 400
    assert {"title", "owner", "value", "currency"} <= set(response.json()["error"]["fields"])


def test_account_managers_cannot_create_or_act(
    api_client: APIClient, make_contract: MakeContract, account_manager: User, supplier: Any
) -> None:
    contract = make_contract()
    client = _as(api_client, account_manager)
    assert client.post(f"{CONTRACTS}{contract.pk}/renew/", {"months": 12}).status_code == 403
    assert (
        client.post(
            f"{CONTRACTS}{contract.pk}/terminate/", {"on": TODAY.isoformat(), "reason": "x"}
        ).status_code
        == 403
    )
    assert client.patch(f"{CONTRACTS}{contract.pk}/", {"title": "x"}).status_code == 403


def test_amend_by_patch_makes_a_new_version(
    api_client: APIClient, make_contract: MakeContract, procurement_manager: User
) -> None:
    contract = make_contract()
    response = _as(api_client, procurement_manager).patch(
        f"{CONTRACTS}{contract.pk}/",
        {"value": "130000.00", "note": "Indexation"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert (response.json()["version"], response.json()["value"]) == (2, "130000.00")
    assert ContractVersion.objects.get(contract=contract, number=2).note == "Indexation"
    moved = _as(api_client, procurement_manager).patch(
        f"{CONTRACTS}{contract.pk}/", {"supplier": SupplierFactory().pk}, format="json"
    )
    assert moved.status_code == 400


def test_renew_terminate_and_renewal_decision_actions(
    api_client: APIClient, make_contract: MakeContract, procurement_manager: User
) -> None:
    contract = make_contract(end_date=date(2027, 2, 28))
    client = _as(api_client, procurement_manager)
    renewed = client.post(f"{CONTRACTS}{contract.pk}/renew/", {"months": 12}, format="json")
    assert renewed.json()["end_date"] == "2028-02-29"
    step = client.post(
        f"{CONTRACTS}{contract.pk}/renewal-decision/", {"stage": "under_review"}, format="json"
    )
    assert step.status_code == 200
    skipped = client.post(
        f"{CONTRACTS}{contract.pk}/renewal-decision/", {"stage": "done"}, format="json"
    )
    assert skipped.status_code == 409
    assert skipped.json()["error"]["code"] == "invalid_renewal_transition"
    ended = client.post(
        f"{CONTRACTS}{contract.pk}/terminate/",
        {"on": TODAY.isoformat(), "reason": "Consolidation"},
        format="json",
    )
    assert ended.json()["status"] == "terminated"
    again = client.post(
        f"{CONTRACTS}{contract.pk}/terminate/", {"on": TODAY.isoformat(), "reason": "x"}
    )
    assert again.status_code == 409


def test_obligations_and_benefits_only_for_those_who_see_the_contract_in_full(
    api_client: APIClient, make_contract: MakeContract, procurement_manager: User, outsider: User
) -> None:
    contract = make_contract()
    client = _as(api_client, procurement_manager)
    made = client.post(
        "/api/v1/obligations/",
        {
            "contract": contract.pk,
            "party": "them",
            "description": "OTD",
            "target": "95%",
            "due_date": "2026-03-31",
            "recurrence": "monthly",
        },
        format="json",
    )
    assert made.status_code == 201, made.json()
    recorded = client.post(
        f"/api/v1/obligations/{made.json()['id']}/record/", {"status": "met"}, format="json"
    )
    assert recorded.json()["due_date"] == "2026-04-30"
    benefit = client.post(
        "/api/v1/benefits/",
        {"contract": contract.pk, "kind": "savings", "expected_amount": "1000.00"},
        format="json",
    )
    assert benefit.status_code == 201, benefit.json()
    realised = client.post(
        f"/api/v1/benefits/{benefit.json()['id']}/realisations/",
        {"period_start": "2026-01-01", "period_end": "2026-01-31", "amount": "250.00"},
        format="json",
    )
    assert realised.json()["realised"] == "250.00"

    other = _as(APIClient(), outsider)
    assert other.get("/api/v1/obligations/").json()["results"] == []
    assert other.get("/api/v1/benefits/").json()["results"] == []
    assert other.get(f"/api/v1/benefits/{benefit.json()['id']}/").status_code == 404
    refused = other.post(
        "/api/v1/benefits/",
        {"contract": contract.pk, "kind": "savings", "expected_amount": "1"},
        format="json",
    )
    assert refused.status_code == 400  # the contract does not exist for them
    assert Benefit.objects.count() == 1 and Obligation.objects.count() == 1


def test_document_upload_checks_content_and_size(
    api_client: APIClient,
    make_contract: MakeContract,
    procurement_manager: User,
    outsider: User,
    settings: Any,
    tmp_path: Any,
) -> None:
    settings.MEDIA_ROOT = tmp_path
    contract = make_contract()
    client = _as(api_client, procurement_manager)

    def upload(name: str, content: bytes) -> Any:
        return client.post(
            "/api/v1/contract-documents/",
            {"contract": contract.pk, "kind": "signed", "file": SimpleUploadedFile(name, content)},
            format="multipart",
        )

    stored = upload("signed.pdf", PDF)
    assert stored.status_code == 201, stored.json()
    assert stored.json()["mime"] == "application/pdf"
    renamed = upload("invoice.pdf", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" * 20)
    assert renamed.status_code == 400
    assert "file" in renamed.json()["error"]["fields"]
    settings.CONTRACT_DOCUMENT_MAX_BYTES = len(PDF) - 1
    assert upload("big.pdf", PDF).status_code == 400
    download = stored.json()["download_url"]
    assert client.get(download).status_code == 200
    other = _as(APIClient(), outsider)
    assert other.get(download).status_code == 404
    assert other.get("/api/v1/contract-documents/").json()["results"] == []


def test_contract_bulk_upsert_all_or_nothing(
    api_client: APIClient, integration: User, procurement_manager: User, supplier: Any
) -> None:
    client = _as(api_client, integration)
    good = {
        "external_id": "ERP-C-1",
        "title": "Cleaning",
        "supplier_external_id": supplier.external_id,
        "owner": procurement_manager.username,
        "currency": "SEK",
        "value": "250000",
        "start_date": "2026-01-01",
        "end_date": "2027-12-31",
        "notice_period_days": 90,
        "status": "active",
    }
    bad = {**good, "external_id": "ERP-C-2", "supplier_external_id": "nope", "value": "abc"}
    refused = client.post(f"{CONTRACTS}bulk-upsert/", [good, bad], format="json")
    assert refused.status_code == 400
    errors = refused.json()["error"]["errors"]
    assert {(e["row"], e["field"]) for e in errors} == {
        (1, "supplier_external_id"),
        (1, "value"),
    }
    assert not Contract.objects.exists()
    created = client.post(f"{CONTRACTS}bulk-upsert/", [good], format="json").json()
    assert (created["created"], created["results"][0]["result"]) == (1, "created")
    contract = Contract.objects.get(external_id="ERP-C-1")
    assert (contract.status, contract.currency, contract.value) == ("active", "SEK", 250000)
    again = client.post(f"{CONTRACTS}bulk-upsert/", [good], format="json").json()
    assert again["unchanged"] == 1
    changed = client.post(
        f"{CONTRACTS}bulk-upsert/", [{"external_id": "ERP-C-1", "value": "260000"}], format="json"
    ).json()
    assert changed["updated"] == 1
    assert ContractVersion.objects.filter(contract=contract).count() == 2


def test_bulk_upsert_refuses_bad_bodies(api_client: APIClient, integration: User) -> None:
    client = _as(api_client, integration)
    assert client.post(f"{CONTRACTS}bulk-upsert/", {"x": 1}, format="json").status_code == 400
    response = client.post(f"{CONTRACTS}bulk-upsert/", [{"external_id": "E"}] * 5001, format="json")
    assert response.status_code == 413
    notjson = client.post(f"{CONTRACTS}bulk-upsert/", "x", content_type="text/plain")
    assert notjson.status_code == 415


def test_exchange_rates_bulk_upsert_and_list(
    api_client: APIClient, integration: User, outsider: User
) -> None:
    client = _as(api_client, integration)
    rows = [
        {"currency": "SEK", "date": "2026-03-01", "rate": "0.0875"},
        {"currency": "USD", "date": "2026-03-01", "rate": 0.92},
    ]
    response = client.post("/api/v1/exchange-rates/bulk-upsert/", rows, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["created"] == 2
    rows[0]["rate"] = "0.0880"
    again = client.post("/api/v1/exchange-rates/bulk-upsert/", rows, format="json").json()
    assert (again["updated"], again["unchanged"]) == (1, 1)
    bad = client.post(
        "/api/v1/exchange-rates/bulk-upsert/",
        [
            {"currency": "EUR", "date": "2026-03-01", "rate": "1"},
            {"currency": "SEK", "date": "03/01/2026", "rate": "0"},
        ],
        format="json",
    )
    assert {(e["row"], e["field"]) for e in bad.json()["error"]["errors"]} == {
        (0, "currency"),
        (1, "date"),
        (1, "rate"),
    }
    assert ExchangeRate.objects.get(currency="SEK").rate == Decimal("0.088")
    listed = _as(APIClient(), outsider).get("/api/v1/exchange-rates/?currency=SEK").json()
    assert [row["rate"] for row in listed["results"]] == ["0.08800000"]
    forbidden = _as(APIClient(), outsider).post(
        "/api/v1/exchange-rates/bulk-upsert/", rows, format="json"
    )
    assert forbidden.status_code == 403


def _contracts(count: int, make_contract: MakeContract, by: User) -> None:
    for index in range(count):
        contract = make_contract(
            supplier=SupplierFactory(),
            end_date=TODAY + timedelta(days=120 + index),
            currency=["EUR", "SEK", "USD"][index % 3],
        )
        OwnershipFactory(supplier=contract.supplier, role="owner")
        obligation_create(by=by, contract=contract, party="us", description="x")
        benefit_create(by=by, contract=contract, kind="savings", expected_amount=Decimal(5))


def _queries(client: APIClient, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, {"page_size": 200})
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    "url", [CONTRACTS, "/api/v1/obligations/", "/api/v1/benefits/", "/api/v1/exchange-rates/"]
)
def test_lists_run_the_same_queries_for_3_and_30_rows(
    api_client: APIClient,
    make_contract: MakeContract,
    procurement_manager: User,
    account_manager: User,
    url: str,
) -> None:
    _token, key = api_token_create(user=account_manager, name="Phone")
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    api_client.get(url)
    _contracts(3, make_contract, procurement_manager)
    small = _queries(api_client, url)
    _contracts(27, make_contract, procurement_manager)
    large = _queries(api_client, url)
    assert small == large
    assert large <= 4


def test_incremental_sync_with_updated_since(
    api_client: APIClient, make_contract: MakeContract, integration: User
) -> None:
    old = make_contract(title="Old")
    Contract.objects.filter(pk=old.pk).update(updated_at=timezone.now() - timedelta(days=3))
    new = make_contract(title="New")
    since = (timezone.now() - timedelta(days=1)).isoformat()
    rows = (
        _as(api_client, integration)
        .get(CONTRACTS, {"updated_since": since, "ordering": "updated_at"})
        .json()["results"]
    )
    assert [row["id"] for row in rows] == [new.pk]


def test_document_list_runs_the_same_queries_for_2_and_12_documents(
    api_client: APIClient,
    make_contract: MakeContract,
    procurement_manager: User,
    settings: Any,
    tmp_path: Any,
) -> None:
    settings.MEDIA_ROOT = tmp_path
    contract = make_contract()
    client = _as(api_client, procurement_manager)

    def upload(count: int) -> None:
        for index in range(count):
            document_upload(
                by=procurement_manager,
                contract=contract,
                upload=SimpleUploadedFile(f"d{index}.pdf", PDF),
                kind="other",
            )

    upload(2)
    small = _queries(client, "/api/v1/contract-documents/")
    upload(10)
    assert _queries(client, "/api/v1/contract-documents/") == small


@pytest.mark.parametrize(
    ("who", "restricted"),
    [
        ("procurement", False),
        ("executive", False),
        ("owner", False),
        ("key_account", False),
        ("sponsor", False),
        ("former_owner", True),
        ("outsider", True),
        ("erp", False),  # the ERP writes values and pulls contracts back (PRODUCT.md)
    ],
)
def test_confidentiality_per_role_in_the_api(
    api_client: APIClient,
    make_contract: MakeContract,
    make_user: Callable[..., User],
    who: str,
    restricted: bool,
) -> None:
    people = {
        "procurement": make_user(Role.PROCUREMENT_MANAGER),
        "executive": make_user(Role.EXECUTIVE),
        "owner": make_user(Role.ACCOUNT_MANAGER),
        "key_account": make_user(Role.ACCOUNT_MANAGER),
        "sponsor": make_user(Role.ACCOUNT_MANAGER),
        "former_owner": make_user(Role.ACCOUNT_MANAGER),
        "outsider": make_user(Role.ACCOUNT_MANAGER),
        "erp": make_user(Role.INTEGRATION),
    }
    contract = make_contract(owner=people["owner"])
    OwnershipFactory(supplier=contract.supplier, user=people["key_account"], role="owner")
    OwnershipFactory(supplier=contract.supplier, user=people["sponsor"], role="executive_sponsor")
    OwnershipFactory(
        supplier=contract.supplier,
        user=people["former_owner"],
        role="backup",
        since=TODAY - timedelta(days=90),
        until=TODAY - timedelta(days=1),
    )
    benefit_create(
        by=people["procurement"], contract=contract, kind="savings", expected_amount=Decimal(9)
    )
    client = _as(api_client, people[who])
    row = client.get(f"{CONTRACTS}{contract.pk}/").json()
    assert row["restricted"] is restricted
    assert (row["value"] is None) is restricted
    assert row["end_date"] == contract.end_date.isoformat()  # type: ignore[union-attr]
    assert (client.get("/api/v1/benefits/").json()["results"] == []) is restricted


def test_overdue_obligations_are_flagged_and_filtered(
    api_client: APIClient,
    make_contract: MakeContract,
    procurement_manager: User,
    outsider: User,
    make_user: Callable[..., User],
) -> None:
    contract = make_contract()

    def obligation(description: str, due: date | None) -> Obligation:
        return obligation_create(
            by=procurement_manager,
            contract=contract,
            party="them",
            description=description,
            due_date=due,
        )

    late = obligation("Late report", TODAY - timedelta(days=1))
    obligation("Due today", TODAY)
    obligation("No date", None)
    waived = obligation("Waived", TODAY - timedelta(days=5))
    Obligation.objects.filter(pk=waived.pk).update(status="waived")
    client = _as(api_client, procurement_manager)
    rows = client.get("/api/v1/obligations/").json()["results"]
    assert {row["description"]: row["overdue"] for row in rows} == {
        "Late report": True,
        "Due today": False,
        "No date": False,
        "Waived": False,
    }
    overdue = client.get("/api/v1/obligations/", {"overdue": "true"}).json()["results"]
    assert [row["id"] for row in overdue] == [late.pk]
    others = client.get("/api/v1/obligations/", {"overdue": "false"}).json()["results"]
    assert late.pk not in [row["id"] for row in others] and len(others) == 3
    # Someone who may not see the contract in full learns of no overdue obligation.
    assert (
        _as(APIClient(), outsider)
        .get("/api/v1/obligations/", {"overdue": "true"})
        .json()["results"]
        == []
    )
