"""What the database refuses, answered by field instead of 500: a unique key two requests
claim at the same moment (400 naming the field, on the API and on the page), and a delete that
other records still point to (409 with the reason, on the API and on the page)."""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import User
from suppliers.models import Contact, Supplier
from tests.factories import CommitmentFactory, ContactFactory, OwnershipFactory

SUPPLIERS = "/api/v1/suppliers/"
SEEDS = [
    ("accounts.migrations.0002_roles", "create_roles"),
    ("meetings.migrations.0002_default_engagement_policies", "create_policies"),
    ("reviews.migrations.0002_default_template_and_policies", "create_defaults"),
]


@pytest.fixture
def reseeded(django_db_blocker: Any) -> Iterator[None]:
    """For a test that commits (``transactional_db``, requested after this fixture): its tables
    are flushed afterwards, and with them what the migrations seeded (roles, engagement
    policies, the default scorecard). This puts that back once the flush is done, for the tests
    after, which a reused test database would otherwise lack. (Django's serialized_rollback
    cannot: the audit tables are append-only.)"""
    yield
    with django_db_blocker.unblock(), transaction.atomic():
        for module, function in SEEDS:
            getattr(importlib.import_module(module), function)(django_apps, None)


def at_once(monkeypatch: pytest.MonkeyPatch, *requests: Callable[[], Any]) -> list[Any]:
    """Runs the requests in threads, each on its own database connection, and holds every one
    of them just after the service's own checks (``Supplier.full_clean``) until all have
    passed them: then they write at the same moment, as two ERP retries would."""
    barrier = threading.Barrier(len(requests), timeout=10)
    full_clean = Supplier.full_clean

    def checked_then_wait(self: Supplier, *args: Any, **kwargs: Any) -> None:
        full_clean(self, *args, **kwargs)
        barrier.wait()

    monkeypatch.setattr(Supplier, "full_clean", checked_then_wait)
    results: list[Any] = [None] * len(requests)

    def run(index: int) -> None:
        try:
            results[index] = requests[index]()
        except Exception as error:
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(len(requests))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def test_the_same_create_sent_twice_at_once_is_201_and_400_naming_the_field(
    reseeded: None,
    transactional_db: None,
    procurement_manager: User,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    body = {"name": "Mekong Textiles", "external_id": "V-1001", "country": "VN"}

    def create() -> Any:
        client = APIClient()
        client.force_authenticate(procurement_manager)
        return client.post(SUPPLIERS, body, format="json")

    responses = at_once(monkeypatch, create, create)

    assert sorted(response.status_code for response in responses) == [201, 400], responses
    refused = next(response for response in responses if response.status_code == 400)
    error = refused.json()["error"]
    assert error["code"] == "invalid"
    assert list(error["fields"]) == ["external_id"]
    assert "ERP id" in error["fields"]["external_id"][0]
    assert Supplier.objects.count() == 1


def test_the_same_supplier_typed_twice_at_once_gets_a_form_error(
    reseeded: None,
    transactional_db: None,
    procurement_manager: User,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data = {
        "name": "Mekong Textiles",
        "external_id": "V-1001",
        "country": "VN",
        "segment": "strategic",
        "risk_level": "medium",
        "default_currency": "VND",
    }

    def submit() -> Any:
        client = Client()
        client.force_login(procurement_manager)
        return client.post(reverse("suppliers:supplier_create"), data)

    responses = at_once(monkeypatch, submit, submit)

    assert sorted(response.status_code for response in responses) == [200, 302], responses
    refused = next(response for response in responses if response.status_code == 200)
    assert "already" in refused.text and "ERP id" in refused.text
    assert 'value="Mekong Textiles"' in refused.text
    assert Supplier.objects.count() == 1


# --- Deletes that other records refuse ------------------------------------------------------


@pytest.fixture
def promised_by_contact(db: None, account_manager: User) -> Contact:
    """A contact who owns one of the supplier's commitments (a PROTECT foreign key)."""
    contact = ContactFactory(name="Linh Tran")
    OwnershipFactory(supplier=contact.supplier, user=account_manager)
    CommitmentFactory(
        supplier=contact.supplier,
        side="theirs",
        owner_user=None,
        owner_contact=contact,
        created_by=account_manager,
    )
    return contact


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["procurement_manager", "account_manager"])
def test_deleting_a_contact_who_owns_a_commitment_is_409_with_the_reason(
    role: str, request: pytest.FixtureRequest, promised_by_contact: Contact
) -> None:
    client = APIClient()
    client.force_authenticate(request.getfixturevalue(role))

    response = client.delete(f"/api/v1/contacts/{promised_by_contact.pk}/")

    assert response.status_code == 409, response.content
    error = response.json()["error"]
    assert error["code"] == "protected"
    assert "commitments" in error["message"]
    assert Contact.objects.filter(pk=promised_by_contact.pk).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["procurement_manager", "account_manager"])
def test_the_contact_page_refuses_the_delete_with_the_reason(
    role: str, request: pytest.FixtureRequest, promised_by_contact: Contact
) -> None:
    client = Client()
    client.force_login(request.getfixturevalue(role))
    url = reverse(
        "suppliers:contact_delete", args=[promised_by_contact.supplier_id, promised_by_contact.pk]
    )

    response = client.post(url)

    assert response.status_code == 409
    assert "This cannot be deleted: commitments still refer to it." in response.text
    assert "Remove Linh Tran" in response.text
    assert Contact.objects.filter(pk=promised_by_contact.pk).exists()


@pytest.mark.django_db
def test_a_contact_nobody_refers_to_is_still_deleted(procurement_manager: User) -> None:
    contact = ContactFactory()
    client = APIClient()
    client.force_authenticate(procurement_manager)

    assert client.delete(f"/api/v1/contacts/{contact.pk}/").status_code == 204
    assert not Contact.objects.exists()


@pytest.mark.django_db
def test_the_executive_still_may_not_delete_a_contact(
    executive: User, promised_by_contact: Contact
) -> None:
    client = APIClient()
    client.force_authenticate(executive)

    assert client.delete(f"/api/v1/contacts/{promised_by_contact.pk}/").status_code == 403
