"""Supplier rules: the lifecycle, owners, contacts, categories."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from accounts.models import User
from accounts.roles import Role
from core.exceptions import DomainError
from suppliers import services
from suppliers.models import Category, Contact, KeyAccountOwnership, Supplier
from tests.factories import CategoryFactory, ContactFactory, OwnershipFactory, SupplierFactory

pytestmark = pytest.mark.django_db


def test_procurement_manager_creates_a_supplier(procurement_manager: User) -> None:
    supplier = services.supplier_create(
        by=procurement_manager,
        data=services.SupplierInput(name="Mekong Textiles", country="VN", default_currency="vnd"),
        categories=[CategoryFactory(name="Textiles")],
    )

    assert supplier.status == "prospect"
    assert supplier.default_currency == "VND"
    assert [c.name for c in supplier.categories.all()] == ["Textiles"]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "X", "default_currency": "XYZ"}, "default_currency"),
        ({"name": "X", "website": "not a url"}, "website"),
        ({"name": "X", "country": "ZZ"}, "country"),
        ({"name": "X", "segment": "favourite"}, "segment"),
    ],
)
def test_invalid_suppliers_are_refused_by_field(
    procurement_manager: User, data: dict[str, str], field: str
) -> None:
    with pytest.raises(ValidationError) as error:
        services.supplier_create(by=procurement_manager, data=services.SupplierInput(**data))

    assert field in error.value.message_dict
    assert not Supplier.objects.exists()


def test_erp_ids_are_unique_and_blank_means_none(procurement_manager: User) -> None:
    services.supplier_create(
        by=procurement_manager, data=services.SupplierInput(name="A", external_id="E1")
    )
    services.supplier_create(
        by=procurement_manager, data=services.SupplierInput(name="B", external_id=" ")
    )
    services.supplier_create(
        by=procurement_manager, data=services.SupplierInput(name="C", external_id="")
    )

    with pytest.raises(ValidationError) as error:
        services.supplier_create(
            by=procurement_manager, data=services.SupplierInput(name="D", external_id="E1")
        )
    assert "external_id" in error.value.message_dict
    assert Supplier.objects.filter(external_id__isnull=True).count() == 2


def test_an_update_changes_only_the_fields_it_is_given(procurement_manager: User) -> None:
    supplier = SupplierFactory(name="Bolt", external_id="E7", notes="old", segment="strategic")

    services.supplier_update(
        supplier=supplier, by=procurement_manager, data=services.SupplierInput(notes="new")
    )
    supplier.refresh_from_db()
    assert (supplier.name, supplier.external_id, supplier.notes, supplier.segment) == (
        "Bolt",
        "E7",
        "new",
        "strategic",
    )

    services.supplier_update(
        supplier=supplier, by=procurement_manager, data=services.SupplierInput(external_id=None)
    )
    supplier.refresh_from_db()
    assert supplier.external_id is None  # None is a value; UNSET is "not given"


def test_input_from_validated_data_takes_only_its_own_fields() -> None:
    validated = {"name": "Bolt", "status": "active", "categories": [], "supplier": 1}

    assert services.SupplierInput.from_validated(validated) == services.SupplierInput(name="Bolt")
    assert services.ContactInput.from_validated(validated) == services.ContactInput(name="Bolt")


def test_account_managers_and_executives_cannot_edit_suppliers(
    account_manager: User, executive: User
) -> None:
    supplier = SupplierFactory()
    for user in (account_manager, executive):
        with pytest.raises(PermissionDenied):
            services.supplier_update(
                supplier=supplier, by=user, data=services.SupplierInput(name="Mine now")
            )


def test_an_update_that_changes_nothing_keeps_updated_at(procurement_manager: User) -> None:
    supplier = SupplierFactory()
    before = supplier.updated_at

    services.supplier_update(
        supplier=supplier, by=procurement_manager, data=services.SupplierInput(name=supplier.name)
    )

    supplier.refresh_from_db()
    assert supplier.updated_at == before


@pytest.mark.parametrize(
    ("current", "new", "allowed"),
    [
        ("prospect", "onboarding", True),
        ("onboarding", "active", True),
        ("active", "suspended", True),
        ("suspended", "active", True),
        ("active", "offboarded", True),
        ("active", "prospect", False),
        ("suspended", "onboarding", False),
    ],
)
def test_status_changes_follow_the_lifecycle(
    procurement_manager: User, current: str, new: str, allowed: bool
) -> None:
    supplier = SupplierFactory(status=current)

    if allowed:
        services.supplier_change_status(supplier=supplier, status=new, by=procurement_manager)
        supplier.refresh_from_db()
        assert supplier.status == new
    else:
        with pytest.raises(services.SupplierStatusTransitionError):
            services.supplier_change_status(supplier=supplier, status=new, by=procurement_manager)


def test_an_offboarded_supplier_comes_back_only_with_a_reason(procurement_manager: User) -> None:
    supplier = SupplierFactory(status="offboarded")

    with pytest.raises(DomainError) as error:
        services.supplier_change_status(supplier=supplier, status="active", by=procurement_manager)
    assert error.value.code == "reason_required"

    services.supplier_change_status(
        supplier=supplier, status="active", by=procurement_manager, reason="New management"
    )
    supplier.refresh_from_db()
    assert supplier.status == "active"


def test_a_new_owner_replaces_the_old_one_and_history_is_kept(
    procurement_manager: User, make_user: Callable[..., User]
) -> None:
    alice = make_user(Role.ACCOUNT_MANAGER, username="alice")
    bob = make_user(Role.ACCOUNT_MANAGER, username="bob")
    supplier = SupplierFactory()
    services.ownership_assign(supplier=supplier, user=alice, role="owner", by=procurement_manager)

    services.ownership_assign(supplier=supplier, user=bob, role="owner", by=procurement_manager)

    ownerships = KeyAccountOwnership.objects.filter(supplier=supplier).order_by("id")
    assert [(o.user, o.until is None) for o in ownerships] == [(alice, False), (bob, True)]


def test_assigning_the_same_role_twice_changes_nothing(
    procurement_manager: User, account_manager: User
) -> None:
    supplier = SupplierFactory()
    first = services.ownership_assign(
        supplier=supplier, user=account_manager, role="backup", by=procurement_manager
    )

    again = services.ownership_assign(
        supplier=supplier, user=account_manager, role="backup", by=procurement_manager
    )

    assert again == first
    assert KeyAccountOwnership.objects.count() == 1


def test_integration_accounts_cannot_own_suppliers(
    procurement_manager: User, integration: User
) -> None:
    with pytest.raises(ValidationError):
        services.ownership_assign(
            supplier=SupplierFactory(), user=integration, role="owner", by=procurement_manager
        )


def test_the_database_allows_one_current_owner(account_manager: User, executive: User) -> None:
    supplier = SupplierFactory()
    OwnershipFactory(supplier=supplier, user=account_manager, role="owner")

    with pytest.raises(IntegrityError), transaction.atomic():
        KeyAccountOwnership.objects.create(supplier=supplier, user=executive, role="owner")


def test_the_owner_of_an_active_strategic_supplier_cannot_just_leave(
    procurement_manager: User, account_manager: User
) -> None:
    supplier = SupplierFactory(status="active", segment="strategic")
    ownership = OwnershipFactory(supplier=supplier, user=account_manager, role="owner")

    with pytest.raises(services.OwnerRequiredError):
        services.ownership_end(ownership=ownership, by=procurement_manager)

    backup = OwnershipFactory(supplier=supplier, user=procurement_manager, role="backup")
    services.ownership_end(ownership=backup, by=procurement_manager)
    backup.refresh_from_db()
    assert backup.until is not None


def test_a_new_primary_contact_replaces_the_old(procurement_manager: User) -> None:
    supplier = SupplierFactory()
    old = ContactFactory(supplier=supplier, is_primary=True)

    new = services.contact_create(
        supplier=supplier,
        by=procurement_manager,
        data=services.ContactInput(name="Nguyen Van A", email="A@Example.com", is_primary=True),
    )

    old.refresh_from_db()
    assert new.is_primary and not old.is_primary
    assert new.email == "a@example.com"


def test_contact_emails_are_unique_per_supplier(procurement_manager: User) -> None:
    supplier = SupplierFactory()
    ContactFactory(supplier=supplier, email="ana@example.com")

    with pytest.raises(ValidationError):
        services.contact_create(
            supplier=supplier,
            by=procurement_manager,
            data=services.ContactInput(name="Ana again", email="ANA@example.com"),
        )
    services.contact_create(
        supplier=SupplierFactory(),
        by=procurement_manager,
        data=services.ContactInput(name="Ana elsewhere", email="ana@example.com"),
    )
    assert Contact.objects.count() == 2


def test_key_account_people_edit_their_own_suppliers_contacts_only(
    make_user: Callable[..., User],
) -> None:
    alice = make_user(Role.ACCOUNT_MANAGER, username="alice")
    mine, theirs = SupplierFactory(), SupplierFactory()
    OwnershipFactory(supplier=mine, user=alice, role="backup")

    services.contact_create(
        supplier=mine, by=alice, data=services.ContactInput(name="Known person")
    )
    with pytest.raises(PermissionDenied):
        services.contact_create(
            supplier=theirs, by=alice, data=services.ContactInput(name="Stranger")
        )


def test_categories_cannot_loop_and_in_use_ones_stay(procurement_manager: User) -> None:
    parent = services.category_save(
        by=procurement_manager, data=services.CategoryInput(name="Raw materials")
    )
    child = services.category_save(
        by=procurement_manager, data=services.CategoryInput(name="Metals", parent=parent)
    )

    with pytest.raises(ValidationError):
        services.category_save(
            by=procurement_manager, category=parent, data=services.CategoryInput(parent=child)
        )
    with pytest.raises(DomainError):
        services.category_delete(category=parent, by=procurement_manager)
    services.category_delete(category=child, by=procurement_manager)
    assert list(Category.objects.all()) == [parent]
