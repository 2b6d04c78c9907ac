"""Who may do what to suppliers, asked one way (suppliers.permissions), and the one home of
the key-account relationships (current holders, people who may own, the name people see)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import User
from accounts.querysets import display_name_expression
from accounts.roles import Role
from core.permissions import allowed_actions
from suppliers.models import KeyAccountOwnership, Supplier
from suppliers.selectors import supplier_get
from tests.factories import ContactFactory, OwnershipFactory, SupplierFactory, UserFactory

pytestmark = pytest.mark.django_db
MakeUser = Callable[..., User]


def test_a_procurement_manager_may_do_everything_the_lifecycle_allows(
    procurement_manager: User,
) -> None:
    supplier = SupplierFactory(status="active")

    allowed = allowed_actions(supplier, procurement_manager)

    assert set(allowed) == {
        "edit",
        "delete",
        "change_status",
        "suspend",
        "offboard",
        "assign_owners",
        "manage_contacts",
    }
    assert not allowed["activate"]


def test_an_offboarded_supplier_may_come_back_but_not_be_suspended(
    procurement_manager: User,
) -> None:
    allowed = allowed_actions(SupplierFactory(status="offboarded"), procurement_manager)

    assert {"return_to_prospect", "onboard", "activate"} <= allowed
    assert not allowed["suspend"] and not allowed["offboard"]


def test_an_account_manager_manages_the_contacts_of_her_suppliers_only(
    make_user: MakeUser,
) -> None:
    alice = make_user(Role.ACCOUNT_MANAGER, username="alice")
    hers, bobs = SupplierFactory(), SupplierFactory()
    OwnershipFactory(supplier=hers, user=alice, role="backup")
    OwnershipFactory(
        supplier=bobs, user=alice, role="owner", until=date(2025, 1, 1), since=date(2024, 1, 1)
    )

    assert set(allowed_actions(hers, alice)) == {"manage_contacts"}
    assert set(allowed_actions(bobs, alice)) == set()
    assert set(allowed_actions(ContactFactory(supplier=hers), alice)) == {"edit", "delete"}
    assert set(allowed_actions(ContactFactory(supplier=bobs), alice)) == set()


def test_an_executive_and_the_integration_account_may_do_nothing_to_a_supplier(
    executive: User, integration: User
) -> None:
    supplier = SupplierFactory()
    OwnershipFactory(supplier=supplier, user=executive, role="executive_sponsor")

    assert not allowed_actions(supplier, executive)
    assert not allowed_actions(supplier, integration)


def test_an_ended_ownership_may_not_be_ended_again(procurement_manager: User) -> None:
    current = OwnershipFactory(role="backup")
    ended = OwnershipFactory(role="backup", since=date(2024, 1, 1), until=date(2025, 1, 1))

    assert set(allowed_actions(current, procurement_manager)) == {"end"}
    assert not allowed_actions(ended, procurement_manager)


def test_the_detail_page_asks_allowed_actions_without_a_query_per_contact(
    client: Client, make_user: MakeUser, django_assert_max_num_queries: Callable[..., object]
) -> None:
    alice = make_user(Role.ACCOUNT_MANAGER, username="alice")
    supplier = SupplierFactory()
    OwnershipFactory(supplier=supplier, user=alice, role="owner")
    ContactFactory.create_batch(5, supplier=supplier)
    client.force_login(alice)

    response = client.get(supplier.get_absolute_url())

    body = response.content.decode()
    assert reverse("suppliers:contact_create", args=[supplier.pk]) in body
    assert body.count("/contacts/") >= 10  # edit and remove for each of the five
    assert reverse("suppliers:supplier_update", args=[supplier.pk]) not in body
    # Alice's allowed actions came from the prefetched owners: no ownership query per row.
    loaded = supplier_get(user=alice, pk=supplier.pk)
    with django_assert_max_num_queries(0):  # type: ignore[operator]
        allowed_actions(loaded, alice)
        for contact in loaded.contacts.all():
            allowed_actions(contact, alice)


def test_the_api_detail_says_what_the_caller_may_do_and_the_list_does_not(
    api_client: APIClient, make_user: MakeUser, procurement_manager: User
) -> None:
    alice = make_user(Role.ACCOUNT_MANAGER, username="alice")
    supplier = SupplierFactory(status="prospect")
    OwnershipFactory(supplier=supplier, user=alice, role="owner")

    api_client.force_authenticate(alice)
    mine = api_client.get(f"/api/v1/suppliers/{supplier.pk}/").json()
    listed = api_client.get("/api/v1/suppliers/").json()["results"][0]
    api_client.force_authenticate(procurement_manager)
    managers = api_client.get(f"/api/v1/suppliers/{supplier.pk}/").json()

    assert mine["allowed_actions"] == ["manage_contacts"]
    assert "allowed_actions" not in listed
    assert {"onboard", "activate", "offboard", "edit"} <= set(managers["allowed_actions"])


def test_an_account_manager_gets_403_from_the_api_for_another_suppliers_contact(
    api_client: APIClient, make_user: MakeUser
) -> None:
    alice = make_user(Role.ACCOUNT_MANAGER, username="alice")
    hers, bobs = SupplierFactory(), SupplierFactory()
    OwnershipFactory(supplier=hers, user=alice, role="owner")
    own, other = ContactFactory(supplier=hers), ContactFactory(supplier=bobs)
    api_client.force_authenticate(alice)

    assert api_client.patch(f"/api/v1/contacts/{own.pk}/", {"phone": "1"}).status_code == 200
    assert api_client.patch(f"/api/v1/contacts/{other.pk}/", {"phone": "1"}).status_code == 403
    assert api_client.delete(f"/api/v1/contacts/{other.pk}/").status_code == 403


# --- The relationships' one home ----------------------------------------------------------------


def test_current_holders_are_the_ownerships_not_ended() -> None:
    supplier = SupplierFactory()
    owner = OwnershipFactory(supplier=supplier, role="owner")
    backup = OwnershipFactory(supplier=supplier, role="backup")
    sponsor = OwnershipFactory(supplier=supplier, role="executive_sponsor")
    OwnershipFactory(
        supplier=supplier, role="owner", since=date(2024, 1, 1), until=date(2025, 1, 1)
    )

    current = KeyAccountOwnership.objects.current().filter(supplier=supplier)

    assert set(current) == {owner, backup, sponsor}
    assert list(current.owners()) == [owner]
    assert list(current.backups()) == [backup]
    assert list(current.sponsors()) == [sponsor]
    assert list(current.held_by(backup.user)) == [backup]


def test_suppliers_held_by_a_person_and_those_without_an_owner(make_user: MakeUser) -> None:
    alice = make_user(Role.ACCOUNT_MANAGER, username="alice")
    hers, ended, nobodys = SupplierFactory(), SupplierFactory(), SupplierFactory()
    OwnershipFactory(supplier=hers, user=alice, role="owner")
    OwnershipFactory(
        supplier=ended, user=alice, role="owner", since=date(2024, 1, 1), until=date(2025, 1, 1)
    )

    assert list(Supplier.objects.held_by(alice)) == [hers]
    assert set(Supplier.objects.without_owner()) == {ended, nobodys}
    named = Supplier.objects.with_owner().get(pk=hers.pk)
    assert (named.owner_user_id, named.owner_name) == (alice.pk, alice.name)  # type: ignore[attr-defined]
    assert Supplier.objects.with_owner().get(pk=nobodys.pk).owner_name is None  # type: ignore[attr-defined]


def test_people_who_may_own_are_active_humans_in_a_page_role(make_user: MakeUser) -> None:
    manager = make_user(Role.ACCOUNT_MANAGER, username="am")
    sponsor = make_user(Role.EXECUTIVE, username="ex")
    root = UserFactory(username="root", is_superuser=True)
    make_user(Role.INTEGRATION, username="erp")
    make_user(Role.ACCOUNT_MANAGER, Role.PROCUREMENT_MANAGER, username="left", is_active=False)
    UserFactory(username="nobody")

    assert set(User.objects.may_own()) == {manager, sponsor, root}
    both = make_user(Role.ACCOUNT_MANAGER, Role.PROCUREMENT_MANAGER, username="both")
    assert User.objects.may_own().filter(pk=both.pk).count() == 1  # no duplicate rows


@pytest.mark.parametrize(
    ("display_name", "first_name", "last_name", "shown"),
    [
        ("Sofia Berg", "Sofia", "B", "Sofia Berg"),
        ("", "Lukas", "Meyer", "Lukas Meyer"),
        ("", "", "Meyer", "Meyer"),
        ("", "", "", "lm"),
    ],
)
def test_the_name_expression_is_the_name_people_see(
    display_name: str, first_name: str, last_name: str, shown: str
) -> None:
    user = UserFactory(
        username="lm", display_name=display_name, first_name=first_name, last_name=last_name
    )

    annotated = User.objects.annotate(shown=display_name_expression()).get(pk=user.pk)
    via_relation = (
        KeyAccountOwnership.objects.annotate(shown=display_name_expression(prefix="user__"))
        .filter(pk=OwnershipFactory(user=user).pk)
        .get()
    )

    assert annotated.shown == via_relation.shown == user.name == shown  # type: ignore[attr-defined]


def test_forms_and_filters_offer_only_people_who_may_own(
    client: Client, procurement_manager: User, make_user: MakeUser
) -> None:
    make_user(Role.INTEGRATION, username="erp")
    client.force_login(procurement_manager)

    supplier = SupplierFactory()
    assign = client.get(reverse("suppliers:ownership_assign", args=[supplier.pk]))
    listing = client.get(reverse("suppliers:supplier_list"))

    assert "erp" not in {user.username for user in assign.context["form"].fields["user"].queryset}
    owners = listing.context["filter_form"].fields["owner"].queryset
    assert "erp" not in {user.username for user in owners}


def test_the_api_refuses_an_integration_account_as_key_account_owner(
    api_client: APIClient, procurement_manager: User, integration: User
) -> None:
    api_client.force_authenticate(procurement_manager)
    body = {"supplier": SupplierFactory().pk, "user": integration.pk, "role": "owner"}

    response = api_client.post("/api/v1/key-account-owners/", body, format="json")

    assert response.status_code == 400
    assert "user" in str(response.json())
    assert not KeyAccountOwnership.objects.exists()
