"""Defects found by using the product (issue 15): each test failed before its fix."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import User
from accounts.roles import Role
from contracts.services import contract_create
from core.bulk import BulkValidationError
from core.currencies import currency_choices, currency_codes, validate_currency
from suppliers import services
from suppliers.bulk import supplier_upsert_many
from suppliers.models import KeyAccountOwnership, Supplier
from tests.factories import OwnershipFactory, SupplierFactory

pytestmark = pytest.mark.django_db
OWNERS = "/api/v1/key-account-owners/"
SUPPLIERS = "/api/v1/suppliers/"
OBSOLETE = ["ADP", "DEM", "FRF", "HRK", "CUC", "SLL", "VEF", "ZWL", "ANG"]


def signed_in(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


# --- One current executive sponsor, one current owner -----------------------------------------


def test_a_second_current_executive_sponsor_is_refused_by_the_service(
    procurement_manager: User, make_user: object
) -> None:
    supplier = SupplierFactory()
    eva = make_user(Role.EXECUTIVE, username="eva")  # type: ignore[operator]
    otto = make_user(Role.EXECUTIVE, username="otto")  # type: ignore[operator]
    services.ownership_assign(
        supplier=supplier, user=eva, role="executive_sponsor", by=procurement_manager
    )

    with pytest.raises(ValidationError) as error:
        services.ownership_assign(
            supplier=supplier, user=otto, role="executive_sponsor", by=procurement_manager
        )

    assert "role" in error.value.message_dict
    assert list(
        KeyAccountOwnership.objects.filter(supplier=supplier, role="executive_sponsor").values_list(
            "user__username", flat=True
        )
    ) == ["eva"]


def test_the_same_sponsor_again_is_no_change_and_a_new_one_after_the_old_ended_is_fine(
    procurement_manager: User, make_user: object
) -> None:
    supplier = SupplierFactory()
    eva = make_user(Role.EXECUTIVE, username="eva")  # type: ignore[operator]
    otto = make_user(Role.EXECUTIVE, username="otto")  # type: ignore[operator]
    first = services.ownership_assign(
        supplier=supplier, user=eva, role="executive_sponsor", by=procurement_manager
    )
    again = services.ownership_assign(
        supplier=supplier, user=eva, role="executive_sponsor", by=procurement_manager
    )
    services.ownership_end(ownership=first, by=procurement_manager)
    services.ownership_assign(
        supplier=supplier, user=otto, role="executive_sponsor", by=procurement_manager
    )

    assert again.pk == first.pk
    assert KeyAccountOwnership.objects.current().filter(supplier=supplier).get().user == otto


def test_the_database_refuses_two_current_sponsors_or_two_current_owners(
    make_user: object,
) -> None:
    supplier = SupplierFactory()
    for role in ("executive_sponsor", "owner"):
        OwnershipFactory(supplier=supplier, role=role)
        with pytest.raises(IntegrityError), transaction.atomic():
            OwnershipFactory(supplier=supplier, role=role)
    # Backups may be several.
    OwnershipFactory(supplier=supplier, role="backup")
    OwnershipFactory(supplier=supplier, role="backup")


def test_the_api_answers_400_with_a_field_error_for_a_second_sponsor(
    procurement_manager: User, make_user: object
) -> None:
    supplier = SupplierFactory()
    eva = make_user(Role.EXECUTIVE, username="eva")  # type: ignore[operator]
    otto = make_user(Role.EXECUTIVE, username="otto")  # type: ignore[operator]
    client = signed_in(procurement_manager)
    body = {"supplier": supplier.pk, "role": "executive_sponsor"}
    assert client.post(OWNERS, {**body, "user": eva.pk}, format="json").status_code == 201

    response = client.post(OWNERS, {**body, "user": otto.pk}, format="json")

    assert response.status_code == 400, response.json()
    assert "role" in str(response.json())
    assert KeyAccountOwnership.objects.filter(role="executive_sponsor").count() == 1


def test_the_page_shows_the_second_sponsor_refused_by_the_role_field(
    client: Client, procurement_manager: User, make_user: object
) -> None:
    supplier = SupplierFactory()
    eva = make_user(Role.EXECUTIVE, username="eva")  # type: ignore[operator]
    otto = make_user(Role.EXECUTIVE, username="otto")  # type: ignore[operator]
    OwnershipFactory(supplier=supplier, user=eva, role="executive_sponsor")
    client.force_login(procurement_manager)

    response = client.post(
        reverse("suppliers:ownership_assign", args=[supplier.pk]),
        {"user": otto.pk, "role": "executive_sponsor", "since": "2026-01-05"},
    )

    assert response.status_code == 200
    assert "role" in response.context["form"].errors
    assert KeyAccountOwnership.objects.filter(role="executive_sponsor").count() == 1


def test_a_bulk_owner_replaces_the_current_one_and_never_makes_two(
    integration: User, procurement_manager: User, make_user: object
) -> None:
    alice = make_user(Role.ACCOUNT_MANAGER, username="alice")  # type: ignore[operator]
    bob = make_user(Role.ACCOUNT_MANAGER, username="bob")  # type: ignore[operator]
    supplier_upsert_many(
        rows=[{"external_id": "V-1", "name": "V", "owner": "alice"}], by=integration
    )
    supplier_upsert_many(rows=[{"external_id": "V-1", "owner": "bob"}], by=integration)

    current = KeyAccountOwnership.objects.current().owners().get(supplier__external_id="V-1")
    assert current.user == bob
    assert KeyAccountOwnership.objects.filter(user=alice, until__isnull=False).count() == 1


# --- Currencies: current ISO 4217 only, the deployment's default -------------------------------


def test_the_currency_list_holds_current_codes_only() -> None:
    codes = currency_codes()

    assert {"EUR", "SEK", "USD", "VND", "JPY", "XCG", "ZWG", "SLE"} <= codes
    assert not codes & set(OBSOLETE)
    assert currency_choices()[0][0] != "ADP"
    for code in OBSOLETE:
        with pytest.raises(ValidationError):
            validate_currency(code)


@pytest.mark.parametrize("name", ["REPORTING_CURRENCY", "DEFAULT_CURRENCY"])
def test_the_settings_refuse_a_withdrawn_currency(name: str) -> None:
    from django.core.exceptions import ImproperlyConfigured

    from srm.config import Env

    assert Env({name: "sek"}).currency(name, "EUR") == "SEK"
    with pytest.raises(ImproperlyConfigured, match=name):
        Env({name: "DEM"}).currency(name, "EUR")


def test_the_new_supplier_form_preselects_the_deployments_default_currency(
    client: Client, procurement_manager: User, settings: object
) -> None:
    settings.DEFAULT_CURRENCY = "SEK"  # type: ignore[attr-defined]
    client.force_login(procurement_manager)

    response = client.get(reverse("suppliers:supplier_create"))

    assert response.context["form"]["default_currency"].value() == "SEK"
    assert 'value="ADP"' not in response.content.decode()


def test_a_supplier_created_without_a_currency_gets_the_deployments_default(
    procurement_manager: User, settings: object
) -> None:
    settings.DEFAULT_CURRENCY = "SEK"  # type: ignore[attr-defined]

    supplier = services.supplier_create(
        by=procurement_manager, data=services.SupplierInput(name="Bolt")
    )

    assert supplier.default_currency == "SEK"


@pytest.mark.parametrize("code", ["ADP", "hrk"])
def test_the_page_refuses_an_obsolete_currency(
    client: Client, procurement_manager: User, code: str
) -> None:
    client.force_login(procurement_manager)
    form = {"name": "Bolt", "segment": "routine", "risk_level": "low", "default_currency": code}

    response = client.post(reverse("suppliers:supplier_create"), form)

    assert response.status_code == 200
    assert "default_currency" in response.context["form"].errors
    assert not Supplier.objects.exists()


@pytest.mark.parametrize("code", ["ADP", "hrk"])
def test_the_api_refuses_an_obsolete_currency(procurement_manager: User, code: str) -> None:
    client = signed_in(procurement_manager)

    created = client.post(SUPPLIERS, {"name": "Bolt", "default_currency": code}, format="json")
    supplier = SupplierFactory()
    updated = client.patch(f"{SUPPLIERS}{supplier.pk}/", {"default_currency": code}, format="json")

    assert created.status_code == updated.status_code == 400
    assert "default_currency" in str(created.json()) and "default_currency" in str(updated.json())
    assert Supplier.objects.get().default_currency == "EUR"


def test_the_bulk_upsert_refuses_an_obsolete_currency_by_row(integration: User) -> None:
    rows = [
        {"external_id": "V-1", "name": "A", "default_currency": "EUR"},
        {"external_id": "V-2", "name": "B", "default_currency": "ADP"},
    ]

    with pytest.raises(BulkValidationError) as error:
        supplier_upsert_many(rows=rows, by=integration)

    assert [(e["row"], e["field"]) for e in error.value.errors] == [(1, "default_currency")]
    assert not Supplier.objects.exists()


def test_contracts_and_exchange_rates_refuse_an_obsolete_currency(
    procurement_manager: User, integration: User
) -> None:
    supplier = SupplierFactory()
    with pytest.raises(ValidationError) as error:
        contract_create(
            by=procurement_manager,
            supplier=supplier,
            title="Frame agreement",
            owner=procurement_manager,
            value=Decimal(1000),
            currency="HRK",
        )
    assert "currency" in error.value.message_dict

    response = signed_in(integration).post(
        "/api/v1/exchange-rates/bulk-upsert/",
        [{"currency": "DEM", "date": "2026-01-05", "rate": "0.5"}],
        format="json",
    )
    assert response.status_code == 400
    assert [(e["row"], e["field"]) for e in response.json()["error"]["errors"]] == [(0, "currency")]


# --- Annual spend is never negative ------------------------------------------------------------


def test_the_service_refuses_a_negative_annual_spend(procurement_manager: User) -> None:
    with pytest.raises(ValidationError) as error:
        services.supplier_create(
            by=procurement_manager,
            data=services.SupplierInput(name="Bolt", annual_spend=Decimal("-0.01")),
        )

    assert "annual_spend" in error.value.message_dict
    assert not Supplier.objects.exists()


def test_the_database_refuses_a_negative_annual_spend() -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        SupplierFactory(annual_spend=Decimal(-1))


def test_the_page_refuses_a_negative_annual_spend(
    client: Client, procurement_manager: User
) -> None:
    client.force_login(procurement_manager)
    form = {"name": "Bolt", "segment": "routine", "risk_level": "low", "default_currency": "EUR"}

    response = client.post(reverse("suppliers:supplier_create"), {**form, "annual_spend": "-5"})

    assert response.status_code == 200
    assert "annual_spend" in response.context["form"].errors
    assert not Supplier.objects.exists()


def test_the_api_refuses_a_negative_annual_spend(procurement_manager: User) -> None:
    client = signed_in(procurement_manager)
    supplier = SupplierFactory(annual_spend=Decimal(10))

    created = client.post(SUPPLIERS, {"name": "Bolt", "annual_spend": "-1.00"}, format="json")
    updated = client.patch(f"{SUPPLIERS}{supplier.pk}/", {"annual_spend": "-1"}, format="json")

    assert created.status_code == updated.status_code == 400
    assert "annual_spend" in str(created.json()) and "annual_spend" in str(updated.json())
    supplier.refresh_from_db()
    assert supplier.annual_spend == Decimal(10)
