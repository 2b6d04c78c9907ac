"""The webhook pages: list, create (the secret shown once), edit, the endpoint page with its
deliveries and attempts, its buttons, and who may see them."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from accounts.models import User
from webhooks.events import emit_test
from webhooks.models import Delivery, Endpoint
from webhooks.testing import Receiver

from .conftest import drain

pytestmark = pytest.mark.django_db


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_navigation_links_to_webhooks_for_those_who_manage_them(
    procurement_manager: User, account_manager: User
) -> None:
    assert "/webhooks/" in client_for(procurement_manager).get("/").content.decode()
    assert "/webhooks/" not in client_for(account_manager).get("/").content.decode()


def test_create_shows_the_secret_once(procurement_manager: User, receiver: Receiver) -> None:
    client = client_for(procurement_manager)
    assert client.get("/webhooks/new/").status_code == 200
    response = client.post(
        "/webhooks/new/",
        {"url": receiver.url, "description": "ERP", "event_types": ["rfp.awarded"]},
    )
    endpoint = Endpoint.objects.get()
    assert response.status_code == 302
    assert response["Location"] == endpoint.get_absolute_url()
    first = client.get(endpoint.get_absolute_url()).content.decode()
    assert endpoint.secret in first
    second = client.get(endpoint.get_absolute_url()).content.decode()
    assert endpoint.secret not in second
    assert "rfp.awarded" in second
    assert endpoint.url in client.get("/webhooks/").content.decode()


def test_a_refused_url_is_shown_beside_the_field_and_what_was_typed_kept(
    settings: Any, procurement_manager: User
) -> None:
    settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = False
    response = client_for(procurement_manager).post(
        "/webhooks/new/", {"url": "https://192.168.1.10/hook", "description": "Inside"}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "not a public address" in page
    assert 'value="Inside"' in page
    assert not Endpoint.objects.exists()


def test_edit(procurement_manager: User, endpoint: Endpoint, receiver: Receiver) -> None:
    client = client_for(procurement_manager)
    url = f"/webhooks/{endpoint.pk}/edit/"
    assert client.get(url).status_code == 200
    response = client.post(url, {"url": receiver.url, "description": "Renamed"})
    assert response.status_code == 302
    endpoint.refresh_from_db()
    assert endpoint.description == "Renamed"


def test_the_endpoint_page_shows_deliveries_attempts_and_redeliver(
    procurement_manager: User, endpoint: Endpoint
) -> None:
    with Receiver(status=500) as failing:
        endpoint.url = failing.url
        endpoint.save()
        delivery = emit_test(endpoint)
        drain()
    page = client_for(procurement_manager).get(endpoint.get_absolute_url()).content.decode()
    assert "webhook.test" in page
    assert f"msg_{delivery.event_id}" in page
    assert "receiver says no" in page  # the response body of an attempt
    assert "500" in page
    assert f"/webhooks/deliveries/{delivery.pk}/redeliver/" in page
    assert endpoint.secret not in page


def test_the_buttons(procurement_manager: User, endpoint: Endpoint, receiver: Receiver) -> None:
    client = client_for(procurement_manager)
    base = f"/webhooks/{endpoint.pk}"
    client.post(f"{base}/send-test/")
    assert Delivery.objects.count() == 1
    assert receiver.snapshot() == []  # the page only wrote the outbox
    old = endpoint.secret
    client.post(f"{base}/rotate-secret/")
    endpoint.refresh_from_db()
    assert endpoint.secret != old
    assert endpoint.secret in client.get(endpoint.get_absolute_url()).content.decode()
    client.post(f"{base}/disable/", {"reason": "Down for maintenance"})
    endpoint.refresh_from_db()
    assert not endpoint.is_active
    assert endpoint.disabled_reason == "Down for maintenance"
    page = client.get(endpoint.get_absolute_url()).content.decode()
    assert f"{base}/enable/" in page and f"{base}/send-test/" not in page
    client.post(f"{base}/enable/")
    endpoint.refresh_from_db()
    assert endpoint.is_active
    drain()
    delivery = Delivery.objects.get()
    response = client.post(f"/webhooks/deliveries/{delivery.pk}/redeliver/")
    assert response.status_code == 302
    delivery.refresh_from_db()
    assert delivery.status == "pending"
    client.post(f"{base}/delete/")
    assert not Endpoint.objects.exists()


@pytest.mark.parametrize("who", ["account_manager", "executive"])
def test_others_get_403(request: pytest.FixtureRequest, who: str, endpoint: Endpoint) -> None:
    client = client_for(request.getfixturevalue(who))
    for url in ("/webhooks/", "/webhooks/new/", f"/webhooks/{endpoint.pk}/"):
        assert client.get(url).status_code == 403
    assert client.post(f"/webhooks/{endpoint.pk}/rotate-secret/").status_code == 403
    assert client.post(f"/webhooks/{endpoint.pk}/delete/").status_code == 403
    assert Endpoint.objects.filter(pk=endpoint.pk).exists()


def test_an_unknown_endpoint_is_404(procurement_manager: User) -> None:
    assert client_for(procurement_manager).get("/webhooks/999999/").status_code == 404


def test_the_list_runs_the_same_queries_for_2_and_12_endpoints(
    procurement_manager: User, make_endpoint: Any, receiver: Receiver
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(procurement_manager)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/webhooks/").status_code == 200
        return len(captured)

    for _n in range(2):
        make_endpoint(receiver.url)
    small = queries()
    for _n in range(10):
        make_endpoint(receiver.url)
    assert queries() == small
