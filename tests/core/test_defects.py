"""Defects of core found by using the product, each with the test that failed before its fix."""

from __future__ import annotations

import io
import re
import zipfile
from html import unescape

import pytest
from django.test import Client
from django.test.utils import override_settings
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import User
from tests.factories import SupplierFactory

pytestmark = pytest.mark.django_db

FORMULAS = ["=2+3", '=HYPERLINK("http://evil.example","x")', "+46 8 123", "-1", "@SUM(A1)"]


def _name_cells(data: bytes) -> list[tuple[str, str, bool]]:
    """Each data row's "Name" cell (column B) as (cell type, text, holds a formula), read back
    from the workbook's XML as a spreadsheet program reads it."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode("utf-8")
        names = archive.namelist()
        strings = (
            archive.read("xl/sharedStrings.xml").decode("utf-8")
            if "xl/sharedStrings.xml" in names
            else ""
        )
    shared = [unescape(s) for s in re.findall(r"<si>.*?<t[^>]*>(.*?)</t>.*?</si>", strings, re.S)]
    cells = []
    for row in re.findall(r"<row [^>]*>(.*?)</row>", sheet, re.S)[1:]:
        cell = re.search(r"<c r=\"B\d+\"([^>]*?)(?:/>|>(.*?)</c>)", row, re.S)
        assert cell is not None
        attributes, body = cell.group(1), cell.group(2) or ""
        kind = re.search(r'\bt="([^"]+)"', attributes)
        kind_name = kind.group(1) if kind else "n"
        inline = re.search(r"<t[^>]*>(.*?)</t>", body, re.S)
        if kind_name == "s":
            index = re.search(r"<v>(.*?)</v>", body)
            assert index is not None
            text = shared[int(index.group(1))]
        else:
            text = unescape(inline.group(1)) if inline else ""
        cells.append((kind_name, text, "<f" in body))
    return cells


def test_xlsx_writes_formula_like_text_as_a_string_cell_without_an_apostrophe(
    client: Client, procurement_manager: User
) -> None:
    for name in FORMULAS:
        SupplierFactory(name=name)
    client.force_login(procurement_manager)

    response = client.get(reverse("reports:export", args=["suppliers", "xlsx"]))

    assert response.status_code == 200
    cells = _name_cells(b"".join(response.streaming_content))  # type: ignore[attr-defined]
    assert sorted(text for _kind, text, _formula in cells) == sorted(FORMULAS)
    # A string cell (shared or inline) is text to every spreadsheet: never a formula.
    assert {kind for kind, _text, _formula in cells} <= {"s", "inlineStr"}
    assert not any(formula for _kind, _text, formula in cells)


def test_csv_still_escapes_formula_like_text(client: Client, procurement_manager: User) -> None:
    SupplierFactory(name="=2+3")
    client.force_login(procurement_manager)

    response = client.get(reverse("reports:export", args=["suppliers", "csv"]))

    body = b"".join(response.streaming_content).decode("utf-8")  # type: ignore[attr-defined]
    assert "'=2+3" in body


UNKNOWN_API_URLS = ["/api/v1/nope/", "/api/nope", "/api/nope/", "/api/v1/suppliers/999999999/"]


@pytest.mark.parametrize("debug", [True, False])
@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("url", UNKNOWN_API_URLS)
def test_unknown_api_urls_answer_the_json_error_shape_in_every_mode(
    api_client: APIClient, procurement_manager: User, debug: bool, method: str, url: str
) -> None:
    api_client.force_login(procurement_manager)

    with override_settings(DEBUG=debug):
        response = getattr(api_client, method)(url)

    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["status"] == response.status_code
    if method == "get" or not url.startswith("/api/v1/suppliers/"):
        assert response.status_code == 404
        assert body["error"]["code"] == "not_found"
    else:  # a supplier's URL exists; POST is not one of its methods
        assert response.status_code == 405


@pytest.mark.parametrize("debug", [True, False])
def test_unknown_api_url_is_json_for_an_anonymous_caller_too(
    api_client: APIClient, debug: bool
) -> None:
    with override_settings(DEBUG=debug):
        response = api_client.get("/api/v1/nope/")

    assert response["Content-Type"].startswith("application/json")
    assert response.json()["error"]["status"] == response.status_code


@pytest.mark.parametrize("debug", [True, False])
def test_unknown_page_url_still_answers_a_page(client: Client, debug: bool) -> None:
    with override_settings(DEBUG=debug):
        response = client.get("/no-such-page/")

    assert response.status_code in {302, 404}
    assert not response["Content-Type"].startswith("application/json")


@pytest.mark.parametrize("debug", [True, False])
def test_an_api_url_missing_its_slash_is_still_redirected(
    api_client: APIClient, procurement_manager: User, debug: bool
) -> None:
    api_client.force_login(procurement_manager)

    with override_settings(DEBUG=debug):
        response = api_client.get("/api/v1/suppliers")

    assert response.status_code == 301
    assert response["Location"] == "/api/v1/suppliers/"
