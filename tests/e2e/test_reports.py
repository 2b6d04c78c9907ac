"""In the browser: the executive's dashboard filled from the demo data, a number followed to
its list, the account manager's own day, and a supplier export that opens as a spreadsheet."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import pytest

from tests.demo_snapshot import DemoSnapshot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def sign_in(page: Any, live_server: Any, username: str) -> None:
    page.goto(f"{live_server.url}/accounts/sign-in/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("demo")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/")


def test_executive_follows_overdue_reviews_from_the_dashboard(
    demo_data: DemoSnapshot, live_server: Any, page: Any
) -> None:
    sign_in(page, live_server, "executive")

    for heading in ("Portfolio", "Kraljic matrix", "Performance", "Contracts", "Relationship"):
        assert page.get_by_role("heading", name=heading, exact=True).is_visible()
    assert page.locator("svg.kraljic .bubble").count() > 0  # demo spend fills the matrix
    assert page.get_by_role("img", name="Kraljic matrix: suppliers by spend and supply risk")
    overdue = page.locator("#overdue-reviews")
    count = int(overdue.inner_text())
    assert count > 0

    overdue.click()

    page.wait_for_url("**/reviews/?overdue=true")
    assert page.get_by_role("heading", level=1).inner_text() == "Reviews"
    assert page.locator("tbody tr").count() == min(count, 50)


def test_account_manager_sees_their_own_day(
    demo_data: DemoSnapshot, live_server: Any, page: Any
) -> None:
    sign_in(page, live_server, "account")

    assert page.get_by_role("heading", name="My suppliers", exact=True).is_visible()
    assert page.locator("#my-suppliers tbody tr").count() > 0
    assert page.locator("#my-suppliers .badge.health").count() > 0


def test_supplier_list_exports_a_spreadsheet_that_opens(
    demo_data: DemoSnapshot, live_server: Any, page: Any
) -> None:
    sign_in(page, live_server, "procurement")
    page.goto(f"{live_server.url}/suppliers/?segment=strategic")

    with page.expect_download() as download:
        page.get_by_role("link", name="Export XLSX").first.click()
    data = open(download.value.path(), "rb").read()  # noqa: SIM115

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<t>Name</t>" in sheet or ">Name<" in sheet
    assert download.value.suggested_filename.startswith("suppliers-")
