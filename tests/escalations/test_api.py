"""Escalations over the API: reading with the list page's filters, keyset paging, and the
acknowledge and resolve actions under each role."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import User
from accounts.roles import Role
from accounts.services import api_token_create
from escalations.choices import EscalationReason, EscalationStatus, Severity, StepKind
from escalations.models import Escalation
from escalations.services import escalation_climb_scan, escalation_raise, escalation_resolve
from suppliers.models import Supplier
from tests.factories import CommitmentFactory, OwnershipFactory, SupplierFactory

pytestmark = pytest.mark.django_db
ESCALATIONS = "/api/v1/escalations/"


@pytest.fixture
def bob(make_user: Callable[..., User]) -> User:
    """An account manager who owns none of alice's suppliers."""
    return make_user(Role.ACCOUNT_MANAGER, username="bob")


@pytest.fixture
def supplier(account_manager: User) -> Supplier:
    """A supplier whose key-account owner is alice."""
    supplier: Supplier = SupplierFactory(name="Mekong Textiles")
    OwnershipFactory(supplier=supplier, user=account_manager)
    return supplier


def escalate(supplier: Supplier, **fields: Any) -> Escalation:
    subject = CommitmentFactory(supplier=supplier)
    values = {
        "reason": EscalationReason.OVERDUE_COMMITMENT,
        "severity": Severity.MEDIUM,
        "summary": "Specs 8 days overdue",
        **fields,
    }
    return escalation_raise(supplier=supplier, subject=subject, **values)


def signed_in(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def url(escalation: Escalation, action: str = "") -> str:
    return f"{ESCALATIONS}{escalation.pk}/{action + '/' if action else ''}"


def summaries(response: Any) -> list[str]:
    assert response.status_code == 200, response.json()
    return [row["summary"] for row in response.json()["results"]]


# --- Reading ----------------------------------------------------------------------------------


def test_an_escalation_reads_with_its_supplier_subject_and_every_step(
    account_manager: User, supplier: Supplier
) -> None:
    escalation = escalate(supplier)

    body = signed_in(account_manager).get(url(escalation)).json()

    assert body["supplier"]["name"] == "Mekong Textiles"
    assert body["subject_type"] == "meetings.commitment"
    assert body["subject_id"] == escalation.object_id
    assert (body["reason"], body["severity"]) == ("overdue_commitment", "medium")
    assert (body["level"], body["status"]) == (1, "open")
    assert body["web_url"] == f"http://testserver/escalations/{escalation.pk}/"
    assert [step["kind"] for step in body["steps"]] == ["raised", "notified"]
    assert body["steps"][1]["recipient"]["username"] == "alice"
    assert body["steps"][0]["actor"] is None  # raised by the system


def test_every_portfolio_reader_lists_every_escalation(
    executive: User, bob: User, supplier: Supplier
) -> None:
    other = SupplierFactory()
    OwnershipFactory(supplier=other, user=bob)
    escalate(supplier, summary="Alice's")
    escalate(other, summary="Bob's")

    for reader in (executive, bob):
        assert summaries(signed_in(reader).get(ESCALATIONS)) == ["Bob's", "Alice's"]


def test_the_list_filters_as_the_page_does(
    procurement_manager: User, supplier: Supplier, bob: User
) -> None:
    other = SupplierFactory()
    OwnershipFactory(supplier=other, user=bob)
    escalate(supplier, summary="fresh")
    old = escalate(supplier, summary="old")
    Escalation.objects.filter(pk=old.pk).update(raised_at=timezone.now() - timedelta(days=10))
    climbed = escalate(other, summary="climbed", severity=Severity.HIGH)
    Escalation.objects.filter(pk=climbed.pk).update(level=2)
    done = escalate(other, summary="done")
    escalation_resolve(escalation=done, by=None, note="Delivered")
    client = signed_in(procurement_manager)

    assert summaries(client.get(ESCALATIONS, {"level": 2})) == ["climbed"]
    assert summaries(client.get(ESCALATIONS, {"status": "resolved"})) == ["done"]
    assert summaries(client.get(ESCALATIONS, {"severity": "high"})) == ["climbed"]
    assert summaries(client.get(ESCALATIONS, {"supplier": supplier.pk})) == ["fresh", "old"]
    assert summaries(client.get(ESCALATIONS, {"older_than": 7})) == ["old"]


def test_updated_since_returns_what_changed(procurement_manager: User, supplier: Supplier) -> None:
    quiet = escalate(supplier, summary="quiet")
    touched = escalate(supplier, summary="touched")
    Escalation.objects.filter(pk=quiet.pk).update(updated_at=timezone.now() - timedelta(days=2))
    since = (timezone.now() - timedelta(days=1)).isoformat()

    response = signed_in(procurement_manager).get(
        ESCALATIONS, {"updated_since": since, "ordering": "updated_at"}
    )

    assert summaries(response) == [touched.summary]


def test_a_wrong_filter_is_a_400_naming_the_field(procurement_manager: User) -> None:
    response = signed_in(procurement_manager).get(ESCALATIONS, {"level": 9})

    assert response.status_code == 400
    assert "level" in response.json()["error"]["fields"]


def test_keyset_pages_reach_every_escalation_once(
    procurement_manager: User, supplier: Supplier
) -> None:
    for index in range(5):
        escalate(supplier, summary=f"E{index}")
    Escalation.objects.update(raised_at=timezone.now())  # ties: the id breaks them
    client = signed_in(procurement_manager)

    seen: list[str] = []
    next_url: str | None = f"{ESCALATIONS}?page_size=2"
    while next_url:
        body = client.get(next_url).json()
        seen += [row["summary"] for row in body["results"]]
        next_url = body["next"]

    assert sorted(seen) == [f"E{index}" for index in range(5)]


def test_anonymous_callers_get_401(api_client: APIClient, supplier: Supplier) -> None:
    escalation = escalate(supplier)

    assert api_client.get(ESCALATIONS).status_code == 401
    assert api_client.post(url(escalation, "acknowledge")).status_code == 401


def test_escalations_are_read_only_apart_from_the_actions(
    procurement_manager: User, supplier: Supplier
) -> None:
    escalation = escalate(supplier)
    client = signed_in(procurement_manager)

    assert client.patch(url(escalation), {"status": "resolved"}).status_code == 405
    assert client.delete(url(escalation)).status_code == 405
    assert client.post(ESCALATIONS, {}).status_code == 405


# --- Acknowledge and resolve ------------------------------------------------------------------


def test_the_owner_acknowledges_an_escalation_of_their_supplier(
    account_manager: User, supplier: Supplier
) -> None:
    escalation = escalate(supplier)

    response = signed_in(account_manager).post(url(escalation, "acknowledge"), {"note": "On it"})

    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "acknowledged"
    assert response.json()["acknowledged_at"] is not None
    step = response.json()["steps"][-1]
    assert (step["kind"], step["actor"]["username"], step["note"]) == (
        "acknowledged",
        "alice",
        "On it",
    )


def test_a_stranger_account_manager_gets_403(bob: User, supplier: Supplier) -> None:
    escalation = escalate(supplier)
    client = signed_in(bob)

    acknowledged = client.post(url(escalation, "acknowledge"))
    resolved = client.post(url(escalation, "resolve"), {"note": "Not mine"})

    assert acknowledged.status_code == resolved.status_code == 403
    assert acknowledged.json()["error"]["code"] == "permission_denied"
    assert Escalation.objects.get(pk=escalation.pk).status == EscalationStatus.OPEN


def test_an_executive_reads_but_gets_403_on_the_actions(
    executive: User, supplier: Supplier
) -> None:
    escalation = escalate(supplier)
    client = signed_in(executive)

    assert client.get(url(escalation)).status_code == 200
    assert client.post(url(escalation, "acknowledge")).status_code == 403
    assert client.post(url(escalation, "resolve"), {"note": "Seen"}).status_code == 403


def test_a_procurement_manager_may_handle_every_escalation(
    procurement_manager: User, supplier: Supplier
) -> None:
    escalation = escalate(supplier)

    response = signed_in(procurement_manager).post(
        url(escalation, "resolve"), {"note": "Specs arrived"}
    )

    assert response.status_code == 200, response.json()
    assert (response.json()["status"], response.json()["resolution"]) == (
        "resolved",
        "Specs arrived",
    )


def test_the_manager_may_act_once_it_has_climbed_to_them(
    account_manager: User, make_user: Callable[..., User], supplier: Supplier
) -> None:
    manager = make_user(Role.ACCOUNT_MANAGER, username="carol")
    account_manager.manager = manager
    account_manager.save()
    escalation = escalate(supplier)
    client = signed_in(manager)
    assert client.post(url(escalation, "acknowledge")).status_code == 403

    Escalation.objects.filter(pk=escalation.pk).update(acknowledge_by=timezone.now())
    escalation_climb_scan()

    assert client.post(url(escalation, "acknowledge")).status_code == 200


def test_acknowledging_twice_is_a_no_op(account_manager: User, supplier: Supplier) -> None:
    escalation = escalate(supplier)
    client = signed_in(account_manager)
    first = client.post(url(escalation, "acknowledge")).json()

    again = client.post(url(escalation, "acknowledge"), {"note": "Again"})

    assert again.status_code == 200
    assert again.json()["acknowledged_at"] == first["acknowledged_at"]
    assert again.json()["updated_at"] == first["updated_at"]
    assert escalation.steps.filter(kind=StepKind.ACKNOWLEDGED).count() == 1


@pytest.mark.parametrize("data", [{}, {"note": ""}, {"note": "   "}])
def test_resolving_needs_a_note(
    account_manager: User, supplier: Supplier, data: dict[str, str]
) -> None:
    escalation = escalate(supplier)

    response = signed_in(account_manager).post(url(escalation, "resolve"), data, format="json")

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["note"]
    assert Escalation.objects.get(pk=escalation.pk).status == EscalationStatus.OPEN


def test_acknowledging_a_resolved_escalation_is_409(
    account_manager: User, supplier: Supplier
) -> None:
    escalation = escalate(supplier)
    client = signed_in(account_manager)
    client.post(url(escalation, "resolve"), {"note": "Fixed"})

    response = client.post(url(escalation, "acknowledge"))

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "escalation_closed"
    assert Escalation.objects.get(pk=escalation.pk).status == EscalationStatus.RESOLVED


def test_resolving_twice_keeps_the_first_resolution(
    account_manager: User, supplier: Supplier
) -> None:
    escalation = escalate(supplier)
    client = signed_in(account_manager)
    client.post(url(escalation, "resolve"), {"note": "Fixed"})

    again = client.post(url(escalation, "resolve"), {"note": "Fixed twice"})

    assert again.status_code == 200
    assert again.json()["resolution"] == "Fixed"
    assert escalation.steps.filter(kind=StepKind.RESOLVED).count() == 1


def test_acting_on_an_unknown_escalation_is_404(procurement_manager: User) -> None:
    response = signed_in(procurement_manager).post(f"{ESCALATIONS}999999/acknowledge/")

    assert response.status_code == 404


# --- Query counts -----------------------------------------------------------------------------


def _escalations(count: int, owner: User, manager: User) -> None:
    owner.manager = manager
    owner.save()
    for _index in range(count):
        supplier = SupplierFactory()
        OwnershipFactory(supplier=supplier, user=owner)
        escalation = escalate(supplier)
        Escalation.objects.filter(pk=escalation.pk).update(acknowledge_by=timezone.now())
    escalation_climb_scan()  # more steps, more people


def test_the_list_runs_the_same_queries_for_5_and_25_escalations(
    api_client: APIClient, procurement_manager: User, account_manager: User
) -> None:
    # A token: each request loads its caller afresh, as a real client's would.
    _token, key = api_token_create(user=procurement_manager, name="Dashboard")
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    api_client.get(ESCALATIONS)  # the token's first use is recorded once

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = api_client.get(ESCALATIONS, {"page_size": 100, "status": "open"})
        assert response.status_code == 200
        return len(captured)

    _escalations(5, account_manager, procurement_manager)
    small = queries()
    _escalations(20, account_manager, procurement_manager)

    assert queries() == small
    assert small <= 4  # token, user and roles; the page; its steps


def test_the_supplier_filter_offers_only_suppliers_the_reader_may_see(
    account_manager: User, supplier: Supplier, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Narrowing supplier visibility later narrows the filter too: it asks supplier_visible."""
    import suppliers.selectors

    hidden = SupplierFactory(name="Hidden Metals")
    escalate(hidden)
    escalate(supplier)
    monkeypatch.setattr(
        suppliers.selectors,
        "supplier_visible",
        lambda *, user: Supplier.objects.exclude(pk=hidden.pk),
    )
    client = signed_in(account_manager)

    refused = client.get(ESCALATIONS, {"supplier": hidden.pk})
    allowed = client.get(ESCALATIONS, {"supplier": supplier.pk})

    assert refused.status_code == 400
    assert summaries(allowed) == ["Specs 8 days overdue"]
