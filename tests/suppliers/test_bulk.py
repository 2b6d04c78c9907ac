"""ERP bulk upserts through the service: all or nothing, idempotent, audited."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from pghistory.models import MiddlewareEvents

from accounts.models import User
from accounts.roles import Role
from suppliers.bulk import MAX_ROWS, BulkValidationError, contact_upsert_many, supplier_upsert_many
from suppliers.models import Contact, KeyAccountOwnership, Supplier
from tests.factories import CategoryFactory, ContactFactory, SupplierFactory

pytestmark = pytest.mark.django_db


def rows(n: int, start: int = 0, **extra: Any) -> list[dict[str, Any]]:
    return [
        {"external_id": f"V{i:05d}", "name": f"Vendor {i}", "country": "VN", **extra}
        for i in range(start, start + n)
    ]


def test_a_valid_batch_creates_every_supplier(integration: User) -> None:
    result = supplier_upsert_many(rows=rows(3), by=integration)

    assert (result.created, result.updated, result.unchanged) == (3, 0, 0)
    assert Supplier.objects.filter(country="VN").count() == 3
    assert [r["external_id"] for r in result.results] == ["V00000", "V00001", "V00002"]
    assert all(r["id"] for r in result.results)


def test_resending_the_same_batch_writes_nothing(integration: User) -> None:
    supplier_upsert_many(rows=rows(3), by=integration)
    before = dict(Supplier.objects.values_list("external_id", "updated_at"))
    events = MiddlewareEvents.objects.references(*Supplier.objects.all()).count()

    result = supplier_upsert_many(rows=rows(3), by=integration)

    assert (result.created, result.updated, result.unchanged) == (0, 0, 3)
    assert dict(Supplier.objects.values_list("external_id", "updated_at")) == before
    assert MiddlewareEvents.objects.references(*Supplier.objects.all()).count() == events


def test_changed_rows_are_updated_and_others_left_alone(integration: User) -> None:
    supplier_upsert_many(rows=rows(2), by=integration)
    batch = rows(2)
    batch[1]["name"] = "Vendor One Renamed"

    result = supplier_upsert_many(rows=batch, by=integration)

    assert (result.created, result.updated, result.unchanged) == (0, 1, 1)
    assert Supplier.objects.get(external_id="V00001").name == "Vendor One Renamed"


def test_fields_a_row_leaves_out_keep_their_values(integration: User) -> None:
    supplier_upsert_many(rows=rows(1, segment="strategic", notes="keep me"), by=integration)

    supplier_upsert_many(rows=[{"external_id": "V00000", "risk_level": "high"}], by=integration)

    supplier = Supplier.objects.get(external_id="V00000")
    assert (supplier.segment, supplier.notes, supplier.risk_level) == (
        "strategic",
        "keep me",
        "high",
    )


def test_one_bad_row_writes_nothing_and_every_problem_is_listed(integration: User) -> None:
    batch = rows(4)
    batch[1]["country"] = "Narnia"
    batch[2]["segment"] = "favourite"
    batch[2]["name"] = 42
    batch[3]["colour"] = "blue"

    with pytest.raises(BulkValidationError) as error:
        supplier_upsert_many(rows=batch, by=integration)

    assert not Supplier.objects.exists()
    problems = {(e["row"], e["field"]) for e in error.value.errors}
    assert problems == {(1, "country"), (2, "segment"), (2, "name"), (3, "colour")}
    assert all(e["message"] for e in error.value.errors)


def test_required_fields_and_duplicate_keys_are_reported(integration: User) -> None:
    batch = [{"name": "No key"}, {"external_id": "X1"}, *rows(1), *rows(1)]

    with pytest.raises(BulkValidationError) as error:
        supplier_upsert_many(rows=batch, by=integration)

    problems = {(e["row"], e["field"]) for e in error.value.errors}
    assert problems == {(0, "external_id"), (1, "name"), (3, "external_id")}


def test_rows_that_are_not_objects_are_refused(integration: User) -> None:
    with pytest.raises(BulkValidationError) as error:
        supplier_upsert_many(rows=[["V1", "Vendor"], None], by=integration)

    assert [e["row"] for e in error.value.errors] == [0, 1]
    with pytest.raises(BulkValidationError):
        supplier_upsert_many(rows={"external_id": "V1"}, by=integration)


def test_a_batch_over_the_limit_is_refused(integration: User) -> None:
    with pytest.raises(BulkValidationError, match="problem"):
        supplier_upsert_many(rows=[{}] * (MAX_ROWS + 1), by=integration)


def test_categories_by_name_or_id_and_owner_by_username(
    integration: User, make_user: Callable[..., User]
) -> None:
    make_user(Role.ACCOUNT_MANAGER, username="alice")
    packaging = CategoryFactory(name="Packaging")
    logistics = CategoryFactory(name="Logistics")

    supplier_upsert_many(
        rows=rows(1, categories=["packaging", logistics.pk], owner="alice"), by=integration
    )

    supplier = Supplier.objects.get(external_id="V00000")
    assert set(supplier.categories.all()) == {packaging, logistics}
    owner = KeyAccountOwnership.objects.get(supplier=supplier, until__isnull=True)
    assert (owner.user.username, owner.role) == ("alice", "owner")


def test_unknown_categories_and_owners_are_row_errors(
    integration: User, make_user: Callable[..., User]
) -> None:
    make_user(Role.INTEGRATION, username="robot")  # cannot own: no pages

    with pytest.raises(BulkValidationError) as error:
        supplier_upsert_many(
            rows=[*rows(1, categories=["Nope"]), *rows(1, start=1, owner="robot")],
            by=integration,
        )

    assert {(e["row"], e["field"]) for e in error.value.errors} == {
        (0, "categories"),
        (1, "owner"),
    }


def test_a_new_owner_replaces_the_old_and_keeps_the_history(
    integration: User, make_user: Callable[..., User]
) -> None:
    make_user(Role.ACCOUNT_MANAGER, username="alice")
    make_user(Role.ACCOUNT_MANAGER, username="bob")
    supplier_upsert_many(rows=rows(1, owner="alice"), by=integration)

    result = supplier_upsert_many(rows=rows(1, owner="bob"), by=integration)

    assert result.updated == 1
    history = KeyAccountOwnership.objects.order_by("id")
    assert [(o.user.username, o.until is None) for o in history] == [
        ("alice", False),
        ("bob", True),
    ]


def test_status_changes_follow_the_lifecycle(integration: User) -> None:
    supplier_upsert_many(rows=rows(1, status="offboarded"), by=integration)

    with pytest.raises(BulkValidationError) as error:
        supplier_upsert_many(rows=rows(1, status="active"), by=integration)
    assert error.value.errors[0]["field"] == "status"

    supplier_upsert_many(
        rows=rows(1, status="active", status_reason="Won the 2027 tender"), by=integration
    )
    assert Supplier.objects.get().status == "active"


def test_only_integrations_and_procurement_managers_may_upsert(
    account_manager: User, executive: User, procurement_manager: User
) -> None:
    for user in (account_manager, executive):
        with pytest.raises(PermissionDenied):
            supplier_upsert_many(rows=rows(1), by=user)
    assert supplier_upsert_many(rows=rows(1), by=procurement_manager).created == 1


def test_bulk_writes_are_audited(integration: User) -> None:
    supplier_upsert_many(rows=rows(2), by=integration)
    batch = rows(2)
    batch[0]["name"] = "Renamed"
    supplier_upsert_many(rows=batch, by=integration)

    supplier = Supplier.objects.get(external_id="V00000")
    events = list(MiddlewareEvents.objects.tracks(supplier).order_by("pgh_created_at", "pgh_id"))
    assert [e.pgh_label for e in events] == ["insert", "update"]
    assert events[1].pgh_diff["name"] == ["Vendor 0", "Renamed"]


def test_contacts_upsert_by_supplier_and_email(integration: User) -> None:
    supplier = SupplierFactory(external_id="S1")
    ContactFactory(supplier=supplier, email="old@s1.example.com", is_primary=True)
    batch = [
        {
            "supplier_external_id": "S1",
            "email": "Ana@S1.example.com",
            "name": "Ana",
            "is_primary": True,
        },
        {"supplier_external_id": "S1", "email": "old@s1.example.com", "name": "Old Timer"},
    ]

    result = contact_upsert_many(rows=batch, by=integration)

    assert (result.created, result.updated) == (1, 1)
    contacts = {c.email: c for c in Contact.objects.all()}
    assert contacts["ana@s1.example.com"].is_primary
    assert not contacts["old@s1.example.com"].is_primary
    assert contact_upsert_many(rows=batch, by=integration).unchanged == 2


def test_contact_rows_with_unknown_suppliers_write_nothing(integration: User) -> None:
    SupplierFactory(external_id="S1")
    batch = [
        {"supplier_external_id": "S1", "email": "a@s1.example.com", "name": "A"},
        {"supplier_external_id": "S9", "email": "b@s9.example.com", "name": "B"},
        {"supplier_external_id": "S1", "email": "not-an-email", "name": "C"},
    ]

    with pytest.raises(BulkValidationError) as error:
        contact_upsert_many(rows=batch, by=integration)

    assert {(e["row"], e["field"]) for e in error.value.errors} == {
        (1, "supplier_external_id"),
        (2, "email"),
    }
    assert not Contact.objects.exists()
