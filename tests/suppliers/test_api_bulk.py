"""ERP bulk upserts over the API: valid batches, idempotent resends, all-or-nothing refusals
listed by row and field, size limits enforced before reading, roles, and the audit trail."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.middleware.csrf import _get_new_csrf_string
from django.urls import resolve
from pghistory.models import MiddlewareEvents
from rest_framework.test import APIClient, APIRequestFactory, force_authenticate

from accounts.models import User
from accounts.services import api_token_create
from core.api import bulk as bulk_api
from suppliers.models import Contact, KeyAccountOwnership, Supplier
from tests.factories import CategoryFactory, SupplierFactory

pytestmark = pytest.mark.django_db
SUPPLIERS = "/api/v1/suppliers/bulk-upsert/"
CONTACTS = "/api/v1/contacts/bulk-upsert/"


@pytest.fixture
def erp(api_client: APIClient, integration: User) -> APIClient:
    """The ERP's client, signed in with its token."""
    _token, key = api_token_create(user=integration, name="ERP sync")
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return api_client


def push(client: APIClient, rows: Any, url: str = SUPPLIERS) -> Any:
    return client.post(url, rows, format="json")


def batch(count: int, **fields: Any) -> list[dict[str, Any]]:
    return [
        {"external_id": f"ERP-{n:05d}", "name": f"Supplier {n}", "country": "SE", **fields}
        for n in range(count)
    ]


def test_a_valid_batch_creates_every_supplier(
    erp: APIClient, account_manager: User, make_user: Any
) -> None:
    steel = CategoryFactory(name="Steel")
    bolts = CategoryFactory(name="Bolts")
    rows = batch(3)
    rows[0] |= {"categories": ["steel", bolts.pk], "owner": "alice", "segment": "strategic"}

    response = push(erp, rows)

    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["created"], body["updated"], body["unchanged"]) == (3, 0, 0)
    created = {s.external_id: s for s in Supplier.objects.all()}
    assert body["results"] == [
        {"row": n, "id": created[row["external_id"]].pk, "external_id": row["external_id"]}
        | {"result": "created"}
        for n, row in enumerate(rows)
    ]
    first = created["ERP-00000"]
    assert set(first.categories.all()) == {steel, bolts}
    assert KeyAccountOwnership.objects.get(supplier=first, until=None).user == account_manager


def test_resending_a_batch_writes_nothing_and_says_so(erp: APIClient) -> None:
    rows = batch(5)
    push(erp, rows)
    before = dict(Supplier.objects.values_list("external_id", "updated_at"))

    response = push(erp, rows)

    assert response.status_code == 200
    body = response.json()
    assert (body["created"], body["updated"], body["unchanged"]) == (0, 0, 5)
    assert {row["result"] for row in body["results"]} == {"unchanged"}
    assert dict(Supplier.objects.values_list("external_id", "updated_at")) == before


def test_a_batch_mixes_new_changed_and_unchanged_rows(erp: APIClient) -> None:
    push(erp, batch(2))
    rows = [*batch(2), {"external_id": "ERP-NEW", "name": "New"}]
    rows[1]["name"] = "Renamed"

    body = push(erp, rows).json()

    assert [row["result"] for row in body["results"]] == ["unchanged", "updated", "created"]
    assert Supplier.objects.get(external_id="ERP-00001").name == "Renamed"


def test_one_bad_row_writes_nothing_and_is_named(erp: APIClient) -> None:
    rows = batch(4)
    rows[2]["country"] = "Sweden"
    rows[3]["segment"] = "favourite"

    response = push(erp, rows)

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_rows"
    assert "fields" not in error
    assert [(e["row"], e["field"]) for e in error["errors"]] == [(2, "country"), (3, "segment")]
    assert all(e["message"] for e in error["errors"])
    assert not Supplier.objects.exists()


def test_a_refused_status_change_in_a_batch_writes_nothing(erp: APIClient) -> None:
    SupplierFactory(external_id="ERP-00000", status="offboarded")
    rows = batch(2, status="active")

    response = push(erp, rows)

    assert response.status_code == 400
    assert [(e["row"], e["field"]) for e in response.json()["error"]["errors"]] == [(0, "status")]
    assert Supplier.objects.count() == 1


def test_more_than_5000_rows_get_413(erp: APIClient) -> None:
    response = push(erp, [{"external_id": f"E{n}"} for n in range(5001)])

    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"
    assert "5000" in response.json()["error"]["message"]
    assert not Supplier.objects.exists()


def test_5000_rows_are_taken(erp: APIClient) -> None:
    response = push(erp, batch(5000))

    assert response.status_code == 200
    assert response.json()["created"] == 5000


def test_a_body_over_djangos_upload_limit_is_read_by_the_bulk_endpoint(
    erp: APIClient, settings: Any
) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000

    response = push(erp, batch(50))

    assert response.status_code == 200
    assert response.json()["created"] == 50


class _Unreadable(io.RawIOBase):
    """A request body that fails the test if anything reads it."""

    def read(self, size: int = -1) -> bytes:
        pytest.fail("the body was read")


def _bulk_request(body: Any, user: User, url: str = SUPPLIERS, **meta: Any) -> Any:
    request = APIRequestFactory().generic(
        "POST", url, b"[]", content_type="application/json", **meta
    )
    request._stream = body
    force_authenticate(request, user=user)
    return request


def test_a_body_declared_over_the_byte_limit_gets_413_unread(integration: User) -> None:
    request = _bulk_request(_Unreadable(), integration, CONTENT_LENGTH=str(17 * 1024 * 1024))

    response = resolve(SUPPLIERS).func(request)

    assert response.status_code == 413
    assert response.data["error"]["code"] == "payload_too_large"


def test_a_body_without_a_length_is_cut_off_past_the_limit(
    integration: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bulk_api, "BULK_MAX_BYTES", 1000)
    body = io.BytesIO(json.dumps(batch(500)).encode())
    request = _bulk_request(body, integration)
    del request.META["CONTENT_LENGTH"]  # chunked: a server that de-chunks passes it on

    response = resolve(SUPPLIERS).func(request)

    assert response.status_code == 413
    assert body.tell() == 1001
    assert not Supplier.objects.exists()


def test_the_byte_limit_applies_to_what_is_sent(
    erp: APIClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bulk_api, "BULK_MAX_BYTES", 1000)

    too_big = push(erp, batch(50))
    small = push(erp, batch(2))

    assert too_big.status_code == 413
    assert "1000 bytes" in too_big.json()["error"]["message"]
    assert small.status_code == 200


@pytest.mark.parametrize("body", [{"external_id": "E1"}, "rows", 7, None])
def test_a_body_that_is_not_a_list_gets_400(erp: APIClient, body: Any) -> None:
    response = erp.generic("POST", SUPPLIERS, json.dumps(body), content_type="application/json")

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_rows"
    assert error["errors"][0]["row"] is None


def test_rows_that_are_not_objects_are_named(erp: APIClient) -> None:
    response = push(erp, [{"external_id": "E1", "name": "One"}, "E2", [3]])

    assert response.status_code == 400
    assert [e["row"] for e in response.json()["error"]["errors"]] == [1, 2]
    assert not Supplier.objects.exists()


def test_malformed_json_gets_400(erp: APIClient) -> None:
    response = erp.generic("POST", SUPPLIERS, '[{"external_id": ', content_type="application/json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "parse_error"


def test_a_body_not_sent_as_json_gets_415(erp: APIClient) -> None:
    response = erp.generic("POST", SUPPLIERS, "external_id,name", content_type="text/csv")

    assert response.status_code == 415
    assert response.json()["error"]["code"] == "unsupported_media_type"


# --- Contacts ---------------------------------------------------------------------------------


def test_contacts_are_upserted_by_supplier_erp_id_and_email(erp: APIClient) -> None:
    supplier = SupplierFactory(external_id="ERP-1")
    rows = [
        {"supplier_external_id": "ERP-1", "email": "an@x.se", "name": "An", "is_primary": True},
        {"supplier_external_id": "ERP-1", "email": "bo@x.se", "name": "Bo"},
    ]

    created = push(erp, rows, CONTACTS)
    again = push(erp, rows, CONTACTS)

    assert created.status_code == 200, created.json()
    assert created.json()["created"] == 2
    assert created.json()["results"][0] == {
        "row": 0,
        "id": Contact.objects.get(email="an@x.se").pk,
        "supplier_external_id": "ERP-1",
        "email": "an@x.se",
        "result": "created",
    }
    assert again.json()["unchanged"] == 2
    assert supplier.contacts.get(is_primary=True).name == "An"


def test_a_contact_of_an_unknown_supplier_refuses_the_batch(erp: APIClient) -> None:
    SupplierFactory(external_id="ERP-1")
    rows = [
        {"supplier_external_id": "ERP-1", "email": "an@x.se", "name": "An"},
        {"supplier_external_id": "ERP-404", "email": "bo@x.se", "name": "Bo"},
    ]

    response = push(erp, rows, CONTACTS)

    assert response.status_code == 400
    assert [(e["row"], e["field"]) for e in response.json()["error"]["errors"]] == [
        (1, "supplier_external_id")
    ]
    assert not Contact.objects.exists()


def test_contact_batches_have_the_same_limits(
    erp: APIClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert push(erp, [{}] * 5001, CONTACTS).status_code == 413
    monkeypatch.setattr(bulk_api, "BULK_MAX_BYTES", 10)
    assert push(erp, [{"supplier_external_id": "E"}], CONTACTS).status_code == 413


# --- Who may -----------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [SUPPLIERS, CONTACTS])
def test_only_integrations_and_procurement_managers_push_batches(
    url: str,
    api_client: APIClient,
    procurement_manager: User,
    account_manager: User,
    executive: User,
) -> None:
    for user, expected in [(account_manager, 403), (executive, 403), (procurement_manager, 200)]:
        client = APIClient()
        client.force_authenticate(user)
        assert push(client, [], url).status_code == expected, user
    assert push(api_client, [], url).status_code == 401


def test_a_refused_caller_is_answered_before_the_body_is_read(account_manager: User) -> None:
    request = _bulk_request(_Unreadable(), account_manager, CONTACTS)

    response = resolve(CONTACTS).func(request)

    assert response.status_code == 403


def test_a_browser_session_pushes_a_batch_past_the_csrf_check(procurement_manager: User) -> None:
    # The CSRF check looks at request.POST; the bulk endpoint's body must survive it unread.
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(procurement_manager)
    token = _get_new_csrf_string()
    client.cookies["csrftoken"] = token

    refused = push(client, batch(1))
    response = client.post(SUPPLIERS, batch(2), format="json", headers={"x-csrftoken": token})

    assert refused.status_code == 403
    assert response.status_code == 200, response.json()
    assert response.json()["created"] == 2


# --- Audit ------------------------------------------------------------------------------------


def test_a_bulk_upsert_is_audited_with_the_user_and_the_token(
    api_client: APIClient, integration: User
) -> None:
    token, key = api_token_create(user=integration, name="ERP sync")
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    push(api_client, batch(2))
    supplier = Supplier.objects.get(external_id="ERP-00001")
    push(api_client, [{"external_id": "ERP-00001", "name": "Renamed"}])

    events = list(MiddlewareEvents.objects.references(supplier).order_by("pgh_id"))

    assert [event.pgh_label for event in events] == ["insert", "update"]
    for event in events:
        assert event.pgh_context["user"] == integration.pk
        assert event.pgh_context["api_token"] == token.pk
        assert event.pgh_context["url"] == SUPPLIERS
    assert events[1].pgh_diff["name"] == ["Supplier 1", "Renamed"]
