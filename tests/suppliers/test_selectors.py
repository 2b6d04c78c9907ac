from __future__ import annotations

from collections.abc import Callable

import pytest

from accounts.models import User
from accounts.roles import Role
from suppliers.selectors import (
    supplier_get,
    supplier_history,
    supplier_list,
    supplier_list_lacking_owner,
    supplier_list_owned,
)
from tests.factories import CategoryFactory, OwnershipFactory, SupplierFactory

pytestmark = pytest.mark.django_db


def test_portfolio_roles_see_every_supplier_and_others_none(
    make_user: Callable[..., User],
) -> None:
    SupplierFactory.create_batch(3)

    for role in (Role.PROCUREMENT_MANAGER, Role.ACCOUNT_MANAGER, Role.EXECUTIVE, Role.INTEGRATION):
        assert supplier_list(user=make_user(role)).count() == 3
    assert supplier_list(user=make_user()).count() == 0


def test_a_user_without_a_role_gets_404_for_a_supplier(make_user: Callable[..., User]) -> None:
    from django.http import Http404

    supplier = SupplierFactory()

    with pytest.raises(Http404):
        supplier_get(user=make_user(), pk=supplier.pk)


def test_my_suppliers_are_those_i_own_back_up_or_sponsor(make_user: Callable[..., User]) -> None:
    alice = make_user(Role.ACCOUNT_MANAGER, username="alice")
    bob = make_user(Role.ACCOUNT_MANAGER, username="bob")
    owned, backed, sponsored, bobs, former = SupplierFactory.create_batch(5)
    OwnershipFactory(supplier=owned, user=alice, role="owner")
    OwnershipFactory(supplier=backed, user=alice, role="backup")
    OwnershipFactory(supplier=sponsored, user=alice, role="executive_sponsor")
    OwnershipFactory(supplier=bobs, user=bob, role="owner")
    OwnershipFactory(
        supplier=former, user=alice, role="owner", until="2026-01-01", since="2025-01-01"
    )

    assert set(supplier_list_owned(user=alice)) == {owned, backed, sponsored}
    assert set(supplier_list_owned(user=bob)) == {bobs}


def test_active_strategic_suppliers_without_an_owner_are_listed(
    procurement_manager: User, account_manager: User
) -> None:
    lacking = SupplierFactory(status="active", segment="strategic")
    owned = SupplierFactory(status="active", segment="strategic")
    OwnershipFactory(supplier=owned, user=account_manager, role="owner")
    SupplierFactory(status="onboarding", segment="strategic")
    SupplierFactory(status="active", segment="routine")

    assert list(supplier_list_lacking_owner(user=procurement_manager)) == [lacking]


def test_filters_combine(procurement_manager: User, account_manager: User) -> None:
    textiles = CategoryFactory(name="Textiles")
    cotton = CategoryFactory(name="Cotton", parent=textiles)
    match = SupplierFactory(country="VN", segment="strategic", name="Saigon Cotton Mill")
    match.categories.add(cotton)
    OwnershipFactory(supplier=match, user=account_manager, role="backup")
    SupplierFactory(country="VN", segment="routine")
    SupplierFactory(country="SE", segment="strategic")

    found = supplier_list(
        user=procurement_manager,
        filters={
            "country": ["VN"],
            "segment": ["strategic"],
            "category": [str(textiles.pk)],
            "owner": str(account_manager.pk),
            "q": "cotton",
        },
    )

    assert list(found) == [match]


def test_search_matches_erp_id_and_vat(procurement_manager: User) -> None:
    supplier = SupplierFactory(external_id="ERP-42", vat_number="DE123456789")
    SupplierFactory()

    for term in ("ERP-42", "de123456789", "DE 123456789"):
        assert list(supplier_list(user=procurement_manager, filters={"q": term})) == [supplier]


def test_history_shows_who_changed_what(procurement_manager: User) -> None:
    import pghistory

    supplier = SupplierFactory(name="Old name")
    with pghistory.context(user=procurement_manager.pk):
        supplier.name = "New name"
        supplier.save()

    events = list(supplier_history(supplier=supplier))

    assert events[0].pgh_label == "update"
    assert events[0].pgh_diff["name"] == ["Old name", "New name"]
    assert events[0].user == procurement_manager
    assert events[-1].pgh_label == "insert"
