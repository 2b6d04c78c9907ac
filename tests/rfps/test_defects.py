"""Defects found by using the product (issue 15), each through the page and the API alike."""

from __future__ import annotations

from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import User
from notifications.choices import NotificationKind
from notifications.models import Notification
from rfps.choices import RfpStatus
from rfps.models import Award, Rfp
from rfps.services.award import rfp_award
from rfps.services.rfp import rfp_deadline_scan
from suppliers.choices import SupplierStatus
from suppliers.models import Supplier
from tests.factories import ContactFactory, SupplierFactory
from tests.rfps.conftest import Event, past_deadline

pytestmark = pytest.mark.django_db
RFPS = "/api/v1/rfps/"


def _closed_with_two_offers(event: Event, clock: time_machine.Traveller) -> None:
    event.respond(0, ["50", "200"])
    event.respond(1, ["40", "200"])
    past_deadline(clock)
    rfp_deadline_scan()


def _exclude(event: Event, index: int) -> None:
    # What a very poor review does to its supplier (reviews.services, on submitting it).
    Supplier.objects.filter(pk=event.invitations[index].supplier_id).update(excluded_from_rfps=True)


# --- Award to a supplier excluded after a very poor review --------------------------------


def test_award_refuses_a_supplier_excluded_after_a_very_poor_review(
    event: Event, clock: time_machine.Traveller
) -> None:
    _closed_with_two_offers(event, clock)
    _exclude(event, 1)
    with pytest.raises(ValidationError) as refused:
        rfp_award(
            rfp=event.rfp, by=event.owner, invitation=event.invitation(1), rationale="Cheapest"
        )
    assert "very poor review" in str(refused.value.message_dict["invitation"])
    event.rfp.refresh_from_db()
    assert event.rfp.status == RfpStatus.CLOSED and not Award.objects.exists()


def test_award_api_refuses_an_excluded_supplier_with_a_400_on_invitation(
    event: Event, clock: time_machine.Traveller, api_client: APIClient
) -> None:
    _closed_with_two_offers(event, clock)
    _exclude(event, 1)
    api_client.force_authenticate(event.owner)
    response = api_client.post(
        f"{RFPS}{event.rfp.pk}/award/",
        {"invitation": event.invitations[1].pk, "rationale": "Cheapest"},
        format="json",
    )
    assert response.status_code == 400, response.json()
    assert "very poor review" in str(response.json()["error"]["fields"]["invitation"])
    assert not Award.objects.exists()
    allowed = api_client.post(
        f"{RFPS}{event.rfp.pk}/award/",
        {"invitation": event.invitations[0].pk, "rationale": "Not excluded"},
        format="json",
    )
    assert allowed.status_code == 201


def test_award_page_does_not_offer_an_excluded_supplier_and_refuses_it(
    event: Event, clock: time_machine.Traveller, client: Client
) -> None:
    _closed_with_two_offers(event, clock)
    _exclude(event, 1)
    client.force_login(event.owner)
    url = reverse("rfps:rfp_award", args=[event.rfp.pk])
    page = client.get(url).content.decode()
    assert f'value="{event.invitations[0].pk}"' in page
    assert f'value="{event.invitations[1].pk}"' not in page
    assert "cannot be awarded" in page
    refused = client.post(url, {"invitation": event.invitations[1].pk, "rationale": "Cheapest"})
    assert refused.status_code == 400 and not Award.objects.exists()
    compare = client.get(reverse("rfps:rfp_compare", args=[event.rfp.pk])).content.decode()
    assert "cannot be awarded" in compare


def test_an_excluded_supplier_cannot_be_shortlisted_on_the_round_page(
    event: Event, clock: time_machine.Traveller, client: Client
) -> None:
    _closed_with_two_offers(event, clock)
    _exclude(event, 1)
    client.force_login(event.owner)
    page = client.get(reverse("rfps:round_create", args=[event.rfp.pk])).content.decode()
    assert f'value="{event.invitations[0].pk}"' in page
    assert f'value="{event.invitations[1].pk}"' not in page


# --- An integration account as owner, an offboarded supplier as invitee -------------------


def _body(supplier_id: int, **extra: Any) -> dict[str, Any]:
    return {
        "title": "Laptops",
        "currency": "EUR",
        "deadline": "2030-01-01T12:00:00Z",
        "lines": [{"description": "Laptop", "quantity": "20", "unit": "pcs"}],
        "criteria": [{"name": "Price", "weight": 100, "is_price": True}],
        "invitees": [{"supplier": supplier_id}],
        **extra,
    }


def test_api_refuses_an_integration_account_as_owner(
    api_client: APIClient, procurement_manager: User, integration: User
) -> None:
    api_client.force_authenticate(procurement_manager)
    response = api_client.post(RFPS, _body(SupplierFactory().pk, owner=integration.pk), "json")
    assert response.status_code == 400, response.json()
    assert set(response.json()["error"]["fields"]) == {"owner"}
    assert not Rfp.objects.exists()


def test_api_refuses_an_integration_account_on_the_panel(
    api_client: APIClient, procurement_manager: User, integration: User
) -> None:
    api_client.force_authenticate(procurement_manager)
    response = api_client.post(RFPS, _body(SupplierFactory().pk, panel=[integration.pk]), "json")
    assert response.status_code == 400, response.json()
    assert set(response.json()["error"]["fields"]) == {"panel"}
    assert not Rfp.objects.exists()


def test_api_refuses_an_offboarded_supplier_as_invitee(
    api_client: APIClient, procurement_manager: User
) -> None:
    offboarded = SupplierFactory(status=SupplierStatus.OFFBOARDED)
    api_client.force_authenticate(procurement_manager)
    response = api_client.post(RFPS, _body(offboarded.pk), "json")
    assert response.status_code == 400, response.json()
    fields = response.json()["error"]["fields"]
    assert set(fields) == {"invitees"} and "offboarded" in str(fields["invitees"])
    assert not Rfp.objects.exists()


def test_page_refuses_an_integration_account_as_owner_and_an_offboarded_invitee(
    client: Client, procurement_manager: User, integration: User
) -> None:
    offboarded = SupplierFactory(status=SupplierStatus.OFFBOARDED)
    ContactFactory(supplier=offboarded)
    client.force_login(procurement_manager)
    url = reverse("rfps:rfp_create")
    page = client.get(url).content.decode()
    assert f'<option value="{integration.pk}"' not in page
    assert offboarded.name not in page
    response = client.post(
        url,
        {
            "title": "Laptops",
            "owner": integration.pk,
            "currency": "EUR",
            "deadline": "2030-01-01T12:00",
            "suppliers": [offboarded.pk],
            "lines-TOTAL_FORMS": "1",
            "lines-INITIAL_FORMS": "0",
            "lines-0-description": "Laptop",
            "lines-0-quantity": "20",
            "lines-0-unit": "pcs",
            "questions-TOTAL_FORMS": "0",
            "questions-INITIAL_FORMS": "0",
            "criteria-TOTAL_FORMS": "1",
            "criteria-INITIAL_FORMS": "0",
            "criteria-0-name": "Price",
            "criteria-0-weight": "100",
            "criteria-0-is_price": "on",
        },
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert {"owner", "suppliers"} <= set(errors)
    assert not Rfp.objects.exists()


def test_publishing_refuses_an_invitee_offboarded_since_the_draft(
    api_client: APIClient, procurement_manager: User
) -> None:
    supplier = SupplierFactory()
    ContactFactory(supplier=supplier)
    api_client.force_authenticate(procurement_manager)
    created = api_client.post(RFPS, _body(supplier.pk), "json")
    assert created.status_code == 201, created.json()
    Supplier.objects.filter(pk=supplier.pk).update(status=SupplierStatus.OFFBOARDED)
    response = api_client.post(f"{RFPS}{created.json()['id']}/publish/")
    assert response.status_code == 400, response.json()
    assert "offboarded" in str(response.json()["error"]["fields"]["invitees"]).lower()


# --- "Another proposal was selected" only to those who proposed ---------------------------


def test_outcome_of_an_award_goes_only_to_invitees_that_submitted(
    event: Event, clock: time_machine.Traveller
) -> None:
    _closed_with_two_offers(event, clock)  # the third invitee never responded
    rfp_award(rfp=event.rfp, by=event.owner, invitation=event.invitation(1), rationale="Best")
    outcomes = {
        n.email_to: n.title for n in Notification.objects.filter(kind=NotificationKind.RFP_OUTCOME)
    }
    silent = event.invitation(2)
    assert silent.email not in outcomes
    assert "another proposal was selected" in outcomes[event.invitation(0).email]
    assert "your proposal was selected" in outcomes[event.invitation(1).email]
    assert len(outcomes) == 2


def test_a_cancellation_still_goes_to_every_invitee(
    event: Event, clock: time_machine.Traveller, api_client: APIClient
) -> None:
    event.respond(0, ["50", "200"])
    api_client.force_authenticate(event.owner)
    assert api_client.post(f"{RFPS}{event.rfp.pk}/cancel/").status_code == 200
    outcomes = Notification.objects.filter(kind=NotificationKind.RFP_OUTCOME)
    assert outcomes.count() == 3
