"""The supplier pages: list, My suppliers, Needs an owner, the supplier page, and the forms for
suppliers, status, contacts and owners, under each role."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from datetime import date

import pghistory
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from accounts.roles import Role
from suppliers.models import Contact, KeyAccountOwnership, Supplier
from tests.factories import CategoryFactory, ContactFactory, OwnershipFactory, SupplierFactory

pytestmark = pytest.mark.django_db
LIST = reverse("suppliers:supplier_list")
MINE = reverse("suppliers:supplier_mine")
LACKING_OWNER = reverse("suppliers:supplier_lacking_owner")
CREATE = reverse("suppliers:supplier_create")


def detail_url(supplier: Supplier) -> str:
    return reverse("suppliers:supplier_detail", args=[supplier.pk])


def names_listed(response) -> list[str]:  # type: ignore[no-untyped-def]
    """The supplier names in the table, in the order shown."""
    found = re.findall(r'<th scope="row" class="cell-title"><a [^>]*>([^<]+)</a>', response.text)
    return [html.unescape(name) for name in found]


def supplier_form_data(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "name": "Mekong Textiles",
        "legal_name": "Mekong Textiles JSC",
        "external_id": "ERP-VN-1",
        "vat_number": "VN0301234567",
        "country": "VN",
        "website": "https://mekong.example.com",
        "segment": "strategic",
        "risk_level": "medium",
        "default_currency": "VND",
        "notes": "",
    }
    data.update(overrides)
    return data


# --- List -------------------------------------------------------------------------------------


def test_country_filter_finds_the_vietnamese_supplier(
    client: Client, procurement_manager: User
) -> None:
    SupplierFactory(name="Mekong Textiles", country="VN")
    SupplierFactory(name="Nordic Steel", country="SE")
    client.force_login(procurement_manager)

    response = client.get(LIST, {"country": "VN"})

    assert response.status_code == 200
    assert names_listed(response) == ["Mekong Textiles"]
    assert "Vietnam" in response.text
    assert '<option value="VN" selected>' in response.text  # the filter stays chosen


def test_search_finds_by_erp_id_vat_and_part_of_the_name(
    client: Client, account_manager: User
) -> None:
    SupplierFactory(name="Mekong Textiles", external_id="ERP-777", vat_number="VN0301234567")
    SupplierFactory(name="Nordic Steel", legal_name="Nordic Steel Holding AB")
    client.force_login(account_manager)

    assert names_listed(client.get(LIST, {"q": "ERP-777"})) == ["Mekong Textiles"]
    assert names_listed(client.get(LIST, {"q": "vn0301234567"})) == ["Mekong Textiles"]
    assert names_listed(client.get(LIST, {"q": "steel hold"})) == ["Nordic Steel"]
    assert names_listed(client.get(LIST, {"q": "nothing like it"})) == []


def test_status_and_segment_filters_combine(client: Client, procurement_manager: User) -> None:
    SupplierFactory(name="Active strategic", status="active", segment="strategic")
    SupplierFactory(name="Suspended strategic", status="suspended", segment="strategic")
    SupplierFactory(name="Active routine", status="active", segment="routine")
    SupplierFactory(name="Prospect leverage", status="prospect", segment="leverage")
    client.force_login(procurement_manager)

    response = client.get(LIST, {"status": ["active", "suspended"], "segment": "strategic"})

    assert names_listed(response) == ["Active strategic", "Suspended strategic"]
    assert '<details class="filter-fields" open>' in response.text  # filters stay in view


def test_risk_filter(client: Client, procurement_manager: User) -> None:
    SupplierFactory(name="Risky", risk_level="critical")
    SupplierFactory(name="Safe", risk_level="low")
    client.force_login(procurement_manager)

    assert names_listed(client.get(LIST, {"risk_level": "critical"})) == ["Risky"]


def test_owner_filter_finds_current_key_account_roles_only(
    client: Client, procurement_manager: User, make_user: Callable[..., User]
) -> None:
    alice = make_user(Role.ACCOUNT_MANAGER, username="alice")
    bob = make_user(Role.ACCOUNT_MANAGER, username="bob")
    OwnershipFactory(supplier=SupplierFactory(name="Alice owns"), user=alice)
    OwnershipFactory(supplier=SupplierFactory(name="Alice backs up"), user=alice, role="backup")
    OwnershipFactory(supplier=SupplierFactory(name="Bob owns"), user=bob)
    OwnershipFactory(
        supplier=SupplierFactory(name="Alice owned once"),
        user=alice,
        since=date(2024, 1, 1),
        until=date(2024, 6, 30),
    )
    client.force_login(procurement_manager)

    response = client.get(LIST, {"owner": alice.pk})

    assert names_listed(response) == ["Alice backs up", "Alice owns"]


def test_category_filter_includes_subcategories(client: Client, procurement_manager: User) -> None:
    it = CategoryFactory(name="IT")
    laptops = CategoryFactory(name="Laptops", parent=it)
    SupplierFactory(name="Laptop maker").categories.set([laptops])
    SupplierFactory(name="IT consultancy").categories.set([it])
    SupplierFactory(name="Cleaning company").categories.set([CategoryFactory(name="Facilities")])
    client.force_login(procurement_manager)

    assert names_listed(client.get(LIST, {"category": it.pk})) == [
        "IT consultancy",
        "Laptop maker",
    ]
    assert names_listed(client.get(LIST, {"category": laptops.pk})) == ["Laptop maker"]


def test_list_shows_owner_and_categories(
    client: Client, procurement_manager: User, account_manager: User
) -> None:
    supplier = SupplierFactory(name="Mekong Textiles", external_id="ERP-42")
    supplier.categories.set([CategoryFactory(name="Fabrics"), CategoryFactory(name="Yarn")])
    OwnershipFactory(supplier=supplier, user=account_manager)
    client.force_login(procurement_manager)

    response = client.get(LIST)

    row = response.text.split("Mekong Textiles", 1)[1].split("</tr>", 1)[0]
    assert "ERP-42" in row
    assert account_manager.name in row
    assert "Fabrics, Yarn" in row


def test_clicking_a_column_header_sorts_and_clicking_again_reverses(
    client: Client, procurement_manager: User
) -> None:
    SupplierFactory(name="Alpha", country="VN")
    SupplierFactory(name="Bravo", country="DE")
    SupplierFactory(name="Charlie", country="SE")
    client.force_login(procurement_manager)

    by_country = client.get(LIST, {"ordering": "country", "status": "active"})
    reversed_by_name = client.get(LIST, {"ordering": "-name"})

    assert names_listed(by_country) == ["Bravo", "Charlie", "Alpha"]
    # The header now reverses the order, and keeps the filters.
    assert 'href="?ordering=-country&amp;status=active"' in by_country.text
    assert 'aria-sort="ascending"' in by_country.text
    assert names_listed(reversed_by_name) == ["Charlie", "Bravo", "Alpha"]
    assert 'aria-sort="descending"' in reversed_by_name.text


def test_list_pages_by_fifty_and_keeps_the_filters_in_page_links(
    client: Client, procurement_manager: User
) -> None:
    SupplierFactory.create_batch(60, segment="strategic")
    SupplierFactory.create_batch(3, segment="routine")
    client.force_login(procurement_manager)

    first = client.get(LIST, {"segment": "strategic", "ordering": "name"})
    second = client.get(LIST, {"segment": "strategic", "ordering": "name", "page": 2})

    assert len(names_listed(first)) == 50
    assert len(names_listed(second)) == 10
    assert not set(names_listed(first)) & set(names_listed(second))
    assert "?segment=strategic&amp;ordering=name&amp;page=2" in first.text
    assert "60 suppliers" in first.text


def test_a_page_number_past_the_end_shows_the_last_page(
    client: Client, procurement_manager: User
) -> None:
    SupplierFactory(name="Only one")
    client.force_login(procurement_manager)

    assert names_listed(client.get(LIST, {"page": 99})) == ["Only one"]


def test_anonymous_visitor_is_sent_to_sign_in(client: Client) -> None:
    response = client.get(LIST)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_integration_account_gets_403_on_the_pages(client: Client, integration: User) -> None:
    supplier = SupplierFactory()
    client.force_login(integration)

    assert client.get(LIST).status_code == 403
    assert client.get(detail_url(supplier)).status_code == 403
    assert client.post(CREATE, supplier_form_data()).status_code == 403
    assert not Supplier.objects.filter(name="Mekong Textiles").exists()


# --- My suppliers and Needs an owner ----------------------------------------------------------


def test_my_suppliers_shows_what_alice_owns_backs_up_or_sponsors_and_not_bobs(
    client: Client, make_user: Callable[..., User]
) -> None:
    alice = make_user(Role.ACCOUNT_MANAGER, username="alice")
    bob = make_user(Role.ACCOUNT_MANAGER, username="bob")
    OwnershipFactory(supplier=SupplierFactory(name="Owned"), user=alice, role="owner")
    OwnershipFactory(supplier=SupplierFactory(name="Backed up"), user=alice, role="backup")
    OwnershipFactory(
        supplier=SupplierFactory(name="Sponsored"), user=alice, role="executive_sponsor"
    )
    OwnershipFactory(supplier=SupplierFactory(name="Bob's"), user=bob)
    OwnershipFactory(
        supplier=SupplierFactory(name="Alice's once"),
        user=alice,
        since=date(2023, 1, 1),
        until=date(2023, 12, 31),
    )
    SupplierFactory(name="Nobody's")

    client.force_login(alice)
    alices = client.get(MINE)
    client.force_login(bob)
    bobs = client.get(MINE)

    assert names_listed(alices) == ["Backed up", "Owned", "Sponsored"]
    for role in ("Owner", "Backup", "Executive sponsor"):
        assert f'<span class="badge">{role}</span>' in alices.text
    assert names_listed(bobs) == ["Bob's"]


def test_my_suppliers_says_so_when_there_are_none(client: Client, account_manager: User) -> None:
    client.force_login(account_manager)

    response = client.get(MINE)

    assert response.status_code == 200
    assert "You hold no key-account role for any supplier yet." in response.text


def test_needs_an_owner_lists_active_strategic_suppliers_without_an_owner(
    client: Client, procurement_manager: User, account_manager: User
) -> None:
    SupplierFactory(name="Orphan", status="active", segment="strategic")
    OwnershipFactory(
        supplier=SupplierFactory(name="Only a backup", status="active", segment="strategic"),
        user=account_manager,
        role="backup",
    )
    OwnershipFactory(
        supplier=SupplierFactory(name="Owned", status="active", segment="strategic"),
        user=account_manager,
    )
    SupplierFactory(name="Routine", status="active", segment="routine")
    SupplierFactory(name="Prospect", status="prospect", segment="strategic")
    client.force_login(procurement_manager)

    response = client.get(LACKING_OWNER)

    assert names_listed(response) == ["Only a backup", "Orphan"]
    assert "?role=owner" in response.text
    assert LACKING_OWNER in client.get(LIST).text  # linked from the list for managers


def test_needs_an_owner_is_for_procurement_managers_only(
    client: Client, account_manager: User, executive: User
) -> None:
    for user in (account_manager, executive):
        client.force_login(user)
        assert client.get(LACKING_OWNER).status_code == 403
        assert LACKING_OWNER not in client.get(LIST).text


# --- Supplier page ----------------------------------------------------------------------------


def test_supplier_page_shows_profile_contacts_primary_first_and_owners(
    client: Client, procurement_manager: User, make_user: Callable[..., User]
) -> None:
    alice = make_user(Role.ACCOUNT_MANAGER, username="alice", display_name="Alice Andersson")
    bob = make_user(Role.ACCOUNT_MANAGER, username="bob", display_name="Bob Berg")
    supplier = SupplierFactory(
        name="Mekong Textiles", legal_name="Mekong Textiles JSC", country="VN", website=""
    )
    supplier.categories.set([CategoryFactory(name="Fabrics")])
    ContactFactory(supplier=supplier, name="Anh Nguyen", is_primary=False)
    ContactFactory(supplier=supplier, name="Zung Tran", is_primary=True)
    OwnershipFactory(supplier=supplier, user=bob, since=date(2023, 1, 1), until=date(2024, 2, 29))
    OwnershipFactory(supplier=supplier, user=alice, since=date(2024, 3, 1))
    client.force_login(procurement_manager)

    response = client.get(detail_url(supplier))

    assert response.status_code == 200
    page = response.text
    assert "Mekong Textiles JSC" in page
    assert "Vietnam" in page
    assert "Fabrics" in page
    assert page.index("Zung Tran") < page.index("Anh Nguyen")  # the primary contact first
    owners, earlier = page.split('id="owners-heading"')[1].split("Earlier")[:2]
    assert "Alice Andersson" in owners
    assert "Bob Berg" not in owners
    assert "Bob Berg" in earlier
    assert "Jan. 1, 2023 to Feb. 29, 2024" in earlier


def test_supplier_page_of_a_missing_supplier_is_404(
    client: Client, procurement_manager: User
) -> None:
    client.force_login(procurement_manager)

    assert client.get(reverse("suppliers:supplier_detail", args=[999999])).status_code == 404


def test_history_shows_who_changed_which_field_from_what_to_what(
    client: Client, procurement_manager: User
) -> None:
    supplier = SupplierFactory(name="Old name", segment="routine", country="SE")
    client.force_login(procurement_manager)
    client.post(
        reverse("suppliers:supplier_update", args=[supplier.pk]),
        supplier_form_data(name="New name", segment="strategic", country="SE"),
    )

    page = client.get(detail_url(supplier)).text

    history = page.split('id="history-heading"')[1]
    assert procurement_manager.name in history
    assert '<span class="change-field">Name</span>: <del>Old name</del> → <ins>New name</ins>' in (
        history
    )
    # Choice fields show their labels, not the stored values.
    assert "<del>Routine</del> → <ins>Strategic</ins>" in history
    assert "updated at" not in history.lower()


def test_history_shows_contact_and_owner_changes_with_names(
    client: Client, procurement_manager: User, account_manager: User
) -> None:
    supplier = SupplierFactory()
    contact = ContactFactory(supplier=supplier, name="Anh Nguyen", job_title="Sales")
    client.force_login(procurement_manager)
    client.post(
        reverse("suppliers:contact_update", args=[supplier.pk, contact.pk]),
        {"name": "Anh Nguyen", "job_title": "Head of sales", "email": contact.email},
    )
    client.post(
        reverse("suppliers:ownership_assign", args=[supplier.pk]),
        {"user": account_manager.pk, "role": "backup"},
    )

    history = client.get(detail_url(supplier)).text.split('id="history-heading"')[1]

    assert "Contact Anh Nguyen" in history
    assert "<del>Sales</del> → <ins>Head of sales</ins>" in history
    assert f"Backup: {account_manager.name}" in history


# --- Create and edit --------------------------------------------------------------------------


def test_procurement_manager_adds_a_supplier(client: Client, procurement_manager: User) -> None:
    fabrics = CategoryFactory(name="Fabrics")
    client.force_login(procurement_manager)

    form = client.get(CREATE)
    response = client.post(CREATE, supplier_form_data(categories=[fabrics.pk]))

    assert form.status_code == 200
    supplier = Supplier.objects.get(external_id="ERP-VN-1")
    assert response.status_code == 302
    assert response["Location"] == detail_url(supplier)
    assert supplier.name == "Mekong Textiles"
    assert supplier.status == "prospect"  # new suppliers start as prospects
    assert supplier.default_currency == "VND"
    assert list(supplier.categories.all()) == [fabrics]


def test_supplier_form_offers_currencies_by_code_and_no_status(
    client: Client, procurement_manager: User
) -> None:
    client.force_login(procurement_manager)

    page = client.get(CREATE).text

    assert '<option value="SEK">SEK · Swedish Krona</option>' in page
    assert 'name="status"' not in page


def test_supplier_form_shows_errors_next_to_their_fields_and_keeps_the_input(
    client: Client, procurement_manager: User
) -> None:
    client.force_login(procurement_manager)

    response = client.post(
        CREATE, supplier_form_data(website="not a url", default_currency="EURO", name="")
    )

    assert response.status_code == 200
    page = response.text
    assert '<p class="error" id="id_website_error">Enter a valid URL.</p>' in page
    assert '<p class="error" id="id_default_currency_error">' in page
    assert '<p class="error" id="id_name_error">This field is required.</p>' in page
    assert 'value="not a url"' in page
    assert 'value="Mekong Textiles JSC"' in page  # what was right is kept too
    assert 'value="VN0301234567"' in page
    assert not Supplier.objects.exists()


def test_duplicate_erp_id_is_shown_next_to_the_field(
    client: Client, procurement_manager: User
) -> None:
    SupplierFactory(external_id="ERP-VN-1")
    client.force_login(procurement_manager)

    response = client.post(CREATE, supplier_form_data(name="Another name"))

    assert response.status_code == 200
    error = re.search(r'<p class="error" id="id_external_id_error">([^<]+)</p>', response.text)
    assert error is not None
    assert "ERP id already exists" in error.group(1)
    assert 'value="Another name"' in response.text
    assert Supplier.objects.count() == 1


def test_editing_a_supplier_changes_its_profile_but_never_its_status(
    client: Client, procurement_manager: User
) -> None:
    supplier = SupplierFactory(name="Old name", status="active", external_id="ERP-1")
    url = reverse("suppliers:supplier_update", args=[supplier.pk])
    client.force_login(procurement_manager)

    form = client.get(url)
    response = client.post(url, supplier_form_data(external_id="ERP-1", status="offboarded"))

    assert 'value="Old name"' in form.text
    assert response.status_code == 302
    supplier.refresh_from_db()
    assert supplier.name == "Mekong Textiles"
    assert supplier.status == "active"


def test_editing_to_another_suppliers_erp_id_shows_the_error_and_keeps_the_input(
    client: Client, procurement_manager: User
) -> None:
    SupplierFactory(external_id="TAKEN")
    supplier = SupplierFactory(name="Old name", external_id="ERP-1")
    client.force_login(procurement_manager)

    response = client.post(
        reverse("suppliers:supplier_update", args=[supplier.pk]),
        supplier_form_data(name="Typed name", external_id="TAKEN"),
    )

    assert 'id="id_external_id_error"' in response.text
    assert 'value="Typed name"' in response.text
    supplier.refresh_from_db()
    assert supplier.name == "Old name"


# --- Status -----------------------------------------------------------------------------------


def test_status_change_is_recorded_with_its_reason(
    client: Client, procurement_manager: User
) -> None:
    supplier = SupplierFactory(status="active")
    client.force_login(procurement_manager)

    response = client.post(
        reverse("suppliers:supplier_change_status", args=[supplier.pk]),
        {"status": "suspended", "reason": "Late deliveries"},
    )

    assert response.status_code == 302
    supplier.refresh_from_db()
    assert supplier.status == "suspended"
    history = client.get(detail_url(supplier)).text.split('id="history-heading"')[1]
    assert "<del>Active</del> → <ins>Suspended</ins>" in history
    assert "Reason: Late deliveries" in history


def test_offboarded_supplier_is_not_reactivated_without_a_reason(
    client: Client, procurement_manager: User
) -> None:
    supplier = SupplierFactory(status="offboarded")
    url = reverse("suppliers:supplier_change_status", args=[supplier.pk])
    client.force_login(procurement_manager)

    refused = client.post(url, {"status": "active", "reason": "  "})
    supplier.refresh_from_db()
    assert refused.status_code == 200
    assert supplier.status == "offboarded"
    assert '<p class="error" id="id_reason_error">Say why an offboarded supplier comes back.' in (
        refused.text
    )

    accepted = client.post(url, {"status": "active", "reason": "New contract signed"})
    supplier.refresh_from_db()
    assert accepted.status_code == 302
    assert supplier.status == "active"


def test_status_form_offers_only_the_lifecycles_next_steps(
    client: Client, procurement_manager: User
) -> None:
    supplier = SupplierFactory(status="active")
    url = reverse("suppliers:supplier_change_status", args=[supplier.pk])
    client.force_login(procurement_manager)

    page = client.get(detail_url(supplier)).text
    refused = client.post(url, {"status": "prospect", "reason": ""})

    status_select = page.split('name="status"')[1].split("</select>")[0]
    assert 'value="suspended"' in status_select
    assert 'value="prospect"' not in status_select
    assert 'id="id_status_error"' in refused.text
    supplier.refresh_from_db()
    assert supplier.status == "active"


# --- Contacts ---------------------------------------------------------------------------------


def test_new_primary_contact_takes_over_from_the_old_one(
    client: Client, procurement_manager: User
) -> None:
    supplier = SupplierFactory()
    old = ContactFactory(supplier=supplier, name="Old primary", is_primary=True)
    client.force_login(procurement_manager)

    response = client.post(
        reverse("suppliers:contact_create", args=[supplier.pk]),
        {"name": "New primary", "email": "new@supplier.example.com", "is_primary": "on"},
    )

    assert response.status_code == 302
    assert response["Location"] == detail_url(supplier)
    old.refresh_from_db()
    assert not old.is_primary
    assert Contact.objects.get(name="New primary").is_primary


def test_editing_a_contact_to_primary_switches_the_primary(
    client: Client, procurement_manager: User
) -> None:
    supplier = SupplierFactory()
    first = ContactFactory(supplier=supplier, is_primary=True)
    second = ContactFactory(supplier=supplier, name="Second", is_primary=False)
    client.force_login(procurement_manager)

    response = client.post(
        reverse("suppliers:contact_update", args=[supplier.pk, second.pk]),
        {"name": "Second", "email": second.email, "phone": "+84 28 1234", "is_primary": "on"},
    )

    assert response.status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.is_primary, second.is_primary) == (False, True)
    assert second.phone == "+84 28 1234"


def test_contact_form_shows_errors_and_keeps_the_input(
    client: Client, procurement_manager: User
) -> None:
    supplier = SupplierFactory()
    ContactFactory(supplier=supplier, email="taken@supplier.example.com")
    url = reverse("suppliers:contact_create", args=[supplier.pk])
    client.force_login(procurement_manager)

    bad_email = client.post(url, {"name": "Anh", "email": "not-an-email", "job_title": "Sales"})
    duplicate = client.post(url, {"name": "Anh", "email": "TAKEN@supplier.example.com"})

    assert 'id="id_email_error"' in bad_email.text
    assert 'value="Sales"' in bad_email.text
    assert "This supplier has a contact with this email already." in duplicate.text
    assert 'value="TAKEN@supplier.example.com"' in duplicate.text
    assert supplier.contacts.count() == 1


def test_removing_a_contact_asks_first_and_needs_post(
    client: Client, procurement_manager: User
) -> None:
    contact = ContactFactory(name="Anh Nguyen")
    url = reverse("suppliers:contact_delete", args=[contact.supplier_id, contact.pk])
    client.force_login(procurement_manager)

    confirm = client.get(url)
    assert confirm.status_code == 200
    assert "Remove Anh Nguyen" in confirm.text
    assert Contact.objects.filter(pk=contact.pk).exists()

    response = client.post(url)

    assert response.status_code == 302
    assert not Contact.objects.filter(pk=contact.pk).exists()


def test_contact_of_another_supplier_is_not_found_under_this_one(
    client: Client, procurement_manager: User
) -> None:
    contact = ContactFactory()
    other = SupplierFactory()
    client.force_login(procurement_manager)

    url = reverse("suppliers:contact_update", args=[other.pk, contact.pk])

    assert client.get(url).status_code == 404


def test_account_manager_edits_contacts_of_her_own_supplier_but_not_of_others(
    client: Client, make_user: Callable[..., User]
) -> None:
    alice = make_user(Role.ACCOUNT_MANAGER, username="alice")
    bob = make_user(Role.ACCOUNT_MANAGER, username="bob")
    hers = SupplierFactory(name="Alice's")
    OwnershipFactory(supplier=hers, user=alice, role="backup")
    bobs = SupplierFactory(name="Bob's")
    OwnershipFactory(supplier=bobs, user=bob)
    bobs_contact = ContactFactory(supplier=bobs)
    client.force_login(alice)

    own = client.post(
        reverse("suppliers:contact_create", args=[hers.pk]),
        {"name": "Anh", "email": "anh@supplier.example.com"},
    )
    assert own.status_code == 302
    assert hers.contacts.filter(name="Anh").exists()
    assert "Add a contact" in client.get(detail_url(hers)).text

    others_urls = [
        reverse("suppliers:contact_create", args=[bobs.pk]),
        reverse("suppliers:contact_update", args=[bobs.pk, bobs_contact.pk]),
        reverse("suppliers:contact_delete", args=[bobs.pk, bobs_contact.pk]),
    ]
    for url in others_urls:
        assert client.get(url).status_code == 403, url
        assert client.post(url, {"name": "Hijack"}).status_code == 403, url
    assert Contact.objects.filter(pk=bobs_contact.pk).exists()
    assert not bobs.contacts.filter(name="Hijack").exists()
    assert "Add a contact" not in client.get(detail_url(bobs)).text


# --- Owners -----------------------------------------------------------------------------------


def test_replacing_the_owner_keeps_who_owned_it_when(
    client: Client, procurement_manager: User, make_user: Callable[..., User]
) -> None:
    alice = make_user(Role.ACCOUNT_MANAGER, username="alice", display_name="Alice Andersson")
    bob = make_user(Role.ACCOUNT_MANAGER, username="bob", display_name="Bob Berg")
    supplier = SupplierFactory(status="active", segment="strategic")
    OwnershipFactory(supplier=supplier, user=bob, since=date(2024, 1, 1))
    url = reverse("suppliers:ownership_assign", args=[supplier.pk])
    client.force_login(procurement_manager)

    form = client.get(url, {"role": "owner"})
    response = client.post(url, {"user": alice.pk, "role": "owner", "since": "2025-03-01"})

    assert form.status_code == 200
    assert '<option value="owner" selected>' in form.text
    assert response.status_code == 302
    ownerships = KeyAccountOwnership.objects.filter(supplier=supplier).order_by("since")
    assert [(o.user, o.since, o.until) for o in ownerships] == [
        (bob, date(2024, 1, 1), date(2025, 3, 1)),
        (alice, date(2025, 3, 1), None),
    ]
    page = client.get(detail_url(supplier)).text
    owners, earlier = page.split('id="owners-heading"')[1].split("Earlier")[:2]
    assert "Alice Andersson" in owners
    assert "Bob Berg" in earlier


def test_owner_choices_are_active_people_who_use_the_pages(
    client: Client, procurement_manager: User, make_user: Callable[..., User]
) -> None:
    make_user(Role.ACCOUNT_MANAGER, username="alice", display_name="Alice Andersson")
    make_user(Role.EXECUTIVE, username="eva", display_name="Eva Executive")
    make_user(Role.INTEGRATION, username="erp", display_name="ERP machine")
    make_user(Role.ACCOUNT_MANAGER, username="gone", display_name="Gone Person", is_active=False)
    supplier = SupplierFactory()
    client.force_login(procurement_manager)

    page = client.get(reverse("suppliers:ownership_assign", args=[supplier.pk])).text

    user_select = page.split('name="user"')[1].split("</select>")[0]
    assert "Alice Andersson" in user_select
    assert "Eva Executive" in user_select  # executives may sponsor
    assert "ERP machine" not in user_select
    assert "Gone Person" not in user_select


def test_assigning_someone_who_may_not_own_shows_the_error_by_the_field(
    client: Client, procurement_manager: User, integration: User
) -> None:
    supplier = SupplierFactory()
    client.force_login(procurement_manager)

    response = client.post(
        reverse("suppliers:ownership_assign", args=[supplier.pk]),
        {"user": integration.pk, "role": "owner"},
    )

    assert response.status_code == 200
    assert 'id="id_user_error"' in response.text
    assert not KeyAccountOwnership.objects.exists()


def test_the_owner_of_an_active_strategic_supplier_is_replaced_not_removed(
    client: Client, procurement_manager: User, account_manager: User
) -> None:
    supplier = SupplierFactory(status="active", segment="strategic")
    ownership = OwnershipFactory(supplier=supplier, user=account_manager)
    backup = OwnershipFactory(supplier=supplier, user=procurement_manager, role="backup")
    client.force_login(procurement_manager)

    refused = client.post(
        reverse("suppliers:ownership_end", args=[supplier.pk, ownership.pk]), follow=True
    )
    ended = client.post(reverse("suppliers:ownership_end", args=[supplier.pk, backup.pk]))

    assert "An active strategic supplier needs an owner" in refused.text
    ownership.refresh_from_db()
    assert ownership.until is None
    assert ended.status_code == 302
    backup.refresh_from_db()
    assert backup.until is not None


def test_account_manager_cannot_assign_or_end_owners(client: Client, account_manager: User) -> None:
    supplier = SupplierFactory()
    ownership = OwnershipFactory(supplier=supplier, user=account_manager)
    client.force_login(account_manager)

    assign = reverse("suppliers:ownership_assign", args=[supplier.pk])
    assert client.get(assign).status_code == 403
    assert client.post(assign, {"user": account_manager.pk, "role": "backup"}).status_code == 403
    end = reverse("suppliers:ownership_end", args=[supplier.pk, ownership.pk])
    assert client.post(end).status_code == 403
    ownership.refresh_from_db()
    assert ownership.until is None


# --- What each role sees ----------------------------------------------------------------------


def test_executive_sees_no_edit_controls(
    client: Client, executive: User, account_manager: User
) -> None:
    supplier = SupplierFactory(status="active", segment="strategic")
    ContactFactory(supplier=supplier)
    OwnershipFactory(supplier=supplier, user=account_manager)
    client.force_login(executive)

    list_page = client.get(LIST).text
    detail = client.get(detail_url(supplier)).text

    assert CREATE not in list_page
    assert f"/suppliers/{supplier.pk}/" in list_page
    for control in ("/edit/", "/status/", "/contacts/new/", "/delete/", "/owners/", "<form"):
        # The only form on the page is the language switcher's and the sign-out.
        assert control not in detail.split('<main id="main"')[1], control


def edit_urls(supplier: Supplier, contact: Contact, ownership: KeyAccountOwnership) -> list[str]:
    return [
        CREATE,
        reverse("suppliers:supplier_update", args=[supplier.pk]),
        reverse("suppliers:supplier_change_status", args=[supplier.pk]),
        reverse("suppliers:contact_create", args=[supplier.pk]),
        reverse("suppliers:contact_update", args=[supplier.pk, contact.pk]),
        reverse("suppliers:contact_delete", args=[supplier.pk, contact.pk]),
        reverse("suppliers:ownership_assign", args=[supplier.pk]),
        reverse("suppliers:ownership_end", args=[supplier.pk, ownership.pk]),
    ]


def test_executive_gets_403_on_every_edit_url(
    client: Client, make_user: Callable[..., User]
) -> None:
    # Even as the supplier's executive sponsor: sponsoring gives no right to change data.
    executive = make_user(Role.EXECUTIVE, username="executive")
    supplier = SupplierFactory(name="Untouched", status="active")
    contact = ContactFactory(supplier=supplier, name="Untouched contact")
    ownership = OwnershipFactory(supplier=supplier, user=executive, role="executive_sponsor")
    client.force_login(executive)

    for url in edit_urls(supplier, contact, ownership):
        assert client.get(url).status_code == 403, url
        post = supplier_form_data(name="Changed", status="offboarded", reason="x")
        assert client.post(url, post).status_code == 403, url

    supplier.refresh_from_db()
    contact.refresh_from_db()
    ownership.refresh_from_db()
    assert (supplier.name, supplier.status) == ("Untouched", "active")
    assert contact.name == "Untouched contact"
    assert ownership.until is None
    assert Supplier.objects.count() == 1


def test_account_manager_gets_403_on_supplier_and_owner_edit_urls(
    client: Client, account_manager: User
) -> None:
    supplier = SupplierFactory()
    contact = ContactFactory(supplier=supplier)
    ownership = OwnershipFactory(supplier=supplier, user=account_manager)
    client.force_login(account_manager)
    contact_urls = edit_urls(supplier, contact, ownership)[3:6]

    for url in edit_urls(supplier, contact, ownership):
        if url not in contact_urls:  # she owns it, so its contacts are hers to edit
            assert client.get(url).status_code == 403, url
            assert client.post(url, supplier_form_data()).status_code == 403, url

    page = client.get(detail_url(supplier)).text
    assert reverse("suppliers:supplier_update", args=[supplier.pk]) not in page
    assert reverse("suppliers:contact_create", args=[supplier.pk]) in page


def test_navigation_shows_suppliers_by_role(
    client: Client, procurement_manager: User, account_manager: User, executive: User
) -> None:
    client.force_login(account_manager)
    account_nav = client.get(reverse("core:home")).text
    client.force_login(executive)
    executive_nav = client.get(reverse("core:home")).text

    assert f'href="{LIST}"' in account_nav
    assert f'href="{MINE}"' in account_nav
    assert f'href="{LIST}"' in executive_nav
    assert f'href="{MINE}"' not in executive_nav


# --- Query counts -----------------------------------------------------------------------------


def count_queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def add_listed_suppliers(count: int, owner: User) -> None:
    categories = [CategoryFactory(name="Fabrics"), CategoryFactory(name="Yarn")]
    for supplier in SupplierFactory.create_batch(count):
        supplier.categories.set(categories)
        OwnershipFactory(supplier=supplier, user=owner)
        OwnershipFactory(supplier=supplier, role="backup")


def test_supplier_list_runs_the_same_queries_for_5_and_50_suppliers(
    client: Client, procurement_manager: User, account_manager: User
) -> None:
    client.force_login(procurement_manager)
    add_listed_suppliers(5, account_manager)
    filtered = f"{LIST}?status=active&ordering=-name&owner={account_manager.pk}"
    at_5 = count_queries(client, LIST), count_queries(client, filtered)

    add_listed_suppliers(45, account_manager)
    at_50 = count_queries(client, LIST), count_queries(client, filtered)

    assert at_5 == at_50


def test_my_suppliers_runs_the_same_queries_for_5_and_50_suppliers(
    client: Client, account_manager: User
) -> None:
    client.force_login(account_manager)
    add_listed_suppliers(5, account_manager)
    at_5 = count_queries(client, MINE)

    add_listed_suppliers(45, account_manager)

    assert count_queries(client, MINE) == at_5


def test_supplier_page_runs_the_same_queries_for_1_and_10_contacts_and_events(
    client: Client, procurement_manager: User, account_manager: User
) -> None:
    def add_related(supplier: Supplier, count: int) -> None:
        # Each event carries a user, as a person's would; a deleted ownership and a removed
        # category make the history look up names beyond those the page has loaded.
        with pghistory.context(user=procurement_manager.pk):
            for _index in range(count):
                ContactFactory(supplier=supplier)
                OwnershipFactory(supplier=supplier, role="backup", until=date.today())
                OwnershipFactory(supplier=supplier, role="executive_sponsor").delete()
                old = CategoryFactory()
                supplier.categories.add(old)
                supplier.categories.remove(old)
                supplier.name = f"{supplier.name}+"
                supplier.save()

    small, large = SupplierFactory(), SupplierFactory()
    for supplier, count in ((small, 1), (large, 10)):
        OwnershipFactory(supplier=supplier, user=account_manager)
        add_related(supplier, count)
    client.force_login(procurement_manager)
    count_queries(client, detail_url(small))  # warms per-process caches (content types)

    assert count_queries(client, detail_url(small)) == count_queries(client, detail_url(large))
    assert client.get(detail_url(large)).text.count("<del>") >= 10


def test_supplier_page_query_count_for_an_account_manager_is_constant_too(
    client: Client, account_manager: User
) -> None:
    small, large = SupplierFactory(), SupplierFactory()
    for supplier, count in ((small, 1), (large, 10)):
        OwnershipFactory(supplier=supplier, user=account_manager)
        ContactFactory.create_batch(count, supplier=supplier)
    client.force_login(account_manager)
    count_queries(client, detail_url(small))

    assert count_queries(client, detail_url(small)) == count_queries(client, detail_url(large))
