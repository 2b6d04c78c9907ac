"""Confidentiality by every route: an account manager who holds no key-account role on the
supplier (bob) may learn that a contract exists and its dates, never its value, currency,
description, obligations, benefits, documents or the notes of its history; alice, who owns the
supplier, sees them. Each test reads one route and fails on a leak."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from accounts.models import User
from accounts.roles import Role
from contracts.models import Contract
from contracts.services import (
    benefit_create,
    contract_amend,
    contract_terminate,
    document_upload,
    obligation_create,
    renewal_decision_advance,
)
from tests.contracts.conftest import TODAY
from tests.factories import OwnershipFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer\n%%EOF\n"
# What bob must never read, in the forms each route prints them.
SECRETS = (
    "987,654.32",
    "987654.32",
    "Secret rebate clause",
    "Quarterly OTD report",
    "55,555",
    "55555",
    "signed-terms",
    "Raised after rebate talks",
    "Under review because of the rebate",
)


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def alice(make_user: Callable[..., User]) -> User:
    return make_user(Role.ACCOUNT_MANAGER, username="alice")


@pytest.fixture
def bob(make_user: Callable[..., User]) -> User:
    return make_user(Role.ACCOUNT_MANAGER, username="bob")


@pytest.fixture
def secret_contract(
    make_contract: Callable[..., Contract], procurement_manager: User, alice: User
) -> Contract:
    """A CHF contract of alice's supplier (she is its key-account owner), with every
    confidential part filled in."""
    contract = make_contract(
        title="Framework for castings",
        value=Decimal("900000.00"),
        currency="CHF",
        description="Secret rebate clause",
        end_date=TODAY + timedelta(days=140),  # notice in 50 days: on the board and in My day
    )
    OwnershipFactory(supplier=contract.supplier, user=alice, role="owner")
    contract_amend(
        contract=contract,
        by=procurement_manager,
        value=Decimal("987654.32"),
        note="Raised after rebate talks",
    )
    obligation_create(
        by=procurement_manager, contract=contract, party="them", description="Quarterly OTD report"
    )
    benefit_create(
        by=procurement_manager, contract=contract, kind="savings", expected_amount=Decimal(55555)
    )
    document_upload(
        by=procurement_manager,
        contract=contract,
        upload=SimpleUploadedFile("signed-terms.pdf", PDF),
        kind="signed",
    )
    renewal_decision_advance(
        contract=contract,
        by=procurement_manager,
        stage="under_review",
        note="Under review because of the rebate",
    )
    return Contract.objects.get(pk=contract.pk)


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _leaks(text: str) -> list[str]:
    return [secret for secret in SECRETS if secret in text]


def test_contract_page_hides_every_confidential_part_and_history_note(
    secret_contract: Contract, alice: User, bob: User
) -> None:
    page = _client(bob).get(secret_contract.get_absolute_url())
    assert page.status_code == 200
    assert "Framework for castings" in page.text
    assert _leaks(page.text) == []
    full = _client(alice).get(secret_contract.get_absolute_url()).text
    assert "987,654.32" in full and "Raised after rebate talks" in full
    assert "Under review because of the rebate" in full


def test_terminated_contract_keeps_its_reason_from_bob(
    secret_contract: Contract, procurement_manager: User, bob: User
) -> None:
    contract_terminate(
        contract=secret_contract, by=procurement_manager, on=TODAY, reason="Rebate never paid"
    )
    page = _client(bob).get(secret_contract.get_absolute_url()).text
    assert "Rebate never paid" not in page
    api = _client(bob).get(f"/api/v1/contracts/{secret_contract.pk}/").json()
    assert api["termination_reason"] is None


def test_list_board_and_supplier_page_hide_the_value(
    secret_contract: Contract, alice: User, bob: User
) -> None:
    client = _client(bob)
    for url in ("/contracts/", "/contracts/renewals/", secret_contract.supplier.get_absolute_url()):
        page = client.get(url)
        assert page.status_code == 200, url
        assert "Framework for castings" in page.text or secret_contract.number in page.text, url
        assert _leaks(page.text) == [], url
    assert "987,654.32" in _client(alice).get(secret_contract.supplier.get_absolute_url()).text


def test_supplier_history_holds_no_contract_figures(
    secret_contract: Contract, procurement_manager: User, bob: User
) -> None:
    """The supplier page's history lists changes of the supplier and what hangs off it; the
    audit rows of its contracts (value, description) are not for everyone who opens it."""
    page = _client(bob).get(secret_contract.supplier.get_absolute_url()).text
    assert "987654.32" not in page and "900000.00" not in page
    assert "Secret rebate clause" not in page


def test_search_and_value_filters_reveal_nothing(secret_contract: Contract, bob: User) -> None:
    client = _client(bob)
    assert "Framework for castings" in client.get("/contracts/?q=castings").text
    assert "Framework for castings" not in client.get("/contracts/?q=rebate").text
    for query in ("value_min=900000", "value_max=1000000", "currency=CHF"):
        assert "Framework for castings" not in client.get(f"/contracts/?{query}").text, query
        api = client.get(f"/api/v1/contracts/?{query}").json()["results"]
        assert api == [], query


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_export_hides_value_and_currency(
    secret_contract: Contract, alice: User, bob: User, file_format: str
) -> None:
    def rows(user: User) -> list[list[str]]:
        response = _client(user).get(f"/reports/export/contracts.{file_format}")
        assert response.status_code == 200
        body = b"".join(response.streaming_content)  # type: ignore[attr-defined]
        if file_format == "csv":
            return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
        with zipfile.ZipFile(io.BytesIO(body)) as book:
            xml = "".join(
                book.read(name).decode() for name in book.namelist() if name.startswith("xl/")
            )
        return [[xml]]

    if file_format == "csv":
        header, row = rows(bob)
        assert row[header.index("Title")] == "Framework for castings"
        assert row[header.index("Value")] == ""
        assert row[header.index("Currency")] == ""
        assert row[header.index("Value in the reporting currency")] == ""
        header, row = rows(alice)
        assert row[header.index("Currency")] == "CHF"
        assert row[header.index("Value")] == "987654.32"
    else:
        text = rows(bob)[0][0]
        assert "Framework for castings" in text
        assert _leaks(text) == [] and "CHF" not in text
        assert "CHF" in rows(alice)[0][0]


def test_api_hides_value_obligations_benefits_and_documents(
    secret_contract: Contract, alice: User, bob: User
) -> None:
    client = _client(bob)
    row = client.get(f"/api/v1/contracts/{secret_contract.pk}/").json()
    assert row["restricted"] is True
    assert row["value"] is None and row["currency"] is None and row["description"] is None
    assert row["end_date"] == secret_contract.end_date.isoformat()  # type: ignore[union-attr]
    listed = client.get("/api/v1/contracts/").json()["results"]
    assert [r["value"] for r in listed] == [None]
    for resource in ("obligations", "benefits", "contract-documents"):
        assert client.get(f"/api/v1/{resource}/").json()["results"] == [], resource
    document = secret_contract.documents.get()
    obligation = secret_contract.obligations.get()
    benefit = secret_contract.benefits.get()
    assert client.get(f"/api/v1/contract-documents/{document.pk}/download/").status_code == 404
    assert client.get(f"/contracts/documents/{document.pk}/").status_code == 404
    assert client.get(f"/api/v1/obligations/{obligation.pk}/").status_code == 404
    assert client.get(f"/api/v1/benefits/{benefit.pk}/").status_code == 404
    assert client.get(f"/api/v1/contract-documents/{document.pk}/").status_code == 404
    mine = _client(alice)
    assert mine.get(f"/api/v1/contract-documents/{document.pk}/download/").status_code == 200
    assert mine.get(f"/api/v1/contracts/{secret_contract.pk}/").json()["currency"] == "CHF"


def test_reports_api_dashboard_and_my_day_hold_no_figure_of_bobs(
    secret_contract: Contract, alice: User, bob: User
) -> None:
    client = _client(bob)
    figures = client.get("/api/v1/reports/contracts/").json()
    assert figures["notice_due"] == 0 and figures["active"] == 0
    assert Decimal(figures["value_under_contract"]) == 0
    for url in ("/reports/", "/reports/my-day/"):
        page = client.get(url)
        assert page.status_code == 200, url
        assert _leaks(page.text) == [], url
        assert "Framework for castings" not in page.text, url  # not his contract
    mine = _client(alice).get("/api/v1/reports/contracts/").json()
    assert mine["active"] == 1 and mine["notice_due"] == 1
    assert "Framework for castings" in _client(alice).get("/reports/my-day/").text


def test_admin_shows_figures_only_to_staff_who_may_see_them(
    secret_contract: Contract, make_user: Callable[..., User]
) -> None:
    """A staff member helping with the admin is not, by that, cleared for contract values."""
    helpdesk = make_user(Role.ACCOUNT_MANAGER, username="helpdesk", is_staff=True)
    helpdesk.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="contracts", codename__startswith="view_"
        )
    )
    client = _client(helpdesk)
    change = client.get(f"/admin/contracts/contract/{secret_contract.pk}/change/")
    assert change.status_code == 200
    assert "Framework for castings" in change.text
    assert _leaks(change.text) == []
    assert "CHF" not in change.text
    listing = client.get("/admin/contracts/contract/")
    assert listing.status_code == 200
    assert "Framework for castings" in listing.text and "CHF" not in listing.text
    cleared = make_user(Role.EXECUTIVE, username="auditor", is_staff=True)
    cleared.user_permissions.add(*helpdesk.user_permissions.all())
    shown = _client(cleared).get(f"/admin/contracts/contract/{secret_contract.pk}/change/")
    assert "987654.32" in shown.text or "987,654.32" in shown.text
