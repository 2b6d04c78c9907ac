"""The webhook API: endpoints (CRUD, the secret shown on create and rotate only, send-test,
disable, enable), deliveries with their attempts (filtered by endpoint, redeliver), who may,
bad input, and query counts that do not grow with the rows."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from accounts.models import User
from accounts.services import api_token_create
from webhooks.api.views import DeliveryViewSet, EndpointViewSet
from webhooks.choices import DeliveryStatus
from webhooks.events import emit_test
from webhooks.models import Delivery, Endpoint
from webhooks.testing import Receiver

from .conftest import drain

pytestmark = pytest.mark.django_db

ENDPOINTS = "/api/v1/webhook-endpoints/"
DELIVERIES = "/api/v1/webhook-deliveries/"


def client_for(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_both_views_declare_the_webhooks_token_scope() -> None:
    assert EndpointViewSet.token_scope == "webhooks"
    assert DeliveryViewSet.token_scope == "webhooks"


def test_create_returns_the_secret_once_and_reads_never_do(
    procurement_manager: User, receiver: Receiver
) -> None:
    client = client_for(procurement_manager)
    response = client.post(
        ENDPOINTS,
        {"url": receiver.url, "description": "ERP", "event_types": ["rfp.awarded"]},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["secret"].startswith("whsec_")
    assert body["event_types"] == ["rfp.awarded"]
    assert body["owner"]["username"] == "procurement"
    assert body["is_active"] is True
    endpoint = Endpoint.objects.get()
    assert body["secret"] == endpoint.secret
    detail = client.get(f"{ENDPOINTS}{endpoint.pk}/").json()
    assert "secret" not in detail
    assert all("secret" not in row for row in client.get(ENDPOINTS).json()["results"])


def test_rotate_secret_returns_the_new_one(procurement_manager: User, endpoint: Endpoint) -> None:
    response = client_for(procurement_manager).post(f"{ENDPOINTS}{endpoint.pk}/rotate-secret/")
    assert response.status_code == 200
    endpoint.refresh_from_db()
    assert response.json()["secret"] == endpoint.secret


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"url": "https://10.0.0.1/x"}, "url"),
        ({"url": "https://[::1]/x"}, "url"),
        ({"url": "https://localhost/x"}, "url"),
        ({"url": "not a url"}, "url"),
        ({"url": "https://93.184.215.14/x", "event_types": ["supplier.exploded"]}, "event_types"),
        ({"url": "https://93.184.215.14/x", "event_types": "supplier.created"}, "event_types"),
        ({}, "url"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(
    settings: Any, procurement_manager: User, payload: dict[str, Any], field: str
) -> None:
    settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = False
    response = client_for(procurement_manager).post(ENDPOINTS, payload, format="json")
    assert response.status_code == 400
    assert field in str(response.json())
    assert not Endpoint.objects.exists()


def test_update_and_delete(procurement_manager: User, endpoint: Endpoint) -> None:
    client = client_for(procurement_manager)
    response = client.patch(
        f"{ENDPOINTS}{endpoint.pk}/",
        {"description": "Warehouse", "event_types": ["supplier.created"]},
        format="json",
    )
    assert response.status_code == 200, response.json()
    endpoint.refresh_from_db()
    assert (endpoint.description, endpoint.event_types) == ("Warehouse", ["supplier.created"])
    assert client.delete(f"{ENDPOINTS}{endpoint.pk}/").status_code == 204
    assert not Endpoint.objects.exists()


def test_an_administrator_manages_endpoints_too(
    administrator: User, endpoint: Endpoint, receiver: Receiver
) -> None:
    client = client_for(administrator)
    assert client.get(f"{ENDPOINTS}{endpoint.pk}/").status_code == 200
    response = client.post(ENDPOINTS, {"url": receiver.url}, format="json")
    assert response.status_code == 201
    assert response.json()["owner"]["username"] == "admin"


@pytest.mark.parametrize("who", ["account_manager", "executive", "integration"])
def test_others_may_not_read_or_write(
    request: pytest.FixtureRequest, who: str, endpoint: Endpoint, receiver: Receiver
) -> None:
    client = client_for(request.getfixturevalue(who))
    assert client.get(ENDPOINTS).status_code == 403
    assert client.get(f"{ENDPOINTS}{endpoint.pk}/").status_code == 403
    assert client.post(ENDPOINTS, {"url": receiver.url}, format="json").status_code == 403
    assert client.post(f"{ENDPOINTS}{endpoint.pk}/rotate-secret/").status_code == 403
    assert client.get(DELIVERIES).status_code == 403


def test_anonymous_callers_are_refused(endpoint: Endpoint) -> None:
    assert APIClient().get(ENDPOINTS).status_code in (401, 403)
    assert APIClient().get(DELIVERIES).status_code in (401, 403)


def test_send_test_puts_a_delivery_in_the_outbox_and_a_worker_sends_it(
    procurement_manager: User, endpoint: Endpoint, receiver: Receiver
) -> None:
    client = client_for(procurement_manager)
    response = client.post(f"{ENDPOINTS}{endpoint.pk}/send-test/")
    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "pending"
    assert body["event"]["type"] == "webhook.test"
    assert receiver.snapshot() == []  # never from the request path
    drain()
    shown = client.get(f"{DELIVERIES}{body['id']}/").json()
    assert shown["status"] == "succeeded"
    (attempt,) = shown["attempts_made"]
    assert attempt["response_status"] == 200
    assert attempt["request_headers"]["webhook-id"] == body["event"]["message_id"]


def test_disable_then_send_test_is_refused_then_enable(
    procurement_manager: User, endpoint: Endpoint
) -> None:
    client = client_for(procurement_manager)
    response = client.post(f"{ENDPOINTS}{endpoint.pk}/disable/", {"reason": "Maintenance"})
    assert response.status_code == 200
    assert response.json()["is_active"] is False
    assert response.json()["disabled_reason"] == "Maintenance"
    assert client.post(f"{ENDPOINTS}{endpoint.pk}/send-test/").status_code == 400
    response = client.post(f"{ENDPOINTS}{endpoint.pk}/enable/")
    assert response.json()["is_active"] is True


def test_redeliver_sends_a_finished_delivery_again_with_the_same_id(
    procurement_manager: User, endpoint: Endpoint, receiver: Receiver
) -> None:
    delivery = emit_test(endpoint)
    client = client_for(procurement_manager)
    pending = client.post(f"{DELIVERIES}{delivery.pk}/redeliver/")
    assert pending.status_code == 202  # still pending: left as it is
    drain()
    response = client.post(f"{DELIVERIES}{delivery.pk}/redeliver/")
    assert response.status_code == 202
    assert response.json()["status"] == "pending"
    drain()
    first, second = receiver.snapshot()
    assert first.message_id == second.message_id
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SUCCEEDED
    assert delivery.attempts_made.count() == 2


def test_deliveries_filter_by_endpoint(
    procurement_manager: User,
    make_endpoint: Callable[..., Endpoint],
    receiver: Receiver,
) -> None:
    one, other = make_endpoint(receiver.url), make_endpoint(receiver.url)
    mine = emit_test(one)
    emit_test(other)
    client = client_for(procurement_manager)
    rows = client.get(DELIVERIES, {"endpoint": one.pk}).json()["results"]
    assert [row["id"] for row in rows] == [mine.pk]
    assert client.get(DELIVERIES, {"endpoint": "x"}).status_code == 400
    assert client.post(DELIVERIES, {}, format="json").status_code == 405


def test_the_lists_run_the_same_queries_for_2_and_12_rows(
    procurement_manager: User,
    make_endpoint: Callable[..., Endpoint],
    receiver: Receiver,
) -> None:
    _token, key = api_token_create(user=procurement_manager, name="Ops")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    client.get(ENDPOINTS)  # the token's first use is recorded once

    def queries(url: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url, {"page_size": 100})
        assert response.status_code == 200
        return len(captured)

    def add(n: int) -> None:
        for _n in range(n):
            endpoint = make_endpoint(receiver.url)
            emit_test(endpoint)
        drain()

    add(2)
    small = (queries(ENDPOINTS), queries(DELIVERIES))
    add(10)
    assert (queries(ENDPOINTS), queries(DELIVERIES)) == small
    assert Delivery.objects.count() == 12
