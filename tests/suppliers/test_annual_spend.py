"""Annual spend (reporting currency, from the ERP): bulk upserts, the API, the form, and the
list's spend filters that the dashboard's Kraljic matrix links to."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import User
from suppliers.bulk import BulkValidationError, supplier_upsert_many
from suppliers.models import Supplier
from tests.factories import SupplierFactory

pytestmark = pytest.mark.django_db


def row(**fields: object) -> dict[str, object]:
    return {"external_id": "V-1", "name": "Mekong Textiles", **fields}


def test_bulk_upsert_sets_spend_and_a_resend_changes_nothing(integration: User) -> None:
    supplier_upsert_many(rows=[row(annual_spend="125000.5")], by=integration)
    again = supplier_upsert_many(rows=[row(annual_spend=125000.50)], by=integration)
    cleared = supplier_upsert_many(rows=[row(annual_spend=None)], by=integration)

    assert (again.unchanged, cleared.updated) == (1, 1)
    assert Supplier.objects.get().annual_spend is None


@pytest.mark.parametrize("bad", ["-1", "12.345", "lots", True, [1], "1e20", "NaN"])
def test_bulk_upsert_refuses_a_wrong_spend_by_row_and_field(integration: User, bad: object) -> None:
    with pytest.raises(BulkValidationError) as error:
        supplier_upsert_many(rows=[row(annual_spend=bad)], by=integration)

    assert [(e["row"], e["field"]) for e in error.value.errors] == [(0, "annual_spend")]
    assert not Supplier.objects.exists()


def test_api_shows_spend_on_the_list_and_the_detail(
    api_client: APIClient, integration: User
) -> None:
    supplier = SupplierFactory(annual_spend=Decimal("1250.50"))
    api_client.force_authenticate(integration)

    listed = api_client.get("/api/v1/suppliers/").json()["results"][0]
    detail = api_client.get(f"/api/v1/suppliers/{supplier.pk}/").json()

    assert listed["annual_spend"] == detail["annual_spend"] == "1250.50"


def test_supplier_form_saves_spend(client: Client, procurement_manager: User) -> None:
    client.force_login(procurement_manager)
    form = {"name": "Bolt", "segment": "routine", "risk_level": "low", "default_currency": "EUR"}

    response = client.post(reverse("suppliers:supplier_create"), {**form, "annual_spend": "99.95"})

    assert response.status_code == 302
    assert Supplier.objects.get().annual_spend == Decimal("99.95")


def test_supplier_list_filters_by_spend_band(client: Client, executive: User) -> None:
    SupplierFactory(name="Small Parts AB", annual_spend=500)
    SupplierFactory(name="Middle Metals AB", annual_spend=10_000)
    SupplierFactory(name="Unpriced Trading AB", annual_spend=None)
    client.force_login(executive)
    url = reverse("suppliers:supplier_list")

    page = client.get(url + "?spend_min=0&spend_below=10000").text
    assert "Small Parts AB" in page
    assert "Middle Metals AB" not in page
    assert "Unpriced Trading AB" not in page

    without_figure = client.get(url + "?no_spend=true").text
    assert "Unpriced Trading AB" in without_figure
    assert "Small Parts AB" not in without_figure
