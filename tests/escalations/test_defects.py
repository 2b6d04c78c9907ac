"""Defects found by using the product (issue 15), each with the test that failed before its fix."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import User
from accounts.roles import Role
from escalations.choices import EscalationReason, EscalationStatus, Level, Severity
from escalations.models import Escalation
from escalations.services import escalation_climb_scan, escalation_raise
from suppliers.models import Supplier
from tests.factories import CommitmentFactory, OwnershipFactory, SupplierFactory

pytestmark = pytest.mark.django_db


def _api(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _page(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _supplier_sponsored_by(sponsor: User, owner: User) -> Supplier:
    supplier: Supplier = SupplierFactory(name="Acme Steel")
    OwnershipFactory(supplier=supplier, user=owner, role="owner")
    OwnershipFactory(supplier=supplier, user=sponsor, role="executive_sponsor")
    return supplier


def _climbed_to_the_top(supplier: Supplier) -> Escalation:
    escalation = escalation_raise(
        supplier=supplier,
        subject=CommitmentFactory(supplier=supplier),
        reason=EscalationReason.OVERDUE_COMMITMENT,
        severity=Severity.MEDIUM,
        summary="Specs 8 days overdue",
    )
    for _ in range(2):
        Escalation.objects.filter(pk=escalation.pk).update(
            acknowledge_by=timezone.now() - timedelta(minutes=1)
        )
        escalation_climb_scan()
    escalation.refresh_from_db()
    assert escalation.level == Level.EXECUTIVE
    return escalation


# --- An executive sponsor told to acknowledge may, on the page and in the API ----------------


def test_an_executive_sponsor_told_to_acknowledge_may_do_so_through_the_api(
    make_user: Callable[..., User], account_manager: User
) -> None:
    eva = make_user(Role.EXECUTIVE, username="eva")
    escalation = _climbed_to_the_top(_supplier_sponsored_by(eva, account_manager))

    response = _api(eva).post(f"/api/v1/escalations/{escalation.pk}/acknowledge/", {"note": "Mine"})

    assert response.status_code == 200, response.json()
    assert response.json()["status"] == EscalationStatus.ACKNOWLEDGED
    assert "acknowledge" not in response.json()["allowed_actions"]


def test_the_page_and_the_api_offer_an_executive_sponsor_the_same_actions(
    make_user: Callable[..., User], account_manager: User
) -> None:
    eva = make_user(Role.EXECUTIVE, username="eva")
    escalation = _climbed_to_the_top(_supplier_sponsored_by(eva, account_manager))

    body = _api(eva).get(f"/api/v1/escalations/{escalation.pk}/").json()
    page = _page(eva).get(escalation.get_absolute_url()).content.decode()

    assert body["allowed_actions"] == ["acknowledge", "resolve"]
    assert f'action="/escalations/{escalation.pk}/acknowledge/"' in page


def test_an_executive_who_is_not_told_still_gets_403_from_the_api(
    make_user: Callable[..., User], executive: User, account_manager: User
) -> None:
    eva = make_user(Role.EXECUTIVE, username="eva")
    escalation = _climbed_to_the_top(_supplier_sponsored_by(eva, account_manager))

    response = _api(executive).post(f"/api/v1/escalations/{escalation.pk}/acknowledge/")

    assert response.status_code == 403
    assert Escalation.objects.get(pk=escalation.pk).status == EscalationStatus.OPEN
