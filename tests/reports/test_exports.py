"""Exports of list pages: formula escaping, streaming in flat memory, the page's filters and
visibility, and XLSX files that open (read back from their XML, as a spreadsheet would)."""

from __future__ import annotations

import csv
import io
import re
import tracemalloc
import zipfile
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from core.exports import escape_cell
from meetings.models import Commitment
from suppliers.models import Supplier
from tests.factories import (
    CategoryFactory,
    CommitmentFactory,
    ContactFactory,
    MeetingFactory,
    OwnershipFactory,
    SupplierFactory,
)

pytestmark = pytest.mark.django_db


def export(dataset: str, file_format: str = "csv", query: str = "") -> str:
    url = reverse("reports:export", args=[dataset, file_format])
    return f"{url}?{query}" if query else url


def read_csv(response: object) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8")  # type: ignore[attr-defined]
    assert body.startswith("\ufeff")  # so that spreadsheet programs read UTF-8
    return list(csv.reader(io.StringIO(body[1:])))


def read_xlsx(response: object) -> list[list[str]]:
    """The first sheet's cells as text, parsed from the archive's XML."""
    data = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
        names = archive.namelist()
        assert "[Content_Types].xml" in names and "xl/workbook.xml" in names
        sheet = archive.read("xl/worksheets/sheet1.xml").decode("utf-8")
    rows = []
    for row in re.findall(r"<row [^>]*>(.*?)</row>", sheet, re.S):
        cells = []
        for cell in re.findall(r"<c [^>]*?(?:/>|>.*?</c>)", row, re.S):
            text = re.search(r"<t[^>]*>(.*?)</t>", cell, re.S) or re.search(r"<v>(.*?)</v>", cell)
            cells.append(text.group(1) if text else "")
        rows.append(cells)
    return rows


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+2", "'=1+2"),
        ("+46 8 123", "'+46 8 123"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("Mekong = good", "Mekong = good"),
        ("", ""),
        (-5, -5),
        (None, None),
    ],
)
def test_cells_that_would_run_as_formulas_are_escaped(value: object, expected: object) -> None:
    assert escape_cell(value) == expected


def test_supplier_csv_streams_every_row_with_formulas_escaped(
    client: Client, procurement_manager: User, account_manager: User
) -> None:
    supplier = SupplierFactory(name='=HYPERLINK("http://evil.example","x")', annual_spend=1250)
    supplier.categories.set([CategoryFactory(name="Yarn"), CategoryFactory(name="Fabrics")])
    OwnershipFactory(supplier=supplier, user=account_manager)
    SupplierFactory(name="@Risky", segment="strategic")
    client.force_login(procurement_manager)

    response = client.get(export("suppliers"))

    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    rows = read_csv(response)
    header, body = rows[0], {row[1]: row for row in rows[1:]}
    assert header[:3] == ["Id", "Name", "Legal name"]
    assert set(body) == {'\'=HYPERLINK("http://evil.example","x")', "'@Risky"}
    row = body['\'=HYPERLINK("http://evil.example","x")']
    assert row[header.index("Segment")] == "Routine"  # the label, not the stored value
    assert row[header.index("Annual spend")] == "1250.00"
    assert row[header.index("Owner")] == account_manager.name
    assert row[header.index("Categories")] == "Fabrics, Yarn"


def test_supplier_export_keeps_the_list_filters(client: Client, executive: User) -> None:
    SupplierFactory(name="Strategic one", segment="strategic")
    SupplierFactory(name="Routine one", segment="routine")
    client.force_login(executive)
    list_page = client.get(reverse("suppliers:supplier_list") + "?segment=strategic&page=1")
    link = export("suppliers", "csv", "segment=strategic").replace("&", "&amp;")
    assert f'href="{link}"' in list_page.text  # the page's filter, without its page number

    rows = read_csv(client.get(export("suppliers", "csv", "segment=strategic")))

    assert [row[1] for row in rows[1:]] == ["Strategic one"]


def test_contacts_export_holds_the_contacts_of_the_filtered_suppliers(
    client: Client, executive: User
) -> None:
    ContactFactory(supplier=SupplierFactory(segment="strategic"), name="Lan", phone="=cmd|' /C")
    ContactFactory(supplier=SupplierFactory(segment="routine"), name="Erik")
    client.force_login(executive)

    rows = read_csv(client.get(export("contacts", "csv", "segment=strategic")))

    assert [(row[2], row[5]) for row in rows[1:]] == [("Lan", "'=cmd|' /C")]


def test_export_needs_the_capability_of_its_list(
    client: Client, make_user: Callable[..., User], integration: User
) -> None:
    nobody = make_user(username="nobody")  # signed in, with no role
    SupplierFactory()
    client.force_login(nobody)
    assert client.get(export("suppliers")).status_code == 403
    client.force_login(integration)  # the API only, never pages
    assert client.get(export("suppliers", "xlsx")).status_code == 403
    client.logout()
    assert client.get(export("suppliers")).status_code == 302


def test_unknown_dataset_or_format_is_not_found(client: Client, executive: User) -> None:
    client.force_login(executive)
    assert client.get(export("passwords")).status_code == 404
    assert client.get(export("suppliers", "pdf")).status_code == 404


def test_my_commitments_export_holds_only_mine(
    client: Client, account_manager: User, make_user: Callable[..., User]
) -> None:
    bob = make_user(Role.ACCOUNT_MANAGER, username="bob")
    CommitmentFactory(owner_user=account_manager, description="Alice sends specs")
    CommitmentFactory(owner_user=bob, description="Bob sends prices")
    client.force_login(account_manager)
    page = client.get(reverse("meetings:commitment_mine"))
    assert export("commitments", "csv", "mine=1") in page.text

    rows = read_csv(client.get(export("commitments", "csv", "mine=1")))
    everyone = read_csv(client.get(export("commitments")))

    assert [row[2] for row in rows[1:]] == ["Alice sends specs"]
    assert len(everyone) == 3


def test_meeting_and_escalation_exports_take_their_api_filters(
    client: Client, executive: User
) -> None:
    mekong, other = SupplierFactory(name="Mekong"), SupplierFactory(name="Other")
    MeetingFactory(supplier=mekong, kind="in_person", subject="+visit")
    MeetingFactory(supplier=other, kind="video_call")
    client.force_login(executive)

    rows = read_csv(client.get(export("meetings", "csv", f"supplier={mekong.pk}")))
    escalations = read_csv(client.get(export("escalations", "csv", "status=open")))

    assert [(row[2], row[3], row[4]) for row in rows[1:]] == [
        ("Mekong", "In-person visit", "'+visit")
    ]
    assert escalations[0][:2] == ["Id", "Summary"] and len(escalations) == 1


def test_xlsx_opens_with_typed_cells_and_escaped_text(
    client: Client, procurement_manager: User
) -> None:
    SupplierFactory(name="=2+3", annual_spend=Decimal("99.50"), external_id="V-1")
    client.force_login(procurement_manager)

    response = client.get(export("suppliers", "xlsx"))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert response["Content-Disposition"].startswith('attachment; filename="suppliers-')
    rows = read_xlsx(response)
    header, row = rows[0], rows[1]
    assert header[1] == "Name" and row[1] == "=2+3"  # a string cell: never a formula
    assert row[header.index("Annual spend")] == "99.5"  # a number cell, not text
    assert row[header.index("ERP id")] == "V-1"


def _add_suppliers(count: int) -> None:
    Supplier.objects.bulk_create(
        Supplier(name=f"Supplier {n} with a longish name", external_id=f"M-{count}-{n}")
        for n in range(count)
    )


def _peak_bytes(client: Client, file_format: str) -> int:
    tracemalloc.start()
    try:
        response = client.get(export("suppliers", file_format))
        size = sum(len(chunk) for chunk in response.streaming_content)
        assert size > 0
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.bench  # 5,000 suppliers under tracemalloc: a cost measurement, not in test-fast
@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_export_memory_does_not_grow_with_the_rows(
    client: Client, executive: User, file_format: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Chunks of 50 rows, so that both sizes span many chunks (memory holds about one).
    monkeypatch.setattr("core.exports.CHUNK_SIZE", 50)
    client.force_login(executive)
    _add_suppliers(10)
    _peak_bytes(client, file_format)  # warm up: first-request imports and caches are not rows
    _add_suppliers(490)
    small = _peak_bytes(client, file_format)
    _add_suppliers(4500)
    large = _peak_bytes(client, file_format)

    # Ten times the rows; holding them would need several times the memory.
    assert large < small * 2, (small, large)


def test_overdue_filter_of_commitments_export(client: Client, executive: User) -> None:
    today = timezone.localdate()
    CommitmentFactory(due_date=today - timedelta(days=3), description="late")
    CommitmentFactory(due_date=today + timedelta(days=3), description="fine")
    done = CommitmentFactory(due_date=today - timedelta(days=3), description="kept")
    Commitment.objects.filter(pk=done.pk).update(status="done", completed_at=timezone.now())
    client.force_login(executive)

    rows = read_csv(client.get(export("commitments", "csv", "overdue=true")))

    assert [row[2] for row in rows[1:]] == ["late"]


def test_contract_export_hides_values_from_those_who_may_not_see_them(
    client: Client, account_manager: User, make_user: Callable[..., User], executive: User
) -> None:
    from tests.reports.fixtures import contract

    bob = make_user(Role.ACCOUNT_MANAGER, username="bob")
    mine = SupplierFactory(name="Alice's")
    OwnershipFactory(supplier=mine, user=account_manager)
    contract(mine, executive, value=Decimal("1234.00"), title="=SUM(A1)")

    def value_of(user: User) -> list[str]:
        client.force_login(user)
        rows = read_csv(client.get(export("contracts")))
        header = rows[0]
        return [row[header.index("Value")] for row in rows[1:]] + [rows[1][1]]

    assert value_of(account_manager) == ["1234.00", "'=SUM(A1)"]
    assert value_of(executive) == ["1234.00", "'=SUM(A1)"]
    assert value_of(bob) == ["", "'=SUM(A1)"]  # he may know of it, not what it is worth


def test_review_export_holds_only_reviews_the_reader_may_see(
    client: Client, account_manager: User, make_user: Callable[..., User], executive: User
) -> None:
    from tests.reports.fixtures import review

    bob = make_user(Role.ACCOUNT_MANAGER, username="bob")
    mine = SupplierFactory(name="Alice's")
    OwnershipFactory(supplier=mine, user=account_manager)
    review(mine, timezone.localdate() - timedelta(days=10), "71.50", "average")

    def suppliers_of(user: User, query: str = "") -> list[str]:
        client.force_login(user)
        return [row[1] for row in read_csv(client.get(export("reviews", "csv", query)))[1:]]

    assert suppliers_of(account_manager) == ["Alice's"]
    assert suppliers_of(executive, "standing=average") == ["Alice's"]
    assert suppliers_of(executive, "standing=poor") == []
    assert suppliers_of(bob) == []


def test_rfp_export_answers_with_its_header(client: Client, procurement_manager: User) -> None:
    client.force_login(procurement_manager)

    rows = read_csv(client.get(export("rfps")))

    assert rows[0][:2] == ["Reference", "Title"]


def test_my_suppliers_export_holds_the_suppliers_i_hold_a_role_for(
    client: Client, account_manager: User
) -> None:
    mine, backed_up = SupplierFactory(name="Mine"), SupplierFactory(name="Backed up")
    SupplierFactory(name="Someone else's")
    OwnershipFactory(supplier=mine, user=account_manager)
    OwnershipFactory(supplier=backed_up, user=account_manager, role="backup")
    client.force_login(account_manager)
    page = client.get(reverse("suppliers:supplier_mine")).text
    link = export("suppliers", "csv", f"owner={account_manager.pk}")
    assert f'href="{link}"' in page

    rows = read_csv(client.get(link))

    assert sorted(row[1] for row in rows[1:]) == ["Backed up", "Mine"]


@pytest.mark.parametrize("dataset", ["suppliers", "contacts", "commitments", "contracts"])
def test_export_runs_the_same_queries_for_5_and_50_rows(
    client: Client, executive: User, account_manager: User, dataset: str
) -> None:
    from tests.reports.fixtures import contract

    def add(count: int) -> None:
        for supplier in SupplierFactory.create_batch(count):
            supplier.categories.set([CategoryFactory(name="Yarn")])
            OwnershipFactory(supplier=supplier, user=account_manager)
            ContactFactory(supplier=supplier)
            CommitmentFactory(supplier=supplier, owner_user=account_manager)
            contract(supplier, account_manager)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            read_csv(client.get(export(dataset)))
        return len(captured)

    client.force_login(executive)
    add(5)
    small = queries()
    add(45)

    assert queries() == small


@pytest.mark.parametrize(
    ("page", "dataset"),
    [
        ("contracts:contract_list", "contracts"),
        ("reviews:review_list", "reviews"),
        ("rfps:rfp_list", "rfps"),
        ("escalations:escalation_list", "escalations"),
        ("meetings:commitment_list", "commitments"),
    ],
)
def test_list_pages_offer_their_filtered_rows_as_files(
    client: Client, procurement_manager: User, page: str, dataset: str
) -> None:
    client.force_login(procurement_manager)

    text = client.get(reverse(page) + "?page=1&status=open").text

    for file_format in ("csv", "xlsx"):
        assert f'href="{export(dataset, file_format, "status=open")}"' in text
