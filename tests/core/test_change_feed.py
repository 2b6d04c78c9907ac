"""The change feed (``/api/v1/changes/``) and ``?changes_after=`` on the lists: every change
once, in commit-safe order, deletions and ends included, a cursor that always polls on, bad
and expired cursors refused, the retention scan, who sees what, and a fixed query count.

The feed reads only below the oldest transaction still open (core.changes), so these tests
commit their writes (``transaction=True``): a change written in the test's own transaction
would stay invisible until it ends, which is the point of the design. Another process's
open transaction on the same database holds the feed back too, so ``settled()`` waits until
every transaction older than the test's writes has ended, as a client polling would.
"""

from __future__ import annotations

import importlib
import time
from base64 import urlsafe_b64encode
from collections import Counter
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import User
from accounts.services import api_token_create
from core.changes import watermark
from core.models import Change, ChangeHorizon
from core.tasks import change_scan_task
from meetings.services import commitment_cancel
from suppliers.models import Supplier
from tests.factories import (
    CategoryFactory,
    CommitmentFactory,
    ContactFactory,
    MeetingFactory,
    OwnershipFactory,
    SupplierFactory,
)

FEED = "/api/v1/changes/"
transactional = pytest.mark.django_db(transaction=True)


def settled(timeout: float = 60) -> None:
    """Waits until every transaction of this database that began before now has ended: then
    everything this test committed is below the feed's watermark. Each test worker has a
    database of its own, so only this worker's own connections could hold it back."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_current_xact_id()::text::bigint")
        mine = int(cursor.fetchone()[0])
    deadline = time.monotonic() + timeout
    while watermark() <= mine:
        assert time.monotonic() < deadline, "a transaction stayed open for a minute"
        time.sleep(0.05)


def path_of(url: str) -> str:
    parts = urlsplit(url)
    assert parts.scheme in {"http", "https"} and parts.netloc, url
    return f"{parts.path}?{parts.query}"


def read_all(client: APIClient, url: str) -> tuple[list[dict[str, Any]], str]:
    """Follows ``next`` until caught up; returns every result and the URL to poll later."""
    results: list[dict[str, Any]] = []
    for _page in range(1000):
        response = client.get(url)
        assert response.status_code == 200, response.json()
        body = response.json()
        assert set(body) == {"results", "next", "cursor", "has_more"}
        results += body["results"]
        url = path_of(body["next"])
        if not body["has_more"]:
            return results, url
    raise AssertionError("the feed never caught up")


@pytest.fixture
def manager_client(procurement_manager: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(procurement_manager)
    return client


@pytest.fixture
def erp_client(integration: User) -> APIClient:
    _token, key = api_token_create(user=integration, name="ERP sync")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def entries(results: list[dict[str, Any]]) -> set[tuple[str, int, str]]:
    return {(row["resource"], row["id"], row["action"]) for row in results}


@transactional
def test_each_kind_of_change_appears_with_its_action(
    manager_client: APIClient, procurement_manager: User
) -> None:
    supplier = SupplierFactory()
    kept, deleted = ContactFactory(supplier=supplier), ContactFactory(supplier=supplier)
    category = CategoryFactory()
    ownership = OwnershipFactory(supplier=supplier, user=procurement_manager, role="backup")
    meeting = MeetingFactory(supplier=supplier, logged_by=procurement_manager)
    commitment = CommitmentFactory(supplier=supplier, owner_user=procurement_manager)
    settled()
    _before, poll = read_all(manager_client, FEED)

    manager_client.patch(f"/api/v1/contacts/{kept.pk}/", {"job_title": "Buyer"}, format="json")
    assert manager_client.delete(f"/api/v1/contacts/{deleted.pk}/").status_code == 204
    assert manager_client.delete(f"/api/v1/categories/{category.pk}/").status_code == 204
    assert manager_client.delete(f"/api/v1/key-account-owners/{ownership.pk}/").status_code == 204
    assert manager_client.delete(f"/api/v1/meetings/{meeting.pk}/").status_code == 204
    commitment_cancel(commitment=commitment, by=procurement_manager)
    created = SupplierFactory()
    settled()
    results, _poll = read_all(manager_client, poll)

    assert entries(results) == {
        ("contacts", kept.pk, "updated"),
        ("contacts", deleted.pk, "deleted"),
        ("categories", category.pk, "deleted"),
        ("key-account-owners", ownership.pk, "ended"),
        ("meetings", meeting.pk, "cancelled"),
        ("commitments", commitment.pk, "cancelled"),
        ("suppliers", created.pk, "created"),
    }
    assert all(row["at"] for row in results)


@transactional
def test_an_object_changed_many_times_is_listed_once_for_its_latest_change(
    manager_client: APIClient,
) -> None:
    contact = ContactFactory()
    settled()
    _seen, poll = read_all(manager_client, FEED)

    for title in ("One", "Two", "Three"):
        manager_client.patch(f"/api/v1/contacts/{contact.pk}/", {"job_title": title}, format="json")
    settled()
    results, poll = read_all(manager_client, poll)

    assert [(r["resource"], r["id"], r["action"]) for r in results] == [
        ("contacts", contact.pk, "updated")
    ]
    assert Change.objects.filter(resource="contacts", object_id=contact.pk).count() == 1
    # Nothing new: the poll is empty, and still a URL to poll.
    assert read_all(manager_client, poll)[0] == []


@transactional
def test_a_write_that_changes_nothing_is_no_change(
    erp_client: APIClient, manager_client: APIClient
) -> None:
    rows = [{"external_id": f"ERP-{n}", "name": f"Supplier {n}", "country": "SE"} for n in range(3)]
    assert erp_client.post("/api/v1/suppliers/bulk-upsert/", rows, format="json").status_code == 200
    settled()
    first, poll = read_all(manager_client, FEED + "?resource=suppliers")
    assert Counter(row["action"] for row in first) == {"created": 3}

    erp_client.post("/api/v1/suppliers/bulk-upsert/", rows, format="json")  # resent
    Supplier.objects.filter(external_id="ERP-0").update(name="Supplier 0")  # the same value
    Supplier.objects.filter(external_id="ERP-1").update(name="Renamed")  # raw SQL is seen too
    settled()

    again, _poll = read_all(manager_client, poll)
    assert entries(again) == {
        ("suppliers", Supplier.objects.get(external_id="ERP-1").pk, "updated")
    }


@transactional
def test_paging_through_many_pages_returns_each_change_exactly_once(
    manager_client: APIClient,
) -> None:
    suppliers = SupplierFactory.create_batch(130)
    settled()

    results, poll = read_all(manager_client, FEED + "?resource=suppliers&page_size=17")

    ids = [row["id"] for row in results]
    assert sorted(ids) == sorted(s.pk for s in suppliers)
    assert len(ids) == len(set(ids))

    # The last page's next link polls what commits later, and only that.
    late = SupplierFactory()
    settled()
    assert [row["id"] for row in read_all(manager_client, poll)[0]] == [late.pk]


@transactional
def test_changes_after_on_lists_pages_current_rows_in_change_order(
    manager_client: APIClient,
) -> None:
    suppliers = SupplierFactory.create_batch(7)
    contact = ContactFactory(supplier=suppliers[0])
    settled()

    rows, poll = read_all(manager_client, "/api/v1/suppliers/?changes_after=0&page_size=3")
    # The whole list representation, once each.
    assert sorted(row["id"] for row in rows) >= sorted(s.pk for s in suppliers)
    assert len(rows) == len({row["id"] for row in rows})
    assert {"name", "external_id", "status"} <= set(rows[0])

    manager_client.patch(
        f"/api/v1/suppliers/{suppliers[3].pk}/", {"name": "Renamed"}, format="json"
    )
    manager_client.patch(f"/api/v1/contacts/{contact.pk}/", {"job_title": "CFO"}, format="json")
    settled()
    later, poll = read_all(manager_client, poll)
    assert [(row["id"], row["name"]) for row in later] == [(suppliers[3].pk, "Renamed")]

    contacts, _poll = read_all(manager_client, "/api/v1/contacts/?changes_after=0")
    assert [row["id"] for row in contacts] == [contact.pk]
    assert contacts[0]["job_title"] == "CFO"


@transactional
def test_changes_after_applies_the_lists_filters(manager_client: APIClient) -> None:
    active = SupplierFactory(status="active")
    SupplierFactory(status="prospect")
    settled()

    rows, _poll = read_all(manager_client, "/api/v1/suppliers/?changes_after=0&status=active")

    assert [row["id"] for row in rows] == [active.pk]


@transactional
def test_the_resource_filter_lists_only_those_resources(manager_client: APIClient) -> None:
    contact = ContactFactory()
    CategoryFactory()
    settled()

    results, _poll = read_all(manager_client, FEED + "?resource=contacts")
    assert entries(results) == {("contacts", contact.pk, "created")}
    both, _poll = read_all(manager_client, FEED + "?resource=contacts,suppliers")
    assert {row["resource"] for row in both} == {"contacts", "suppliers"}


@transactional
def test_a_caller_sees_only_changes_to_objects_it_may_see(
    manager_client: APIClient, erp_client: APIClient
) -> None:
    from reviews.services import review_create

    # The standard scorecard template, which a transactional test before this one flushed.
    seeding = importlib.import_module("reviews.migrations.0002_default_template_and_policies")
    seeding.create_defaults(apps, None)
    supplier = SupplierFactory()
    review = review_create(
        supplier=supplier,
        period_start=date(2026, 1, 1),
        period_end=date(2026, 3, 31),
        due_date=date(2026, 4, 28),
    )
    settled()

    # Procurement reads every review; the ERP only submitted ones (reviews.selectors).
    assert ("reviews", review.pk, "created") in entries(
        read_all(manager_client, FEED + "?resource=reviews")[0]
    )
    assert read_all(erp_client, FEED + "?resource=reviews")[0] == []
    assert read_all(erp_client, "/api/v1/reviews/?changes_after=0")[0] == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "parameter"),
    [
        (FEED + "?after=nonsense", "after"),
        (FEED + "?after=" + urlsafe_b64encode(b"c1.-5.3").decode(), "after"),
        (FEED + "?after=" + urlsafe_b64encode(b"c1.99999999999999999999.3").decode(), "after"),
        (FEED + "?after=%00", "after"),
        ("/api/v1/suppliers/?changes_after=abc", "changes_after"),
        (
            "/api/v1/contacts/?changes_after=" + urlsafe_b64encode(b"x1.5.3").decode(),
            "changes_after",
        ),
    ],
)
def test_a_malformed_cursor_is_a_400_naming_the_parameter(
    manager_client: APIClient, url: str, parameter: str
) -> None:
    response = manager_client.get(url)

    assert response.status_code == 400
    error = response.json()["error"]
    assert list(error["fields"]) == [parameter]


@pytest.mark.django_db
def test_an_unknown_resource_is_a_400_listing_the_known(manager_client: APIClient) -> None:
    response = manager_client.get(FEED + "?resource=suppliers,unicorns")

    assert response.status_code == 400
    message = response.json()["error"]["fields"]["resource"][0]
    assert "unicorns" in message and "contacts" in message


@transactional
def test_a_cursor_older_than_the_retention_is_a_410_cursor_expired(
    manager_client: APIClient,
) -> None:
    SupplierFactory.create_batch(3)
    settled()
    first = manager_client.get(FEED + "?page_size=1").json()
    ChangeHorizon.objects.create(pk=1, txid=watermark() + 10)

    for url in (path_of(first["next"]), f"/api/v1/suppliers/?changes_after={first['cursor']}"):
        response = manager_client.get(url)
        assert response.status_code == 410
        assert response.json()["error"]["code"] == "cursor_expired"
    # From the beginning again: still served.
    assert manager_client.get(FEED + "?after=0").status_code == 200
    assert manager_client.get("/api/v1/suppliers/?changes_after=0").status_code == 200


@transactional
def test_change_scan_purges_old_tombstones_and_moves_the_horizon(
    manager_client: APIClient, settings: Any
) -> None:
    settings.CHANGE_RETENTION_DAYS = 30
    old, recent, alive = ContactFactory(), ContactFactory(), ContactFactory()
    settled()
    cursor = manager_client.get(FEED).json()["cursor"]
    manager_client.delete(f"/api/v1/contacts/{old.pk}/")
    manager_client.delete(f"/api/v1/contacts/{recent.pk}/")
    Change.objects.filter(object_id__in=[old.pk, alive.pk], resource="contacts").update(
        at=timezone.now() - timedelta(days=31)
    )
    purged_txid = Change.objects.get(resource="contacts", object_id=old.pk).txid

    assert change_scan_task.apply().get() == 1

    remaining = set(Change.objects.filter(resource="contacts").values_list("object_id", "action"))
    assert remaining == {(recent.pk, "deleted"), (alive.pk, "created")}  # a live row stays
    assert ChangeHorizon.objects.get(pk=1).txid == purged_txid
    # The client whose cursor was before the purged deletion must resync.
    assert manager_client.get(FEED + f"?after={cursor}").status_code == 410
    assert change_scan_task.apply().get() == 0  # nothing more to purge


@transactional
def test_the_feed_and_changes_after_run_a_fixed_number_of_queries(
    manager_client: APIClient, procurement_manager: User
) -> None:
    def queries(url: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert manager_client.get(url).status_code == 200
        return len(captured)

    def make(count: int) -> None:
        for _ in range(count):
            supplier = SupplierFactory()
            ContactFactory(supplier=supplier)
            CommitmentFactory(supplier=supplier, owner_user=procurement_manager)
        settled()

    make(2)
    queries(FEED)  # the first request caches the caller's roles
    few = [queries(FEED), queries("/api/v1/suppliers/?changes_after=0")]
    make(20)
    many = [queries(FEED), queries("/api/v1/suppliers/?changes_after=0")]

    assert many == few


@pytest.mark.django_db
def test_the_schema_documents_the_feed_and_changes_after(manager_client: APIClient) -> None:
    schema = manager_client.get("/api/schema/?format=json").json()

    assert "/api/v1/changes/" in schema["paths"]
    parameters = schema["paths"]["/api/v1/suppliers/"]["get"]["parameters"]
    assert "changes_after" in {p["name"] for p in parameters}
    assert "updated_since" in {p["name"] for p in parameters}
    assert manager_client.get("/api/v1/").json()["changes"].endswith("/api/v1/changes/")


def test_the_beat_runs_change_scan_daily() -> None:
    from srm.celery import app

    entry = app.conf.beat_schedule["change-scan"]
    assert entry["task"] == change_scan_task.name
    assert entry["task"] in app.tasks


@transactional
def test_an_invitation_taken_off_and_a_cancelled_rfp_appear_as_withdrawn_and_cancelled(
    manager_client: APIClient, procurement_manager: User, account_manager: User
) -> None:
    from decimal import Decimal

    from rfps.services.rfp import (
        CriterionInput,
        InviteeInput,
        LineInput,
        RfpInput,
        rfp_cancel,
        rfp_create,
        rfp_update,
    )

    invitees = [
        InviteeInput(s, ContactFactory(supplier=s)) for s in SupplierFactory.create_batch(2)
    ]

    def data(invited: list[InviteeInput]) -> RfpInput:
        return RfpInput(
            title="Office chairs",
            owner=procurement_manager,
            currency="EUR",
            deadline=timezone.now() + timedelta(days=10),
            budget=None,
            lines=[LineInput("Chair", Decimal(100), "pcs")],
            questions=["Delivery time in weeks?"],
            criteria=[CriterionInput("Price", 40, True), CriterionInput("Quality", 60)],
            invitees=invited,
            panel=[account_manager],
        )

    rfp = rfp_create(by=procurement_manager, data=data(invitees))
    dropped = rfp.invitations.get(supplier=invitees[1].supplier)
    settled()
    _seen, poll = read_all(manager_client, FEED + "?resource=rfps,rfp-invitations")

    rfp_update(rfp=rfp, by=procurement_manager, data=data(invitees[:1]))
    rfp_cancel(rfp=rfp, by=procurement_manager, reason="Budget cut")
    settled()
    results, _poll = read_all(manager_client, poll)

    assert entries(results) == {
        ("rfp-invitations", dropped.pk, "withdrawn"),
        ("rfps", rfp.pk, "cancelled"),
    }


# --- The watermark is this database's ---------------------------------------------------------


def _open_writing_transaction(dbname: str) -> tuple[Any, int]:
    """A second connection, to ``dbname``, holding a transaction that has an id."""
    import psycopg2

    params = {**connection.get_connection_params(), "dbname": dbname}
    other = psycopg2.connect(**params)
    cursor = other.cursor()
    cursor.execute("SELECT pg_current_xact_id()::text::bigint")
    return other, int(cursor.fetchone()[0])


@transactional
def test_a_transaction_open_in_another_database_does_not_hold_the_feed_back() -> None:
    other, held = _open_writing_transaction("postgres")
    try:
        SupplierFactory()
        deadline = time.monotonic() + 60
        while watermark() <= held:  # the server's xmin is held; this database's is not
            assert time.monotonic() < deadline, "another database's transaction held the feed"
            time.sleep(0.05)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint")
            assert int(cursor.fetchone()[0]) <= held
    finally:
        other.rollback()
        other.close()


@transactional
def test_a_transaction_open_in_this_database_holds_the_feed_back() -> None:
    other, held = _open_writing_transaction(connection.settings_dict["NAME"])
    try:
        SupplierFactory()
        assert watermark() <= held
    finally:
        other.rollback()
        other.close()
    settled()
    assert watermark() > held


# --- A token's scopes -------------------------------------------------------------------------


def _token_client(user: User, scopes: str) -> APIClient:
    _token, key = api_token_create(user=user, name=f"scoped {scopes}", scopes=scopes)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


@transactional
def test_the_feed_lists_only_the_resources_the_tokens_scopes_read(integration: User) -> None:
    supplier = SupplierFactory()
    contact = ContactFactory(supplier=supplier)
    settled()
    client = _token_client(integration, "changes:read,suppliers:read")
    results, _poll = read_all(client, f"{FEED}?after=0")
    assert ("suppliers", supplier.pk, "created") in entries(results)
    assert ("contacts", contact.pk, "created") in entries(results)
    assert {row["resource"] for row in results} <= {
        "suppliers",
        "contacts",
        "categories",
        "key-account-owners",
    }
    refused = client.get(f"{FEED}?resource=contracts")
    assert refused.status_code == 403
    assert client.get(f"{FEED}?resource=suppliers").status_code == 200


@pytest.mark.django_db
def test_the_feed_needs_the_changes_scope(integration: User) -> None:
    answer = _token_client(integration, "suppliers:read").get(FEED)
    assert answer.status_code == 403
    assert answer.json()["error"]["code"] == "missing_scope"


# --- A change that commits between the page's two reads ----------------------------------------


@transactional
def test_a_row_changed_again_between_the_two_reads_of_a_page_comes_once_with_its_newer_data(
    manager_client: APIClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A ``changes_after`` page reads the change rows, then the rows. A transaction that
    commits in between (tried with a real server: a batch of 500 committing while an ERP
    polled) changes a row the page has picked: the row must not come now with the newer
    data and again with the newer change."""
    import core.changes

    supplier = SupplierFactory(name="Version one")
    settled()
    _results, poll = read_all(manager_client, "/api/v1/suppliers/?changes_after=0")
    Supplier.objects.filter(pk=supplier.pk).update(name="Version two")
    settled()

    read_page = core.changes._page

    def page_then_another_commit(*args: Any, **kwargs: Any) -> Any:
        page = read_page(*args, **kwargs)
        other, _xid = _open_writing_transaction(connection.settings_dict["NAME"])
        with other.cursor() as cursor:
            cursor.execute(
                "UPDATE suppliers_supplier SET name = 'Version three' WHERE id = %s",
                [supplier.pk],
            )
        other.commit()
        other.close()
        return page

    monkeypatch.setattr(core.changes, "_page", page_then_another_commit)
    first = manager_client.get(poll).json()
    monkeypatch.undo()
    settled()
    later, _poll = read_all(manager_client, path_of(first["next"]))
    names = [row["name"] for row in first["results"] + later if row["id"] == supplier.pk]
    assert names == ["Version three"]


# --- Every list that syncs, syncs with the cursor ---------------------------------------------


@pytest.mark.django_db
def test_every_list_that_takes_updated_since_takes_changes_after_too() -> None:
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    syncing = {
        path: {parameter["name"] for parameter in operations["get"].get("parameters", [])}
        for path, operations in schema["paths"].items()
        if "get" in operations
    }
    with_updated_since = {path for path, names in syncing.items() if "updated_since" in names}
    assert len(with_updated_since) >= 17
    assert {p for p in with_updated_since if "changes_after" not in syncing[p]} == set()


@transactional
def test_exchange_rates_sync_with_the_cursor(manager_client: APIClient) -> None:
    from contracts.models import ExchangeRate

    rate = ExchangeRate.objects.create(currency="USD", date=date(2026, 1, 2), rate="0.91")
    settled()
    results, poll = read_all(manager_client, "/api/v1/exchange-rates/?changes_after=0")
    assert [row["id"] for row in results].count(rate.pk) == 1
    ExchangeRate.objects.filter(pk=rate.pk).update(rate="0.92")
    settled()
    later, _poll = read_all(manager_client, poll)
    assert [row["id"] for row in later] == [rate.pk]
    assert Decimal(later[0]["rate"]) == Decimal("0.92")
