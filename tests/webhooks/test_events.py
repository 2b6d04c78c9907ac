"""Events written by the services, in the transaction of the change: what each carries, that a
change rolled back writes nothing, that nothing is written when nobody subscribes, and that an
endpoint receives only the types it asked for."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from escalations.choices import EscalationReason, Severity
from escalations.services import escalation_climb_scan, escalation_raise, escalation_resolve
from suppliers.inputs import SupplierInput
from suppliers.services import supplier_change_status, supplier_create, supplier_update
from tests.factories import CommitmentFactory, SupplierFactory
from webhooks.events import EVENT_TYPES, emit
from webhooks.models import Delivery, Endpoint, Event
from webhooks.services import endpoint_set_active

pytestmark = pytest.mark.django_db

URL = "http://127.0.0.1:9/hooks"  # never sent to here: these tests read the outbox


def events(event_type: str | None = None) -> list[Event]:
    rows = Event.objects.order_by("id")
    return list(rows.filter(type=event_type) if event_type else rows)


def test_the_registry_names_every_event_the_issue_asks_for() -> None:
    assert set(EVENT_TYPES) >= {
        "supplier.created",
        "supplier.changed",
        "supplier.status_changed",
        "supplier.standing_changed",
        "review.submitted",
        "plan.opened",
        "plan.verified",
        "rfp.published",
        "rfp.awarded",
        "contract.activated",
        "contract.renewed",
        "contract.terminated",
        "contract.notice_date_near",
        "escalation.raised",
        "escalation.climbed",
        "escalation.resolved",
    }


def test_supplier_events_carry_the_documented_fields(
    make_endpoint: Callable[..., Endpoint], procurement_manager: User
) -> None:
    endpoint = make_endpoint(URL)
    supplier = supplier_create(
        by=procurement_manager, data=SupplierInput(name="Acme", external_id="ERP-1", country="SE")
    )
    supplier_update(supplier=supplier, by=procurement_manager, data=SupplierInput(name="Acme AB"))
    supplier_update(supplier=supplier, by=procurement_manager, data=SupplierInput(name="Acme AB"))
    supplier_change_status(supplier=supplier, status="active", by=procurement_manager)
    assert [event.type for event in events()] == [
        "supplier.created",
        "supplier.changed",  # once: the second update changed nothing
        "supplier.status_changed",
    ]
    created = events("supplier.created")[0].payload
    assert created["type"] == "supplier.created"
    assert created["data"] == {
        "id": supplier.pk,
        "resource": "suppliers",
        "name": "Acme",
        "external_id": "ERP-1",
        "status": "prospect",
        "segment": created["data"]["segment"],
        "risk_level": created["data"]["risk_level"],
        "country": "SE",
        "updated_at": created["data"]["updated_at"],
    }
    changed = events("supplier.status_changed")[0].payload["data"]
    assert (changed["status"], changed["previous_status"]) == ("active", "prospect")
    assert Delivery.objects.filter(endpoint=endpoint).count() == 3


def test_a_change_rolled_back_writes_no_event(
    make_endpoint: Callable[..., Endpoint], procurement_manager: User
) -> None:
    make_endpoint(URL)

    class Refused(Exception):
        pass

    def change_then_fail() -> None:
        with transaction.atomic():
            supplier_create(by=procurement_manager, data=SupplierInput(name="Gone"))
            assert len(events()) == 1  # written in the change's transaction...
            raise Refused

    with pytest.raises(Refused):
        change_then_fail()
    assert events() == []  # ...and gone with it
    assert not Delivery.objects.exists()


def test_nothing_is_written_when_no_active_endpoint_subscribes(
    make_endpoint: Callable[..., Endpoint], procurement_manager: User
) -> None:
    supplier_create(by=procurement_manager, data=SupplierInput(name="Nobody listens"))
    endpoint = make_endpoint(URL)
    endpoint_set_active(endpoint=endpoint, by=procurement_manager, active=False)
    supplier_create(by=procurement_manager, data=SupplierInput(name="Still nobody"))
    assert events() == []


def test_an_endpoint_receives_only_the_types_it_asked_for(
    make_endpoint: Callable[..., Endpoint], procurement_manager: User
) -> None:
    everything = make_endpoint(URL)
    awards = make_endpoint(URL, event_types=("rfp.awarded",))
    supplier_create(by=procurement_manager, data=SupplierInput(name="Acme"))
    (event,) = events()
    assert list(Delivery.objects.filter(event=event).values_list("endpoint", flat=True)) == [
        everything.pk
    ]
    assert not Delivery.objects.filter(endpoint=awards).exists()


def test_a_once_key_is_emitted_once(make_endpoint: Callable[..., Endpoint]) -> None:
    make_endpoint(URL)
    supplier = SupplierFactory()
    first = emit("supplier.changed", supplier, once_key="k1")
    again = emit("supplier.changed", supplier, once_key="k1")
    assert first is not None and again is None
    assert len(events()) == 1


def test_an_unknown_type_is_a_programming_error(make_endpoint: Callable[..., Endpoint]) -> None:
    make_endpoint(URL)
    with pytest.raises(ValueError, match="unknown webhook event type"):
        emit("supplier.exploded", SupplierFactory())


def test_escalation_events(
    make_endpoint: Callable[..., Endpoint], procurement_manager: User
) -> None:
    make_endpoint(URL)
    commitment = CommitmentFactory()
    escalation = escalation_raise(
        supplier=commitment.supplier,
        subject=commitment,
        reason=EscalationReason.OVERDUE_COMMITMENT,
        severity=Severity.MEDIUM,
        summary="Late",
    )
    escalation_raise(  # the same problem again: no second escalation, no second event
        supplier=commitment.supplier,
        subject=commitment,
        reason=EscalationReason.OVERDUE_COMMITMENT,
        severity=Severity.MEDIUM,
        summary="Late",
    )
    escalation_climb_scan(now=timezone.now() + timedelta(days=4))
    escalation_resolve(escalation=escalation, by=procurement_manager, note="Delivered")
    assert [event.type for event in events()] == [
        "escalation.raised",
        "escalation.climbed",
        "escalation.resolved",
    ]
    climbed = events("escalation.climbed")[0].payload["data"]
    assert (climbed["id"], climbed["level"], climbed["resource"]) == (
        escalation.pk,
        2,
        "escalations",
    )
    assert events("escalation.resolved")[0].payload["data"]["status"] == "resolved"


def test_the_erp_bulk_upsert_emits_one_event_per_row_written(
    make_endpoint: Callable[..., Endpoint], integration: User
) -> None:
    from suppliers.bulk import supplier_upsert_many

    make_endpoint(URL)
    supplier_upsert_many(
        rows=[{"external_id": "V-1", "name": "One"}, {"external_id": "V-2", "name": "Two"}],
        by=integration,
    )
    supplier_upsert_many(
        rows=[
            {"external_id": "V-1", "name": "One"},  # unchanged: no event
            {"external_id": "V-2", "name": "Two", "status": "onboarding"},
        ],
        by=integration,
    )
    kinds = [(event.type, event.payload["data"]["external_id"]) for event in events()]
    assert kinds == [
        ("supplier.created", "V-1"),
        ("supplier.created", "V-2"),
        ("supplier.changed", "V-2"),
        ("supplier.status_changed", "V-2"),
    ]
    moved = events("supplier.status_changed")[0].payload["data"]
    assert (moved["previous_status"], moved["status"]) == ("prospect", "onboarding")
    assert Delivery.objects.count() == 4
