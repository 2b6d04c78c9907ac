"""The supplier API: suppliers, contacts, categories and key-account owners under each role;
filters, ordering and cursor paging; the status action; bad input; query counts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.request import Request
from rest_framework.test import APIClient, APIRequestFactory

from accounts.models import User
from accounts.roles import Role
from accounts.services import api_token_create
from contracts.services import contract_create
from suppliers.api.serializers import SupplierSerializer
from suppliers.models import Contact, KeyAccountOwnership, Supplier
from suppliers.selectors import supplier_list
from tests.factories import CategoryFactory, ContactFactory, OwnershipFactory, SupplierFactory

pytestmark = pytest.mark.django_db
SUPPLIERS = "/api/v1/suppliers/"
CONTACTS = "/api/v1/contacts/"
CATEGORIES = "/api/v1/categories/"
OWNERS = "/api/v1/key-account-owners/"


def signed_in(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def names(response: Any) -> list[str]:
    assert response.status_code == 200, response.json()
    return [row["name"] for row in response.json()["results"]]


def all_pages(client: APIClient, url: str) -> list[dict[str, Any]]:
    """Follows ``next`` links to the end; fails on a loop."""
    rows: list[dict[str, Any]] = []
    next_url: str | None = url
    for _page in range(1000):
        if next_url is None:
            return rows
        response = client.get(next_url)
        assert response.status_code == 200, response.json()
        rows += response.json()["results"]
        next_url = response.json()["next"]
    pytest.fail("the next links never ended")


# --- Roles ------------------------------------------------------------------------------------


def test_procurement_manager_creates_reads_updates_and_deletes_a_supplier(
    procurement_manager: User,
) -> None:
    client = signed_in(procurement_manager)
    textiles = CategoryFactory(name="Textiles")

    created = client.post(
        SUPPLIERS,
        {
            "name": "Mekong Textiles",
            "country": "VN",
            "default_currency": "vnd",
            "external_id": "ERP-1",
            "categories": [textiles.pk],
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["status"] == "prospect"
    assert body["default_currency"] == "VND"
    assert body["categories"] == [
        {
            "id": textiles.pk,
            "url": f"http://testserver{CATEGORIES}{textiles.pk}/",
            "name": "Textiles",
        }
    ]
    assert body["owner"] is None
    url = body["url"]

    assert client.get(url).json()["name"] == "Mekong Textiles"
    patched = client.patch(url, {"risk_level": "high", "categories": []}, format="json")
    assert patched.status_code == 200, patched.json()
    assert patched.json()["risk_level"] == "high"
    assert patched.json()["categories"] == []
    assert patched.json()["name"] == "Mekong Textiles"

    assert client.delete(url).status_code == 204
    assert client.get(url).status_code == 404
    assert not Supplier.objects.exists()


def test_a_supplier_with_a_contract_is_not_deleted_but_told_to_be_offboarded(
    procurement_manager: User,
) -> None:
    supplier = SupplierFactory(name="Acme Components AB")
    contract_create(
        by=procurement_manager,
        supplier=supplier,
        title="Framework agreement",
        owner=procurement_manager,
        value=Decimal("1000.00"),
        currency="EUR",
        start_date=date(2026, 1, 1),
        end_date=None,
        notice_period_days=30,
    )

    response = signed_in(procurement_manager).delete(f"{SUPPLIERS}{supplier.pk}/")

    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "supplier_has_records"
    assert "contracts" in error["message"]
    assert "offboard" in error["message"]
    assert Supplier.objects.filter(pk=supplier.pk).exists()


def test_a_full_update_replaces_the_profile(procurement_manager: User) -> None:
    supplier = SupplierFactory(name="Old name", notes="old notes")

    response = signed_in(procurement_manager).put(
        f"{SUPPLIERS}{supplier.pk}/", {"name": "New name", "country": "DE"}, format="json"
    )

    assert response.status_code == 200, response.json()
    supplier.refresh_from_db()
    assert (supplier.name, supplier.country.code) == ("New name", "DE")


def test_account_manager_reads_suppliers_but_does_not_edit_them(account_manager: User) -> None:
    supplier = SupplierFactory()
    client = signed_in(account_manager)

    assert client.get(SUPPLIERS).status_code == 200
    assert client.get(f"{SUPPLIERS}{supplier.pk}/").status_code == 200
    assert client.post(SUPPLIERS, {"name": "X"}, format="json").status_code == 403
    assert client.patch(f"{SUPPLIERS}{supplier.pk}/", {"name": "X"}).status_code == 403
    assert client.delete(f"{SUPPLIERS}{supplier.pk}/").status_code == 403
    assert client.post(CATEGORIES, {"name": "X"}, format="json").status_code == 403


def test_executive_reads_everything_and_writes_nothing(executive: User) -> None:
    supplier = SupplierFactory()
    contact = ContactFactory(supplier=supplier)
    ownership = OwnershipFactory(supplier=supplier)
    category = CategoryFactory()
    client = signed_in(executive)

    for url in (SUPPLIERS, CONTACTS, CATEGORIES, OWNERS):
        assert client.get(url).status_code == 200
    writes = [
        client.post(SUPPLIERS, {"name": "X"}, format="json"),
        client.patch(f"{SUPPLIERS}{supplier.pk}/", {"name": "X"}, format="json"),
        client.delete(f"{SUPPLIERS}{supplier.pk}/"),
        client.post(f"{SUPPLIERS}{supplier.pk}/change-status/", {"status": "suspended"}),
        client.post(CONTACTS, {"supplier": supplier.pk, "name": "X"}, format="json"),
        client.patch(f"{CONTACTS}{contact.pk}/", {"name": "X"}, format="json"),
        client.delete(f"{CATEGORIES}{category.pk}/"),
        client.post(OWNERS, {"supplier": supplier.pk, "user": executive.pk, "role": "owner"}),
        client.delete(f"{OWNERS}{ownership.pk}/"),
        client.post(f"{SUPPLIERS}bulk-upsert/", [], format="json"),
    ]
    assert [response.status_code for response in writes] == [403] * len(writes)
    assert writes[0].json()["error"]["code"] == "permission_denied"
    assert Supplier.objects.get().name == supplier.name


def test_integration_reads_with_its_token_but_edits_only_in_bulk(
    api_client: APIClient, integration: User
) -> None:
    supplier = SupplierFactory()
    _token, key = api_token_create(user=integration, name="ERP sync")
    headers = {"authorization": f"Token {key}"}

    assert api_client.get(SUPPLIERS, headers=headers).status_code == 200
    assert api_client.get(CONTACTS, headers=headers).status_code == 200
    assert (
        api_client.post(SUPPLIERS, {"name": "X"}, format="json", headers=headers).status_code == 403
    )
    assert (
        api_client.patch(
            f"{SUPPLIERS}{supplier.pk}/", {"name": "X"}, format="json", headers=headers
        ).status_code
        == 403
    )
    bulk = api_client.post(
        f"{SUPPLIERS}bulk-upsert/",
        [{"external_id": "ERP-NEW", "name": "New"}],
        format="json",
        headers=headers,
    )
    assert bulk.status_code == 200, bulk.json()


@pytest.mark.parametrize("url", [SUPPLIERS, CONTACTS, CATEGORIES, OWNERS, f"{SUPPLIERS}1/"])
def test_anonymous_callers_get_401(api_client: APIClient, url: str) -> None:
    response = api_client.get(url)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_a_user_without_a_role_gets_403(make_user: Callable[..., User]) -> None:
    SupplierFactory()

    assert signed_in(make_user()).get(SUPPLIERS).status_code == 403


# --- Contacts ---------------------------------------------------------------------------------


def test_account_manager_edits_the_contacts_of_their_own_suppliers_only(
    account_manager: User, make_user: Callable[..., User]
) -> None:
    bob = make_user(Role.ACCOUNT_MANAGER, username="bob")
    alices, bobs = SupplierFactory.create_batch(2)
    OwnershipFactory(supplier=alices, user=account_manager, role="backup")
    OwnershipFactory(supplier=bobs, user=bob, role="owner")
    bobs_contact = ContactFactory(supplier=bobs)
    client = signed_in(account_manager)

    mine = client.post(
        CONTACTS, {"supplier": alices.pk, "name": "Linh", "email": "linh@x.vn"}, format="json"
    )
    assert mine.status_code == 201, mine.json()
    assert mine.json()["supplier"]["id"] == alices.pk
    edited = client.patch(mine.json()["url"], {"job_title": "CFO"}, format="json")
    assert edited.status_code == 200
    assert edited.json()["job_title"] == "CFO"

    refused = [
        client.post(CONTACTS, {"supplier": bobs.pk, "name": "X"}, format="json"),
        client.patch(f"{CONTACTS}{bobs_contact.pk}/", {"name": "X"}, format="json"),
        client.delete(f"{CONTACTS}{bobs_contact.pk}/"),
    ]
    assert [response.status_code for response in refused] == [403, 403, 403]
    assert Contact.objects.get(pk=bobs_contact.pk).name == bobs_contact.name
    assert client.get(f"{CONTACTS}{bobs_contact.pk}/").status_code == 200  # reading is fine
    assert client.delete(mine.json()["url"]).status_code == 204


def test_a_new_primary_contact_takes_the_place_of_the_old_one(
    procurement_manager: User,
) -> None:
    supplier = SupplierFactory()
    old = ContactFactory(supplier=supplier, is_primary=True)
    other = ContactFactory(supplier=supplier)
    client = signed_in(procurement_manager)

    created = client.post(
        CONTACTS, {"supplier": supplier.pk, "name": "New", "is_primary": True}, format="json"
    )
    assert created.status_code == 201, created.json()
    assert list(Contact.objects.filter(is_primary=True)) == [Contact.objects.get(name="New")]

    switched = client.patch(f"{CONTACTS}{other.pk}/", {"is_primary": True}, format="json")
    assert switched.status_code == 200
    assert list(Contact.objects.filter(is_primary=True).values_list("pk", flat=True)) == [other.pk]
    primary = client.get(CONTACTS, {"supplier": supplier.pk, "is_primary": "true"}).json()
    assert [row["id"] for row in primary["results"]] == [other.pk]
    old.refresh_from_db()
    assert not old.is_primary


def test_a_contact_stays_with_its_supplier(procurement_manager: User) -> None:
    contact = ContactFactory()
    elsewhere = SupplierFactory()

    response = signed_in(procurement_manager).patch(
        f"{CONTACTS}{contact.pk}/", {"supplier": elsewhere.pk}, format="json"
    )

    assert response.status_code == 400
    assert "supplier" in response.json()["error"]["fields"]


def test_contacts_filter_by_supplier_erp_id_and_email(account_manager: User) -> None:
    supplier = SupplierFactory(external_id="ERP-7")
    wanted = ContactFactory(supplier=supplier, email="Anna@Example.com")
    ContactFactory(supplier=supplier)
    ContactFactory()
    client = signed_in(account_manager)

    by_supplier = client.get(CONTACTS, {"supplier_external_id": "ERP-7"}).json()["results"]
    by_email = client.get(CONTACTS, {"email": "anna@example.com"}).json()["results"]

    assert len(by_supplier) == 2
    assert [row["id"] for row in by_email] == [wanted.pk]


# --- Filters, ordering, paging -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"q": "mekong"}, ["Mekong Textiles"]),
        ({"q": "ERP-VN-1"}, ["Mekong Textiles"]),
        ({"q": "vn0101"}, ["Mekong Textiles"]),
        ({"status": "suspended"}, ["Rhein Stahl"]),
        ({"status": ["suspended", "prospect"]}, ["Nordic Paper", "Rhein Stahl"]),
        ({"segment": "strategic"}, ["Mekong Textiles"]),
        ({"country": "DE"}, ["Rhein Stahl"]),
        ({"risk_level": "critical"}, ["Nordic Paper"]),
        ({"category": "PARENT"}, ["Mekong Textiles", "Rhein Stahl"]),
        ({"owner": "OWNER"}, ["Mekong Textiles"]),
        ({"external_id": "ERP-DE-1"}, ["Rhein Stahl"]),
    ],
)
def test_supplier_filters_match_the_list_page(
    account_manager: User, query: dict[str, Any], expected: list[str]
) -> None:
    parent = CategoryFactory(name="Materials")
    child = CategoryFactory(name="Fabric", parent=parent)
    mekong = SupplierFactory(
        name="Mekong Textiles",
        external_id="ERP-VN-1",
        vat_number="VN0101",
        country="VN",
        segment="strategic",
    )
    mekong.categories.set([child])
    rhein = SupplierFactory(
        name="Rhein Stahl", external_id="ERP-DE-1", country="DE", status="suspended"
    )
    rhein.categories.set([parent])
    SupplierFactory(name="Nordic Paper", status="prospect", risk_level="critical")
    OwnershipFactory(supplier=mekong, user=account_manager)
    query = {
        key: {"PARENT": parent.pk, "OWNER": account_manager.pk}.get(value, value)
        if isinstance(value, str)
        else value
        for key, value in query.items()
    }

    assert names(signed_in(account_manager).get(SUPPLIERS, query)) == expected


def test_unknown_erp_id_finds_nothing(account_manager: User) -> None:
    SupplierFactory(external_id="ERP-1")

    assert names(signed_in(account_manager).get(SUPPLIERS, {"external_id": "ERP-2"})) == []


def test_updated_since_lists_what_changed_at_or_after_the_moment(
    account_manager: User,
) -> None:
    now = timezone.now()
    old, recent = SupplierFactory.create_batch(2)
    Supplier.objects.filter(pk=old.pk).update(updated_at=now - timedelta(days=2))
    Supplier.objects.filter(pk=recent.pk).update(updated_at=now)
    since = (now - timedelta(days=1)).isoformat()

    response = signed_in(account_manager).get(SUPPLIERS, {"updated_since": since})

    assert names(response) == [recent.name]


@pytest.mark.parametrize(
    "query",
    [{"updated_since": "yesterday"}, {"status": "sleeping"}, {"ordering": "notes"}, {"owner": 0}],
)
def test_invalid_filters_get_400_naming_the_filter(
    account_manager: User, query: dict[str, Any]
) -> None:
    response = signed_in(account_manager).get(SUPPLIERS, query)

    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == set(query)


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        (None, ["Alpha", "Bravo", "Charlie"]),
        ("name", ["Alpha", "Bravo", "Charlie"]),
        ("-name", ["Charlie", "Bravo", "Alpha"]),
        ("updated_at", ["Bravo", "Charlie", "Alpha"]),
        ("-updated_at", ["Alpha", "Charlie", "Bravo"]),
        ("country,name", ["Bravo", "Alpha", "Charlie"]),
        ("-country,name", ["Alpha", "Charlie", "Bravo"]),
    ],
)
def test_suppliers_are_ordered_as_asked(
    account_manager: User, ordering: str | None, expected: list[str]
) -> None:
    now = timezone.now()
    for name, country, age in [("Charlie", "SE", 2), ("Alpha", "SE", 1), ("Bravo", "DE", 3)]:
        supplier = SupplierFactory(name=name, country=country)
        Supplier.objects.filter(pk=supplier.pk).update(updated_at=now - timedelta(hours=age))
    query = {"ordering": ordering} if ordering else {}

    assert names(signed_in(account_manager).get(SUPPLIERS, query)) == expected


@pytest.mark.parametrize(
    ("ordering", "order_by"),
    [
        ("name", ("name", "pk")),
        ("-name", ("-name", "-pk")),
        ("updated_at", ("updated_at", "pk")),
        ("-updated_at", ("-updated_at", "-pk")),
        ("country", ("country", "pk")),
        ("-updated_at,name", ("-updated_at", "name", "pk")),
    ],
)
def test_cursor_pages_through_every_supplier_once(
    account_manager: User, ordering: str, order_by: tuple[str, ...]
) -> None:
    # Ties on every column but the id: all share a country and most share an updated_at, as a
    # bulk upsert leaves them, and pairs share a name.
    moment = timezone.now()
    Supplier.objects.bulk_create(
        Supplier(name=f"Supplier {n // 2:02d}", country="SE", updated_at=moment) for n in range(23)
    )
    SupplierFactory(name="Late", updated_at=moment + timedelta(seconds=1))
    expected = list(supplier_list(user=account_manager).order_by(*order_by))

    rows = all_pages(signed_in(account_manager), f"{SUPPLIERS}?ordering={ordering}&page_size=5")

    assert [row["id"] for row in rows] == [supplier.pk for supplier in expected]


def test_incremental_sync_pages_past_thousands_of_equal_timestamps(
    account_manager: User,
) -> None:
    # DRF's own cursor gives up after 1,000 rows that share the first ordering column.
    moment = timezone.now()
    Supplier.objects.bulk_create(
        Supplier(name=f"S{n}", external_id=f"E{n}", updated_at=moment) for n in range(2100)
    )
    since = (moment - timedelta(seconds=1)).isoformat().replace("+00:00", "Z")

    rows = all_pages(
        signed_in(account_manager),
        f"{SUPPLIERS}?updated_since={since}&ordering=updated_at&page_size=1000",
    )

    ids = [row["id"] for row in rows]
    assert len(ids) == 2100
    assert ids == sorted(ids)


@pytest.mark.parametrize("ordering", ["name", "-updated_at,name"])
def test_previous_links_page_back(account_manager: User, ordering: str) -> None:
    moment = timezone.now()
    for n in range(7):
        SupplierFactory(name=f"Supplier {n % 4}", updated_at=moment - timedelta(hours=n % 2))
    client = signed_in(account_manager)
    first = client.get(SUPPLIERS, {"page_size": 3, "ordering": ordering}).json()
    second = client.get(first["next"]).json()
    third = client.get(second["next"]).json()

    back = client.get(third["previous"]).json()

    assert first["previous"] is None
    assert len(third["results"]) == 1
    assert third["next"] is None
    assert back["results"] == second["results"]
    assert client.get(back["previous"]).json()["results"] == first["results"]
    assert client.get(back["next"]).json()["results"] == third["results"]


def test_page_size_is_capped_at_1000(account_manager: User) -> None:
    Supplier.objects.bulk_create(Supplier(name=f"S{n:04d}") for n in range(1001))

    body = signed_in(account_manager).get(SUPPLIERS, {"page_size": 5000}).json()

    assert len(body["results"]) == 1000
    assert body["next"] is not None
    assert "count" not in body


def test_default_page_size_is_50(account_manager: User) -> None:
    Supplier.objects.bulk_create(Supplier(name=f"S{n:04d}") for n in range(51))

    assert len(signed_in(account_manager).get(SUPPLIERS).json()["results"]) == 50


@pytest.mark.parametrize("cursor", ["garbage", "eyJvIjpbIm5hbWUiXX0=", "W10="])
def test_a_broken_cursor_gets_404_in_the_error_shape(account_manager: User, cursor: str) -> None:
    response = signed_in(account_manager).get(SUPPLIERS, {"cursor": cursor})

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_a_cursor_from_another_ordering_is_refused(account_manager: User) -> None:
    SupplierFactory.create_batch(3)
    client = signed_in(account_manager)
    next_url = client.get(SUPPLIERS, {"page_size": 1, "ordering": "updated_at"}).json()["next"]

    response = client.get(next_url.replace("ordering=updated_at", "ordering=name"))

    assert response.status_code == 404


def test_other_lists_page_and_order_too(account_manager: User) -> None:
    supplier = SupplierFactory()
    for name in ["Cid", "Ann", "Bo"]:
        ContactFactory(supplier=supplier, name=name)
        CategoryFactory(name=name)
    client = signed_in(account_manager)

    contacts = all_pages(client, f"{CONTACTS}?ordering=-name&page_size=2")
    categories = all_pages(client, f"{CATEGORIES}?page_size=2")

    assert [row["name"] for row in contacts] == ["Cid", "Bo", "Ann"]
    assert [row["name"] for row in categories] == ["Ann", "Bo", "Cid"]


# --- Representation ---------------------------------------------------------------------------


def test_a_list_row_shows_owner_key_account_people_and_categories(
    account_manager: User, make_user: Callable[..., User]
) -> None:
    bob = make_user(Role.ACCOUNT_MANAGER, username="bob", display_name="", first_name="Bob")
    supplier = SupplierFactory()
    supplier.categories.set([CategoryFactory(name="Steel"), CategoryFactory(name="Bolts")])
    owner = OwnershipFactory(supplier=supplier, user=account_manager, role="owner")
    backup = OwnershipFactory(supplier=supplier, user=bob, role="backup")
    OwnershipFactory(
        supplier=supplier, user=bob, role="owner", since="2024-01-01", until="2024-12-31"
    )

    row = signed_in(account_manager).get(SUPPLIERS).json()["results"][0]

    assert row["owner"] == {
        "id": account_manager.pk,
        "username": "alice",
        "name": account_manager.name,
    }
    assert [(p["id"], p["role"], p["user"]["name"]) for p in row["key_account_owners"]] == [
        (backup.pk, "backup", "Bob"),
        (owner.pk, "owner", account_manager.name),
    ]
    assert [c["name"] for c in row["categories"]] == ["Bolts", "Steel"]


def test_the_list_renders_exactly_what_the_serializer_renders(
    account_manager: User, make_user: Callable[..., User], settings: Any
) -> None:
    settings.TIME_ZONE = "Europe/Stockholm"
    suppliers = [
        SupplierFactory(website="https://example.com", notes="Ünïcode", country=""),
        SupplierFactory(external_id=None),
        SupplierFactory(),
    ]
    suppliers[0].categories.set([CategoryFactory(), CategoryFactory()])
    OwnershipFactory(supplier=suppliers[0], user=account_manager, role="owner")
    OwnershipFactory(supplier=suppliers[0], user=make_user(Role.EXECUTIVE), role="backup")
    OwnershipFactory(supplier=suppliers[1], user=account_manager, role="executive_sponsor")
    request = Request(APIRequestFactory().get(SUPPLIERS))

    expected = SupplierSerializer(
        supplier_list(user=account_manager), many=True, context={"request": request}
    ).data

    listed = signed_in(account_manager).get(SUPPLIERS).json()["results"]

    assert listed == [dict(row) for row in expected]
    assert listed[0]["created_at"].endswith("+01:00") or listed[0]["created_at"].endswith("+02:00")


def test_retrieve_and_list_agree(account_manager: User) -> None:
    supplier = SupplierFactory()
    OwnershipFactory(supplier=supplier, user=account_manager)
    supplier.categories.set([CategoryFactory()])
    client = signed_in(account_manager)

    detail = client.get(f"{SUPPLIERS}{supplier.pk}/").json()
    # The detail adds what the caller may do to the supplier; the rest is the list row.
    assert detail.pop("allowed_actions") == ["manage_contacts"]
    assert client.get(SUPPLIERS).json()["results"] == [detail]


# --- Status -----------------------------------------------------------------------------------


def test_status_changes_through_its_action(procurement_manager: User) -> None:
    supplier = SupplierFactory(status="active")
    client = signed_in(procurement_manager)

    response = client.post(
        f"{SUPPLIERS}{supplier.pk}/change-status/", {"status": "suspended"}, format="json"
    )

    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "suspended"
    supplier.refresh_from_db()
    assert supplier.status == "suspended"


def test_status_is_not_changed_by_a_patch(procurement_manager: User) -> None:
    supplier = SupplierFactory(status="active")

    response = signed_in(procurement_manager).patch(
        f"{SUPPLIERS}{supplier.pk}/", {"status": "offboarded"}, format="json"
    )

    assert response.status_code == 400
    assert "change-status" in response.json()["error"]["fields"]["status"][0]
    supplier.refresh_from_db()
    assert supplier.status == "active"


@pytest.mark.parametrize(
    ("current", "data", "code"),
    [
        ("active", {"status": "prospect"}, "invalid_status_transition"),
        ("offboarded", {"status": "active"}, "reason_required"),
        ("offboarded", {"status": "active", "reason": "  "}, "reason_required"),
    ],
)
def test_refused_status_changes_get_409_with_a_code(
    procurement_manager: User, current: str, data: dict[str, str], code: str
) -> None:
    supplier = SupplierFactory(status=current)

    response = signed_in(procurement_manager).post(
        f"{SUPPLIERS}{supplier.pk}/change-status/", data, format="json"
    )

    assert response.status_code == 409
    assert response.json()["error"]["code"] == code
    supplier.refresh_from_db()
    assert supplier.status == current


def test_an_offboarded_supplier_comes_back_with_a_reason(procurement_manager: User) -> None:
    supplier = SupplierFactory(status="offboarded")

    response = signed_in(procurement_manager).post(
        f"{SUPPLIERS}{supplier.pk}/change-status/",
        {"status": "active", "reason": "New contract"},
        format="json",
    )

    assert response.status_code == 200
    assert response.json()["status"] == "active"


@pytest.mark.parametrize("data", [{}, {"status": "sleeping"}, {"status": ["active"]}])
def test_a_bad_status_gets_400(procurement_manager: User, data: dict[str, Any]) -> None:
    supplier = SupplierFactory(status="active")

    response = signed_in(procurement_manager).post(
        f"{SUPPLIERS}{supplier.pk}/change-status/", data, format="json"
    )

    assert response.status_code == 400
    assert "status" in response.json()["error"]["fields"]


# --- Key-account owners -----------------------------------------------------------------------


def test_assigning_a_new_owner_replaces_the_old_and_keeps_the_history(
    procurement_manager: User, account_manager: User, make_user: Callable[..., User]
) -> None:
    bob = make_user(Role.ACCOUNT_MANAGER, username="bob")
    supplier = SupplierFactory(status="active", segment="strategic")
    client = signed_in(procurement_manager)

    first = client.post(
        OWNERS,
        {"supplier": supplier.pk, "user": account_manager.pk, "role": "owner"},
        format="json",
    )
    second = client.post(
        OWNERS, {"supplier": supplier.pk, "user": bob.pk, "role": "owner"}, format="json"
    )

    assert first.status_code == second.status_code == 201
    assert second.json()["user"]["username"] == "bob"
    assert second.json()["is_current"] is True
    history = client.get(OWNERS, {"supplier": supplier.pk}).json()["results"]
    assert [(row["user"]["username"], row["is_current"]) for row in history] == [
        ("alice", False),
        ("bob", True),
    ]
    current = client.get(OWNERS, {"supplier": supplier.pk, "current": "true"}).json()
    assert [row["user"]["username"] for row in current["results"]] == ["bob"]
    assert client.get(f"{SUPPLIERS}{supplier.pk}/").json()["owner"]["username"] == "bob"


def test_deleting_a_role_ends_it_and_keeps_the_row(
    procurement_manager: User, account_manager: User
) -> None:
    backup = OwnershipFactory(user=account_manager, role="backup")
    client = signed_in(procurement_manager)

    response = client.delete(f"{OWNERS}{backup.pk}/")

    assert response.status_code == 204
    backup.refresh_from_db()
    assert backup.until is not None
    assert client.get(f"{OWNERS}{backup.pk}/").json()["is_current"] is False


def test_the_owner_of_an_active_strategic_supplier_is_replaced_not_removed(
    procurement_manager: User, account_manager: User
) -> None:
    supplier = SupplierFactory(status="active", segment="strategic")
    owner = OwnershipFactory(supplier=supplier, user=account_manager, role="owner")

    response = signed_in(procurement_manager).delete(f"{OWNERS}{owner.pk}/")

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "owner_required"
    owner.refresh_from_db()
    assert owner.until is None


def test_owners_are_people_who_use_the_app(procurement_manager: User, integration: User) -> None:
    supplier = SupplierFactory()

    response = signed_in(procurement_manager).post(
        OWNERS, {"supplier": supplier.pk, "user": integration.pk, "role": "owner"}, format="json"
    )

    assert response.status_code == 400
    assert "user" in response.json()["error"]["fields"]
    assert not KeyAccountOwnership.objects.exists()


def test_account_managers_do_not_assign_owners(account_manager: User) -> None:
    supplier = SupplierFactory()

    response = signed_in(account_manager).post(
        OWNERS, {"supplier": supplier.pk, "user": account_manager.pk, "role": "owner"}
    )

    assert response.status_code == 403
    assert not KeyAccountOwnership.objects.exists()


def test_ownerships_cannot_be_edited_in_place(procurement_manager: User) -> None:
    ownership = OwnershipFactory()

    response = signed_in(procurement_manager).patch(
        f"{OWNERS}{ownership.pk}/", {"role": "backup"}, format="json"
    )

    assert response.status_code == 405


# --- Categories -------------------------------------------------------------------------------


def test_categories_form_a_tree_and_one_in_use_is_not_deleted(
    procurement_manager: User,
) -> None:
    client = signed_in(procurement_manager)
    parent = client.post(CATEGORIES, {"name": "Metals"}, format="json").json()
    child = client.post(CATEGORIES, {"name": "Steel", "parent": parent["id"]}, format="json").json()
    SupplierFactory().categories.add(child["id"])

    assert child["parent"] == {"id": parent["id"], "url": parent["url"], "name": "Metals"}
    refused = client.delete(parent["url"])
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "category_in_use"
    loop = client.patch(parent["url"], {"parent": child["id"]}, format="json")
    assert loop.status_code == 400
    assert "parent" in loop.json()["error"]["fields"]
    duplicate = client.post(CATEGORIES, {"name": "steel"}, format="json")
    assert duplicate.status_code == 400


# --- Bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({}, "name"),
        ({"name": ["a", "list"]}, "name"),
        ({"name": "X" * 201}, "name"),
        ({"name": "X", "country": "XX"}, "country"),
        ({"name": "X", "segment": 7}, "segment"),
        ({"name": "X", "website": "not a url"}, "website"),
        ({"name": "X", "default_currency": "XYZ"}, "default_currency"),
        ({"name": "X", "categories": "steel"}, "categories"),
        ({"name": "X", "categories": [999999]}, "categories"),
    ],
)
def test_invalid_suppliers_get_400_naming_the_field(
    procurement_manager: User, data: dict[str, Any], field: str
) -> None:
    response = signed_in(procurement_manager).post(SUPPLIERS, data, format="json")

    assert response.status_code == 400, response.json()
    assert response.json()["error"]["code"] == "invalid"
    assert field in response.json()["error"]["fields"]
    assert not Supplier.objects.exists()


def test_a_duplicate_erp_id_gets_400(procurement_manager: User) -> None:
    SupplierFactory(external_id="ERP-1")

    response = signed_in(procurement_manager).post(
        SUPPLIERS, {"name": "X", "external_id": "ERP-1"}, format="json"
    )

    assert response.status_code == 400
    assert "external_id" in response.json()["error"]["fields"]


def test_a_body_that_is_not_an_object_gets_400(procurement_manager: User) -> None:
    client = signed_in(procurement_manager)

    not_json = client.generic("POST", SUPPLIERS, "{nope", content_type="application/json")
    a_list = client.post(SUPPLIERS, [{"name": "X"}], format="json")

    assert not_json.status_code == 400
    assert not_json.json()["error"]["code"] == "parse_error"
    assert a_list.status_code == 400


def test_a_body_over_djangos_upload_limit_is_refused_unparsed(
    procurement_manager: User, settings: Any
) -> None:
    # DRF reads JSON through request.body, which DATA_UPLOAD_MAX_MEMORY_SIZE guards; only the
    # bulk endpoints take more (tests/suppliers/test_api_bulk.py).
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000

    response = signed_in(procurement_manager).post(
        SUPPLIERS, {"name": "X", "notes": "x" * 2000}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_request"
    assert not Supplier.objects.exists()


def test_objects_that_do_not_exist_get_404(procurement_manager: User) -> None:
    client = signed_in(procurement_manager)

    for url in (SUPPLIERS, CONTACTS, CATEGORIES, OWNERS):
        assert client.get(f"{url}999999/").status_code == 404
    assert client.patch(f"{SUPPLIERS}999999/", {"name": "X"}, format="json").status_code == 404
    assert client.post(f"{SUPPLIERS}999999/change-status/", {"status": "active"}).status_code == (
        404
    )
    contact = client.post(CONTACTS, {"supplier": 999999, "name": "X"}, format="json")
    assert contact.status_code == 400
    assert "supplier" in contact.json()["error"]["fields"]


# --- Query counts -----------------------------------------------------------------------------


def _suppliers_with_relations(count: int, make_user: Callable[..., User]) -> None:
    parent = CategoryFactory()
    for _n in range(count):
        supplier = SupplierFactory()
        supplier.categories.set([CategoryFactory(parent=parent), parent])
        OwnershipFactory(supplier=supplier, user=make_user(Role.ACCOUNT_MANAGER), role="owner")
        OwnershipFactory(supplier=supplier, user=make_user(Role.ACCOUNT_MANAGER), role="backup")
        ContactFactory(supplier=supplier)


def _queries(client: APIClient, url: str, query: dict[str, Any]) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, query)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("url", [SUPPLIERS, CONTACTS, OWNERS, CATEGORIES])
def test_lists_run_the_same_queries_for_5_and_50_rows(
    api_client: APIClient, integration: User, make_user: Callable[..., User], url: str
) -> None:
    _token, key = api_token_create(user=integration, name="ERP sync")
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    api_client.get(url)  # the token's first use is recorded once
    _suppliers_with_relations(5, make_user)
    small = _queries(api_client, url, {"page_size": 100})
    _suppliers_with_relations(45, make_user)

    large = _queries(api_client, url, {"page_size": 100})

    assert small == large
    if url == SUPPLIERS:
        # token and user, roles, page, key-account people, categories
        assert large <= 5
