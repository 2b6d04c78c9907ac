"""Idempotency-Key on the API's POSTs: a retried create never makes a second row."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import User
from accounts.roles import Role
from core.models import IdempotencyKey
from core.tasks import idempotency_keys_purge_task
from suppliers.models import Supplier

SUPPLIERS = "/api/v1/suppliers/"
BODY = {"name": "Mekong Textiles", "external_id": "V-1001", "country": "VN"}


@pytest.fixture
def client(procurement_manager: User) -> APIClient:
    client = APIClient()
    client.force_login(procurement_manager)
    return client


def test_a_retried_create_replays_its_answer_and_writes_once(client: APIClient) -> None:
    first = client.post(SUPPLIERS, BODY, format="json", HTTP_IDEMPOTENCY_KEY="sync-42")
    retry = client.post(SUPPLIERS, BODY, format="json", HTTP_IDEMPOTENCY_KEY="sync-42")

    assert first.status_code == 201
    assert retry.status_code == 201
    assert retry.json() == first.json()
    assert retry["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert Supplier.objects.filter(external_id="V-1001").count() == 1


def test_a_new_key_is_a_new_request(client: APIClient) -> None:
    client.post(SUPPLIERS, BODY, format="json", HTTP_IDEMPOTENCY_KEY="a")
    again = client.post(SUPPLIERS, BODY, format="json", HTTP_IDEMPOTENCY_KEY="b")

    assert again.status_code == 400  # the unique external id, named
    assert "external_id" in again.json()["error"]["fields"]
    assert Supplier.objects.filter(external_id="V-1001").count() == 1


def test_the_same_key_with_another_body_is_422_and_writes_nothing(client: APIClient) -> None:
    client.post(SUPPLIERS, BODY, format="json", HTTP_IDEMPOTENCY_KEY="k")
    other = {**BODY, "external_id": "V-1002", "name": "Other"}
    reused = client.post(SUPPLIERS, other, format="json", HTTP_IDEMPOTENCY_KEY="k")

    assert reused.status_code == 422
    assert reused.json()["error"]["code"] == "idempotency_key_reused"
    assert not Supplier.objects.filter(external_id="V-1002").exists()


def test_keys_belong_to_their_caller(client: APIClient, make_user: Callable[..., User]) -> None:
    bob = make_user(Role.PROCUREMENT_MANAGER, username="bob")
    client.post(SUPPLIERS, BODY, format="json", HTTP_IDEMPOTENCY_KEY="shared")
    bobs = APIClient()
    bobs.force_login(bob)
    other = {**BODY, "external_id": "V-2000", "name": "Bob's"}
    answer = bobs.post(SUPPLIERS, other, format="json", HTTP_IDEMPOTENCY_KEY="shared")

    assert answer.status_code == 201  # not alice's replayed answer
    assert answer.json()["external_id"] == "V-2000"


def test_a_failed_validation_is_replayed_too(client: APIClient) -> None:
    bad = {"name": ""}
    first = client.post(SUPPLIERS, bad, format="json", HTTP_IDEMPOTENCY_KEY="bad")
    retry = client.post(SUPPLIERS, bad, format="json", HTTP_IDEMPOTENCY_KEY="bad")

    assert first.status_code == retry.status_code == 400
    assert retry.json() == first.json()


@pytest.mark.parametrize("key", ["", "x" * 256, "tab\there"])
def test_a_malformed_key_is_400(client: APIClient, key: str) -> None:
    answer = client.post(SUPPLIERS, BODY, format="json", HTTP_IDEMPOTENCY_KEY=key)

    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "invalid_idempotency_key"
    assert not Supplier.objects.exists()


def test_an_anonymous_post_with_a_key_is_refused_and_remembers_nothing(db: None) -> None:
    answer = APIClient().post(SUPPLIERS, BODY, format="json", HTTP_IDEMPOTENCY_KEY="k")

    assert answer.status_code in (401, 403)
    assert not IdempotencyKey.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_same_key_sent_twice_at_once_writes_one_row(
    procurement_manager: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The request that claims the key is held after its checks until the other has answered:
    # that one finds the key still running (409). Never two rows.
    go = threading.Event()
    full_clean = Supplier.full_clean

    def checked_then_wait(self: Supplier, *args: Any, **kwargs: Any) -> None:
        full_clean(self, *args, **kwargs)
        go.wait(timeout=10)

    monkeypatch.setattr(Supplier, "full_clean", checked_then_wait)
    results: list[Any] = [None, None]

    def run(index: int) -> None:
        try:
            client = APIClient()
            client.force_login(procurement_manager)
            results[index] = client.post(
                SUPPLIERS, BODY, format="json", HTTP_IDEMPOTENCY_KEY="once"
            )
        except Exception as error:
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(2)]
    for thread in threads:
        thread.start()
    for _ in range(100):
        if any(result is not None for result in results):
            break
        time.sleep(0.1)
    go.set()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(result.status_code for result in results) == [201, 409], results
    held = next(result for result in results if result.status_code == 409)
    assert held.json()["error"]["code"] == "idempotency_key_in_progress"
    assert Supplier.objects.filter(external_id="V-1001").count() == 1


def test_old_keys_are_forgotten_by_the_hourly_purge(client: APIClient) -> None:
    client.post(SUPPLIERS, BODY, format="json", HTTP_IDEMPOTENCY_KEY="old")
    with time_machine.travel(timezone.now() + timedelta(hours=25)):
        assert idempotency_keys_purge_task() == 1
    assert not IdempotencyKey.objects.exists()


def test_the_schema_documents_the_header_on_every_post(client: APIClient) -> None:
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    posts = [ops["post"] for ops in schema["paths"].values() if "post" in ops]

    assert posts
    for operation in posts:
        names = [parameter["name"] for parameter in operation.get("parameters", [])]
        assert "Idempotency-Key" in names
