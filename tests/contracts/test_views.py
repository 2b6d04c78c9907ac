"""The contract pages: list and filters, the contract page per role, forms, uploads and the
download, the renewal board, the supplier page's panel, and query counts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from contracts.models import Benefit, Contract, ContractDocument, ContractVersion, Obligation
from contracts.services import (
    benefit_create,
    contract_amend,
    document_upload,
    obligation_create,
)
from suppliers.models import Supplier
from tests.contracts.conftest import TODAY
from tests.factories import OwnershipFactory, SupplierFactory

pytestmark = pytest.mark.django_db
MakeContract = Callable[..., Contract]
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" * 16


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_list_shows_value_only_to_those_who_may_see_it(
    make_contract: MakeContract, outsider: User, executive: User
) -> None:
    make_contract(title="Freight", value=Decimal("123456.00"))
    hidden = _client(outsider).get("/contracts/")
    assert hidden.status_code == 200
    assert "Freight" in hidden.text and "123,456.00" not in hidden.text
    assert "Confidential" in hidden.text
    shown = _client(executive).get("/contracts/")
    assert "123,456.00" in shown.text


def test_list_filters_link_from_the_dashboard(make_contract: MakeContract, outsider: User) -> None:
    make_contract(title="Near notice", end_date=TODAY + timedelta(days=150))  # notice in 60
    make_contract(title="Far away", end_date=TODAY + timedelta(days=700))
    page = _client(outsider).get("/contracts/?notice_within=90").text
    assert "Near notice" in page and "Far away" not in page
    page = _client(outsider).get("/contracts/?ending_within=200").text
    assert "Near notice" in page and "Far away" not in page


def test_list_survives_nonsense_filters(make_contract: MakeContract, outsider: User) -> None:
    make_contract()
    response = _client(outsider).get("/contracts/?notice_within=abc&status=bogus&value_min=-")
    assert response.status_code == 200


def test_contract_page_in_full_and_restricted(
    make_contract: MakeContract,
    procurement_manager: User,
    outsider: User,
    account_manager: User,
) -> None:
    contract = make_contract(description="Rebate of 3% above 1M")
    OwnershipFactory(supplier=contract.supplier, user=account_manager, role="backup")
    obligation_create(
        by=procurement_manager, contract=contract, party="them", description="Monthly OTD report"
    )
    benefit_create(
        by=procurement_manager,
        contract=contract,
        kind="savings",
        expected_amount=Decimal("20000"),
    )
    restricted = _client(outsider).get(contract.get_absolute_url()).text
    for secret in ("Monthly OTD report", "20,000", "120,000", "Rebate of 3%"):
        assert secret not in restricted
    assert contract.title in restricted
    assert contract.end_date.strftime("%Y") in restricted  # type: ignore[union-attr]
    full = _client(account_manager).get(contract.get_absolute_url()).text
    for shown in ("Monthly OTD report", "20,000", "120,000", "Rebate of 3%"):
        assert shown in full


def test_other_peoples_objects_are_404(
    make_contract: MakeContract, procurement_manager: User, outsider: User
) -> None:
    contract = make_contract()
    obligation = obligation_create(
        by=procurement_manager, contract=contract, party="us", description="x"
    )
    benefit = benefit_create(
        by=procurement_manager, contract=contract, kind="other", expected_amount=Decimal(1)
    )
    client = _client(outsider)
    assert (
        client.post(
            f"/contracts/obligations/{obligation.pk}/record/", {"status": "met"}
        ).status_code
        == 404
    )
    assert (
        client.post(
            f"/contracts/benefits/{benefit.pk}/realisations/",
            {"period_start": "2026-01-01", "period_end": "2026-01-31", "amount": "5"},
        ).status_code
        == 404
    )
    assert client.get("/contracts/999999/").status_code == 404
    Obligation.objects.get(pk=obligation.pk, status="open")


def test_procurement_manager_creates_activates_uploads_and_records_a_saving(
    procurement_manager: User, supplier: Supplier
) -> None:
    client = _client(procurement_manager)
    assert client.get("/contracts/new/").status_code == 200
    response = client.post(
        "/contracts/new/",
        {
            "supplier": supplier.pk,
            "title": "Packaging 2026",
            "owner": procurement_manager.pk,
            "value": "80000",
            "currency": "EUR",
            "start_date": TODAY.isoformat(),
            "end_date": (TODAY + timedelta(days=365)).isoformat(),
            "notice_period_days": "90",
        },
    )
    contract = Contract.objects.get(title="Packaging 2026")
    assert response.status_code == 302 and response["Location"] == contract.get_absolute_url()
    assert client.post(f"/contracts/{contract.pk}/activate/").status_code == 302
    contract.refresh_from_db()
    assert contract.status == "active"
    upload = SimpleUploadedFile("signed.pdf", PDF, content_type="application/pdf")
    assert (
        client.post(f"/contracts/{contract.pk}/documents/", {"kind": "signed", "file": upload})
    ).status_code == 302
    saving = client.post(
        f"/contracts/{contract.pk}/benefits/", {"kind": "savings", "expected_amount": "12000"}
    )
    assert saving.status_code == 302
    page = client.get(contract.get_absolute_url()).text
    assert "signed.pdf" in page and "12,000.00" in page


def test_form_errors_keep_what_was_typed(procurement_manager: User, supplier: Supplier) -> None:
    response = _client(procurement_manager).post(
        "/contracts/new/",
        {
            "supplier": supplier.pk,
            "title": "Kept title",
            "owner": procurement_manager.pk,
            "value": "10",
            "currency": "EUR",
            "notice_period_days": "0",
            "auto_renew": "on",
        },
    )
    assert response.status_code == 400
    assert "Kept title" in response.text
    assert "needs a renewal term" in response.text
    assert not Contract.objects.exists()


def test_activation_refusal_is_shown_on_the_page(
    make_contract: MakeContract, procurement_manager: User
) -> None:
    draft = make_contract(active=False, value=Decimal(0))
    response = _client(procurement_manager).post(f"/contracts/{draft.pk}/activate/")
    assert response.status_code == 400
    assert "needs its value" in response.text


def test_account_manager_cannot_open_the_create_form(account_manager: User) -> None:
    assert _client(account_manager).get("/contracts/new/").status_code == 403


def test_a_renamed_executable_is_refused(
    make_contract: MakeContract, procurement_manager: User
) -> None:
    contract = make_contract()
    upload = SimpleUploadedFile("contract.pdf", EXE, content_type="application/pdf")
    response = _client(procurement_manager).post(
        f"/contracts/{contract.pk}/documents/", {"kind": "signed", "file": upload}
    )
    assert response.status_code == 400
    assert "not accepted" in response.text or "not one of the accepted" in response.text
    assert not ContractDocument.objects.exists()


def test_an_oversize_file_is_refused(
    make_contract: MakeContract, procurement_manager: User, settings: Any
) -> None:
    settings.CONTRACT_DOCUMENT_MAX_BYTES = 1024
    contract = make_contract()
    big = PDF + b"0" * 2000
    upload = SimpleUploadedFile("big.pdf", big, content_type="application/pdf")
    response = _client(procurement_manager).post(
        f"/contracts/{contract.pk}/documents/", {"kind": "signed", "file": upload}
    )
    assert response.status_code == 400
    assert "the limit is 1.0" in response.text
    assert not ContractDocument.objects.exists()


def test_download_only_for_those_who_may_see_it(
    make_contract: MakeContract,
    procurement_manager: User,
    outsider: User,
    account_manager: User,
) -> None:
    contract = make_contract()
    OwnershipFactory(supplier=contract.supplier, user=account_manager, role="owner")
    document = document_upload(
        by=procurement_manager,
        contract=contract,
        upload=SimpleUploadedFile("signed.pdf", PDF),
        kind="signed",
    )
    assert document.file.name.startswith("contracts/")
    allowed = _client(account_manager).get(document.get_absolute_url())
    assert allowed.status_code == 200
    assert b"".join(allowed.streaming_content) == PDF  # type: ignore[attr-defined]
    assert allowed["Content-Type"] == "application/pdf"
    assert "attachment" in allowed["Content-Disposition"]
    assert _client(outsider).get(document.get_absolute_url()).status_code == 404
    anonymous = Client().get(document.get_absolute_url())
    assert anonymous.status_code == 302  # to sign in
    assert Client().get(f"/media/{document.file.name}").status_code in (302, 404)


def test_amend_page_keeps_old_version_in_history(
    make_contract: MakeContract, procurement_manager: User, outsider: User
) -> None:
    contract = make_contract()
    client = _client(procurement_manager)
    form = client.get(f"/contracts/{contract.pk}/amend/")
    assert form.status_code == 200
    response = client.post(
        f"/contracts/{contract.pk}/amend/",
        {
            "title": contract.title,
            "owner": procurement_manager.pk,
            "value": "150000",
            "currency": "EUR",
            "start_date": contract.start_date.isoformat(),  # type: ignore[union-attr]
            "end_date": contract.end_date.isoformat(),  # type: ignore[union-attr]
            "notice_period_days": "60",
            "note": "Volume up",
        },
    )
    assert response.status_code == 302
    assert ContractVersion.objects.filter(contract=contract).count() == 2
    page = client.get(contract.get_absolute_url()).text
    assert "120000.00 → 150000.00" in page and "90 → 60" in page and "Volume up" in page
    hidden = _client(outsider).get(contract.get_absolute_url()).text
    assert "150000" not in hidden and "90 → 60" in hidden


def test_renewal_decision_from_the_page(
    make_contract: MakeContract, procurement_manager: User
) -> None:
    contract = make_contract(end_date=TODAY + timedelta(days=120))
    client = _client(procurement_manager)
    assert (
        client.post(f"/contracts/{contract.pk}/renewal/", {"stage": "under_review"}).status_code
        == 302
    )
    refused = client.post(f"/contracts/{contract.pk}/renewal/", {"stage": "done"})
    assert refused.status_code == 409
    board = client.get("/contracts/renewals/").text
    section = board.split('data-stage="under_review"')[1].split("</section>")[0]
    assert contract.title in section and "30 days to the notice day" in section


def test_supplier_page_lists_its_contracts(
    make_contract: MakeContract, outsider: User, supplier: Supplier
) -> None:
    make_contract(title="Visible framework", value=Decimal("999999"))
    page = _client(outsider).get(supplier.get_absolute_url()).text
    assert "Visible framework" in page and "999,999" not in page


def _contracts(count: int, make_contract: MakeContract, by: User) -> None:
    for index in range(count):
        contract = make_contract(
            supplier=SupplierFactory(),
            end_date=TODAY + timedelta(days=100 + index),
            currency=["EUR", "SEK"][index % 2],
        )
        OwnershipFactory(supplier=contract.supplier, role="owner")


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    "url", ["/contracts/", "/contracts/renewals/", "/contracts/?notice_within=90"]
)
def test_list_and_board_run_the_same_queries_for_3_and_30_contracts(
    make_contract: MakeContract, procurement_manager: User, account_manager: User, url: str
) -> None:
    client = _client(account_manager)
    client.get(url)
    _contracts(3, make_contract, procurement_manager)
    small = _queries(client, url)
    _contracts(27, make_contract, procurement_manager)
    large = _queries(client, url)
    assert small == large
    assert large <= 12


def test_contract_page_queries_do_not_grow_with_its_rows(
    make_contract: MakeContract, procurement_manager: User
) -> None:
    contract = make_contract()
    client = _client(procurement_manager)

    def add(count: int) -> None:
        for _ in range(count):
            obligation_create(
                by=procurement_manager, contract=contract, party="us", description="x"
            )
            benefit_create(
                by=procurement_manager, contract=contract, kind="other", expected_amount=Decimal(1)
            )

    add(2)
    small = _queries(client, contract.get_absolute_url())
    add(10)
    assert _queries(client, contract.get_absolute_url()) == small
    assert Benefit.objects.count() == 12


def test_each_version_keeps_its_full_terms_readable(
    make_contract: MakeContract, procurement_manager: User, outsider: User
) -> None:
    contract = make_contract(title="Old title")
    contract_amend(contract=contract, by=procurement_manager, title="New title", value=Decimal(7))
    page = _client(procurement_manager).get(contract.get_absolute_url()).text
    assert "The terms of version 1" in page and "Old title" in page and "120000.00" in page
    hidden = _client(outsider).get(contract.get_absolute_url()).text
    assert "Old title" in hidden and "120000.00" not in hidden


def test_record_obligation_realisation_renew_and_terminate_from_the_page(
    make_contract: MakeContract, procurement_manager: User
) -> None:
    contract = make_contract(end_date=TODAY + timedelta(days=200))
    obligation = obligation_create(
        by=procurement_manager, contract=contract, party="them", description="Audit report"
    )
    benefit = benefit_create(
        by=procurement_manager, contract=contract, kind="savings", expected_amount=Decimal(900)
    )
    client = _client(procurement_manager)
    done = client.post(
        f"/contracts/obligations/{obligation.pk}/record/",
        {"status": "met", "evidence_note": "Report received"},
    )
    assert done.status_code == 302
    realised = client.post(
        f"/contracts/benefits/{benefit.pk}/realisations/",
        {"period_start": "2026-01-01", "period_end": "2026-01-31", "amount": "300"},
    )
    assert realised.status_code == 302
    bad = client.post(
        f"/contracts/benefits/{benefit.pk}/realisations/",
        {"period_start": "2026-02-01", "period_end": "2026-01-01", "amount": "x"},
    )
    assert bad.status_code == 400
    renewed = client.post(f"/contracts/{contract.pk}/renew/", {"months": "6"})
    assert renewed.status_code == 302
    no_reason = client.post(f"/contracts/{contract.pk}/terminate/", {"on": TODAY.isoformat()})
    assert no_reason.status_code == 400
    ended = client.post(
        f"/contracts/{contract.pk}/terminate/", {"on": TODAY.isoformat(), "reason": "Merged"}
    )
    assert ended.status_code == 302
    contract.refresh_from_db()
    obligation.refresh_from_db()
    assert (obligation.status, obligation.evidence_note) == ("met", "Report received")
    assert benefit.realisations.get().amount == Decimal(300)
    # Renewed (version 2), then terminated (version 3: the termination is in the history).
    assert contract.status == "terminated" and contract.version == 3
    assert "Merged" in client.get(contract.get_absolute_url()).text


def test_board_column_shows_the_soonest_fifty_and_the_total(
    make_contract: MakeContract, procurement_manager: User
) -> None:
    for offset in range(52):
        make_contract(end_date=TODAY + timedelta(days=100 + offset), title=f"Contract {offset}")
    page = _client(procurement_manager).get("/contracts/renewals/").text
    column = page.split('data-stage="upcoming"')[1].split("</section>")[0]
    assert column.count('class="renewal-card"') == 50
    assert '<span class="badge">52</span>' in column
    assert "Contract 0<" in column and "Contract 51<" not in column


def test_contract_page_says_which_obligations_are_overdue(
    make_contract: MakeContract, procurement_manager: User
) -> None:
    contract = make_contract()
    for description, days in (("Late report", -1), ("Due today", 0)):
        obligation_create(
            by=procurement_manager,
            contract=contract,
            party="them",
            description=description,
            due_date=TODAY + timedelta(days=days),
        )
    page = _client(procurement_manager).get(contract.get_absolute_url()).text
    rows = page.split("<tbody>")[1].split("</tbody>")[0].split("<tr>")[1:]
    late, today = (row for row in rows)
    assert "Late report" in late and 'class="badge obligation-open overdue">Overdue<' in late
    assert "Due today" in today and "Overdue" not in today


def test_done_when_a_new_user_tries_it(
    procurement_manager: User, supplier: Supplier, make_user: Callable[..., Any]
) -> None:
    """The issue's "Done when", step by step through the pages, the scan and the API."""
    from datetime import UTC, datetime

    import time_machine

    from accounts.roles import Role
    from contracts.alerts import contract_scan
    from notifications.models import Notification

    bob = make_user(Role.ACCOUNT_MANAGER, username="bob")  # owns no supplier
    client = _client(procurement_manager)
    end = TODAY + timedelta(days=300)  # the last notice day: TODAY + 210
    created = client.post(
        "/contracts/new/",
        {
            "supplier": supplier.pk,
            "title": "Packaging 2026",
            "owner": procurement_manager.pk,
            "value": "80000",
            "currency": "EUR",
            "start_date": TODAY.isoformat(),
            "end_date": end.isoformat(),
            "notice_period_days": "90",
        },
    )
    contract = Contract.objects.get(title="Packaging 2026")
    assert created.status_code == 302
    assert client.post(f"/contracts/{contract.pk}/activate/").status_code == 302
    upload = SimpleUploadedFile("signed.pdf", PDF, content_type="application/pdf")
    uploaded = client.post(
        f"/contracts/{contract.pk}/documents/", {"kind": "signed", "file": upload}
    )
    assert uploaded.status_code == 302
    saving = {"kind": "savings", "expected_amount": "12000"}
    assert client.post(f"/contracts/{contract.pk}/benefits/", saving).status_code == 302
    contract.refresh_from_db()
    assert (contract.status, contract.currency, contract.notice_period_days) == (
        "active",
        "EUR",
        90,
    )
    assert contract.last_notice_date == TODAY + timedelta(days=210)
    assert ContractDocument.objects.get(contract=contract).mime == "application/pdf"
    assert Benefit.objects.get(contract=contract).expected_amount == Decimal(12000)

    # The owner gets the 120-day alert on the day it is reached, once, however often the scan
    # runs, and nothing more until the 90-day mark.
    first = TODAY + timedelta(days=90)
    for offset in (-1, 0, 0, 1, 29):
        day = first + timedelta(days=offset)
        with time_machine.travel(datetime(day.year, day.month, day.day, 7, tzinfo=UTC)):
            contract_scan()
    alerts = Notification.objects.filter(kind="contract_notice")
    assert [(n.recipient_id, n.occasion) for n in alerts] == [
        (procurement_manager.pk, f"notice-120:{contract.last_notice_date.isoformat()}")
    ]
    assert alerts.get().created_at.date() == first

    # An account manager who does not own the supplier sees the contract, not its value.
    other = _client(bob)
    for url in ("/contracts/", contract.get_absolute_url()):
        page = other.get(url).text
        assert "Packaging 2026" in page and "80,000" not in page and "12,000" not in page
        assert "signed.pdf" not in page
    row = other.get(f"/api/v1/contracts/{contract.pk}/").json()
    assert row["value"] is None and row["end_date"] == end.isoformat()

    # The renewal board: upcoming, 210 days to the notice day (within 365), under review after.
    board = client.get("/contracts/renewals/?within=365").text
    upcoming = board.split('data-stage="upcoming"')[1].split('data-stage="under_review"')[0]
    assert "Packaging 2026" in upcoming and "210 days to the notice day" in upcoming
    assert "Packaging 2026" not in client.get("/contracts/renewals/").text  # 180 by default
    client.post(f"/contracts/{contract.pk}/renewal/", {"stage": "under_review"})
    board = client.get("/contracts/renewals/?within=365").text
    under_review = board.split('data-stage="under_review"')[1].split('data-stage="decided"')[0]
    assert "Packaging 2026" in under_review
