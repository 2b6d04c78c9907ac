"""A supplier without a country (allowed from the pages, the API and the ERP's bulk upsert) is
answered with ``"country": ""`` by every write and read, and shows "—" on the pages and an
empty cell in the exports."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import User
from suppliers.models import Supplier
from tests.factories import OwnershipFactory, SupplierFactory

pytestmark = pytest.mark.django_db
SUPPLIERS = "/api/v1/suppliers/"


def signed_in(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_creating_a_supplier_without_a_country_answers_201_with_a_blank_country(
    procurement_manager: User,
) -> None:
    response = signed_in(procurement_manager).post(
        SUPPLIERS, {"name": "Nowhere Ltd", "country": ""}, format="json"
    )

    assert response.status_code == 201, response.content
    assert response.json()["country"] == ""
    assert Supplier.objects.get().country == ""


def test_creating_a_supplier_leaving_out_the_country_answers_201(
    procurement_manager: User,
) -> None:
    response = signed_in(procurement_manager).post(SUPPLIERS, {"name": "X"}, format="json")

    assert response.status_code == 201, response.content
    assert response.json()["country"] == ""


def test_updating_a_supplier_without_a_country_answers_what_it_wrote(
    procurement_manager: User,
) -> None:
    supplier = SupplierFactory(country="")
    client = signed_in(procurement_manager)

    patched = client.patch(f"{SUPPLIERS}{supplier.pk}/", {"name": "Renamed"}, format="json")
    put = client.put(f"{SUPPLIERS}{supplier.pk}/", {"name": "Again", "country": ""}, format="json")
    cleared = SupplierFactory(country="SE")
    blanked = client.patch(f"{SUPPLIERS}{cleared.pk}/", {"country": ""}, format="json")

    assert (patched.status_code, patched.json()["name"], patched.json()["country"]) == (
        200,
        "Renamed",
        "",
    )
    assert (put.status_code, put.json()["name"]) == (200, "Again")
    assert (blanked.status_code, blanked.json()["country"]) == (200, "")


def test_changing_the_status_of_a_supplier_without_a_country_answers_200(
    procurement_manager: User,
) -> None:
    supplier = SupplierFactory(country="", status="active")

    response = signed_in(procurement_manager).post(
        f"{SUPPLIERS}{supplier.pk}/change-status/", {"status": "suspended"}, format="json"
    )

    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["country"]) == ("suspended", "")


@pytest.mark.parametrize("role", ["procurement_manager", "executive", "integration"])
def test_every_reader_gets_the_detail_and_list_of_a_supplier_without_a_country(
    role: str, request: pytest.FixtureRequest
) -> None:
    supplier = SupplierFactory(country="")
    client = signed_in(request.getfixturevalue(role))

    detail = client.get(f"{SUPPLIERS}{supplier.pk}/")
    listed = client.get(SUPPLIERS)

    assert detail.status_code == 200, detail.content
    assert detail.json()["country"] == ""
    assert listed.status_code == 200
    assert [row["country"] for row in listed.json()["results"]] == [""]


def test_the_owner_reads_their_supplier_without_a_country(account_manager: User) -> None:
    supplier = SupplierFactory(country="")
    OwnershipFactory(supplier=supplier, user=account_manager)

    response = signed_in(account_manager).get(f"{SUPPLIERS}{supplier.pk}/")

    assert (response.status_code, response.json()["country"]) == (200, "")


def test_a_supplier_the_erp_sent_without_a_country_reads_back(integration: User) -> None:
    client = signed_in(integration)
    rows: list[dict[str, Any]] = [
        {"external_id": "V-1", "name": "Blank"},
        {"external_id": "V-2", "name": "Empty", "country": ""},
    ]

    upserted = client.post(f"{SUPPLIERS}bulk-upsert/", rows, format="json")
    ids = [row["id"] for row in upserted.json()["results"]]

    assert upserted.status_code == 200, upserted.content
    for pk in ids:
        detail = client.get(f"{SUPPLIERS}{pk}/")
        assert (detail.status_code, detail.json()["country"]) == (200, "")


def test_a_bad_country_is_refused_by_name(procurement_manager: User) -> None:
    response = signed_in(procurement_manager).post(
        SUPPLIERS, {"name": "X", "country": "XX"}, format="json"
    )

    assert response.status_code == 400
    assert "country" in response.json()["error"]["fields"]
    assert not Supplier.objects.exists()


def test_the_schema_says_a_country_may_be_blank(api_client: APIClient) -> None:
    schema = api_client.get("/api/schema/", {"format": "json"}).json()

    country = schema["components"]["schemas"]["CountryCode"]
    assert "" in country["enum"] and "SE" in country["enum"]
    assert "empty" in country["description"]
    schemas = schema["components"]["schemas"]
    assert schemas["Supplier"]["properties"]["country"]["allOf"] == [
        {"$ref": "#/components/schemas/CountryCode"}
    ]
    assert schemas["SupplierWriteRequest"]["properties"]["country"] == {
        "$ref": "#/components/schemas/CountryCode"
    }


@pytest.mark.parametrize("role", ["procurement_manager", "executive", "account_manager"])
def test_pages_show_a_dash_for_a_supplier_without_a_country(
    role: str, request: pytest.FixtureRequest, client: Client
) -> None:
    user = request.getfixturevalue(role)
    supplier = SupplierFactory(name="Nowhere Ltd", country="")
    OwnershipFactory(supplier=supplier, user=user)
    client.force_login(user)

    page = client.get(supplier.get_absolute_url())
    listing = client.get(reverse("suppliers:supplier_list"))

    assert page.status_code == 200
    assert "<dt>Country</dt><dd>—</dd>" in page.text
    assert listing.status_code == 200
    assert "Nowhere Ltd" in listing.text


def test_exports_hold_a_supplier_without_a_country(client: Client, executive: User) -> None:
    SupplierFactory(name="Nowhere Ltd", country="")
    client.force_login(executive)

    csv_file = client.get(reverse("reports:export", args=["suppliers", "csv"]))
    xlsx_file = client.get(reverse("reports:export", args=["suppliers", "xlsx"]))

    assert csv_file.status_code == 200
    text = b"".join(csv_file.streaming_content).decode("utf-8-sig")  # type: ignore[attr-defined]
    rows = list(csv.reader(io.StringIO(text)))
    country = rows[0].index("Country")
    assert rows[1][rows[0].index("Name")] == "Nowhere Ltd"
    assert rows[1][country] == ""
    assert xlsx_file.status_code == 200
