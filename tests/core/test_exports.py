"""Exports keep every cell a spreadsheet would read as a formula from running: the ASCII
starters, ";", their full-width forms and a leading tab or carriage return, in CSV with an
apostrophe and in XLSX as string cells, for every reader of the export."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Callable
from html import unescape

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from accounts.roles import Role
from tests.factories import SupplierFactory

pytestmark = pytest.mark.django_db

DANGEROUS = [
    ";cmd|' /C calc'!A0",
    '\uff1dHYPERLINK("http://evil.example")',  # full-width equals
    "\uff0b46 8 123",  # full-width plus
    "\uff0d2+3",  # full-width minus
    "\uff20SUM(A1)",  # full-width at
    "\tcmd",
    "\rcmd",
    "=1+2",
    "+1",
    "-1",
    "@A1",
]
HARMLESS = ["Mekong; Textiles", "Acme \uff1d Steel", "Hanoi-Fabrics"]


def _csv_names(response: object) -> list[str]:
    body = b"".join(response.streaming_content).decode("utf-8")  # type: ignore[attr-defined]
    rows = list(csv.reader(io.StringIO(body[1:]), lineterminator="\n"))
    return [row[rows[0].index("Name")] for row in rows[1:]]


def _xlsx_names(response: object) -> list[str]:
    data = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode("utf-8")
        strings = (
            archive.read("xl/sharedStrings.xml").decode("utf-8")
            if ("xl/sharedStrings.xml" in archive.namelist())
            else ""
        )
    shared = [unescape(s) for s in re.findall(r"<t[^>]*>(.*?)</t>", strings, re.S)]
    names = []
    for row in re.findall(r"<row [^>]*>(.*?)</row>", sheet, re.S)[1:]:
        cells = re.findall(r"<c r=\"B\d+\"[^>]*?(?:/>|>.*?</c>)", row, re.S)
        inline = re.search(r"<t[^>]*>(.*?)</t>", cells[0], re.S)
        if inline:
            names.append(unescape(inline.group(1)))
        else:
            index = re.search(r"<v>(.*?)</v>", cells[0])
            assert index is not None
            names.append(shared[int(index.group(1))])
    return names


@pytest.mark.parametrize("role", [Role.PROCUREMENT_MANAGER, Role.EXECUTIVE, Role.ACCOUNT_MANAGER])
@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_formula_starters_full_width_ones_and_semicolons_are_escaped_in_exports(
    make_user: Callable[..., User], role: Role, file_format: str
) -> None:
    for name in DANGEROUS + HARMLESS:
        SupplierFactory(name=name)
    client = Client()
    client.force_login(make_user(role, username="reader"))

    response = client.get(reverse("reports:export", args=["suppliers", file_format]))

    assert response.status_code == 200
    names = (_csv_names if file_format == "csv" else _xlsx_names)(response)
    # CSV has no cell types: an apostrophe; an XLSX string cell is never evaluated as it is.
    escaped = {"'" + name for name in DANGEROUS} if file_format == "csv" else set(DANGEROUS)
    expected = escaped | set(HARMLESS)
    # XLSX keeps a carriage return as _x000D_; read it back as the character it stands for.
    assert {name.replace("_x000D_", "\r") for name in names} == expected
