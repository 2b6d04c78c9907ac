"""The issue's "done when", walked through the pages as people would: a procurement manager
publishes an RFP to three suppliers; two respond through their links, one revises; before the
deadline nobody sees a price by any route; after it two panel members score, a negotiation
round lowers one price, and the award creates a draft contract with its expected saving."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import User
from accounts.roles import Role
from contracts.models import Benefit, Contract
from notifications.models import Notification
from rfps.links import invitation_token
from rfps.models import ProposalRevision, Rfp
from rfps.services.rfp import rfp_deadline_scan
from tests.factories import ContactFactory, SupplierFactory
from tests.rfps.conftest import DEADLINE

pytestmark = pytest.mark.django_db


def _respond(client: Client, rfp: Rfp, index: int, chair: str, desk: str) -> None:
    invitation = rfp.invitations.order_by("supplier__name")[index]
    url = reverse("rfps:respond", args=[invitation_token(invitation)])
    line_chair, line_desk = rfp.lines.all()
    data = {
        f"price_{line_chair.pk}": chair,
        f"price_{line_desk.pk}": desk,
        f"answer_{rfp.questions.get().pk}": "Four weeks",
        "submit": "1",
    }
    assert client.post(url, data).status_code == 302


def test_the_whole_event(make_user: Callable[..., User], clock: time_machine.Traveller) -> None:
    buyer = make_user(Role.PROCUREMENT_MANAGER, username="procurement")
    pia = make_user(Role.ACCOUNT_MANAGER, username="pia")
    pete = make_user(Role.PROCUREMENT_MANAGER, username="pete")
    suppliers = [SupplierFactory(name=f"Supplier {n}") for n in "ABC"]
    for supplier in suppliers:
        ContactFactory(supplier=supplier, is_primary=True)
    browser, supplier_browser, api = Client(), Client(), APIClient()
    browser.force_login(buyer)
    created = browser.post(
        reverse("rfps:rfp_create"),
        {
            "title": "Office chairs",
            "owner": buyer.pk,
            "currency": "EUR",
            "deadline": DEADLINE.strftime("%Y-%m-%dT%H:%M"),
            "budget": "20000",
            "suppliers": [s.pk for s in suppliers],
            "panel": [pia.pk, pete.pk],
            "lines-TOTAL_FORMS": 2,
            "lines-INITIAL_FORMS": 0,
            "lines-0-description": "Chair",
            "lines-0-quantity": "100",
            "lines-0-unit": "pcs",
            "lines-1-description": "Desk",
            "lines-1-quantity": "10",
            "lines-1-unit": "pcs",
            "questions-TOTAL_FORMS": 1,
            "questions-INITIAL_FORMS": 0,
            "questions-0-text": "Lead time?",
            "criteria-TOTAL_FORMS": 2,
            "criteria-INITIAL_FORMS": 0,
            "criteria-0-name": "Price",
            "criteria-0-weight": 60,
            "criteria-0-is_price": "on",
            "criteria-1-name": "Quality",
            "criteria-1-weight": 40,
        },
    )
    assert created.status_code == 302
    rfp = Rfp.objects.get()
    assert browser.post(reverse("rfps:rfp_publish", args=[rfp.pk])).status_code == 302

    _respond(supplier_browser, rfp, 0, "90", "300")  # A: 12000
    _respond(supplier_browser, rfp, 1, "80", "300")  # B: 11000
    _respond(supplier_browser, rfp, 1, "79", "300")  # B revises: 10900
    a, b, c = rfp.invitations.order_by("supplier__name")
    b_versions = ProposalRevision.objects.filter(proposal__invitation=b).order_by("number")
    assert [v.total for v in b_versions] == [Decimal("11000.00"), Decimal("10900.00")]
    b_page = supplier_browser.get(reverse("rfps:respond", args=[invitation_token(b)]))
    assert all(v.sha256 in b_page.content.decode() for v in b_versions)  # both receipts

    # Three days before the deadline, only C, who has not responded, is reminded.
    clock.move_to(DEADLINE - timedelta(days=2))
    rfp_deadline_scan()
    reminded = Notification.objects.filter(kind="rfp_reminder")
    assert [n.object_id for n in reminded] == [c.pk]

    # Nobody sees a price, a total or an answer: every route and reader is in test_sealed.py;
    # here, the people of this event on the routes they would use.
    # The chair lines (9000, 7900) and totals, plain or with a separator, and the answer.
    amounts = ("9000", "7900", "12000", "10900", "11000")
    secrets = (*amounts, *(f"{x[:-3]},{x[-3:]}" for x in amounts), "Four weeks")
    root = make_user(username="root", is_superuser=True, is_staff=True)
    for user in (buyer, pia, pete, root):
        browser.force_login(user)
        api.force_authenticate(user)
        for url in (
            reverse("rfps:rfp_list"),
            reverse("rfps:rfp_detail", args=[rfp.pk]),
            reverse("rfps:rfp_compare", args=[rfp.pk]),
            reverse("rfps:rfp_award", args=[rfp.pk]),
            reverse("reports:export", args=["rfps", "csv"]),
            reverse("admin:rfps_rfp_change", args=[rfp.pk]),
            "/api/v1/rfp-proposals/",
            f"/api/v1/rfps/{rfp.pk}/",
        ):
            response = (api if url.startswith("/api/") else browser).get(url)
            body = b"".join(response.streaming_content) if response.streaming else response.content
            assert not [s for s in secrets if s in body.decode()], (user.username, url)

    clock.move_to(DEADLINE + timedelta(minutes=1))
    rfp_deadline_scan()
    quality = rfp.criteria.get(is_price=False)
    invitations = list(rfp.invitations.order_by("supplier__name"))
    for member, marks in ((pia, ("8", "6")), (pete, ("7", "6"))):
        browser.force_login(member)
        data = {
            f"score_{i.pk}_{quality.pk}": mark
            for i, mark in zip(invitations[:2], marks, strict=True)
        }
        response = browser.post(reverse("rfps:rfp_score", args=[rfp.pk]), {**data, "submit": "1"})
        assert response.status_code == 302

    browser.force_login(buyer)
    second = DEADLINE + timedelta(days=3)
    assert (
        browser.post(
            reverse("rfps:round_create", args=[rfp.pk]),
            {
                "shortlist": [invitations[0].pk, invitations[1].pk],
                "deadline": second.strftime("%Y-%m-%dT%H:%M"),
            },
        ).status_code
        == 302
    )
    rfp.refresh_from_db()
    _respond(supplier_browser, rfp, 0, "70", "300")  # A lowers to 10000
    clock.move_to(second + timedelta(minutes=1))
    rfp_deadline_scan()
    browser.force_login(buyer)
    compare = browser.get(reverse("rfps:rfp_compare", args=[rfp.pk])).content.decode()
    assert "12000.00" in compare and "10000.00" in compare  # A's first and latest offers
    awarded = browser.post(
        reverse("rfps:rfp_award", args=[rfp.pk]),
        {
            "invitation": invitations[0].pk,
            "rationale": "Lowest after negotiation",
        },
    )
    assert awarded.status_code == 302
    contract = Contract.objects.get()
    assert (contract.supplier, contract.value, contract.status) == (
        suppliers[0],
        Decimal("10000.00"),
        "draft",
    )
    assert [(line.description, line.unit_price) for line in contract.lines.order_by("id")] == [
        ("Chair", Decimal("70.0000")),
        ("Desk", Decimal("300.0000")),
    ]
    # First-round median of 12000 and 10900 is 11450: a saving of 1450.
    assert Benefit.objects.get(contract=contract).expected_amount == Decimal("1450.00")
    award = rfp.award
    assert (award.baseline_kind, award.expected_saving) == ("first_round_median", Decimal("1450"))
    outcomes = Notification.objects.filter(kind="rfp_outcome")
    # C never responded: an award tells only those who submitted a proposal (issue 15).
    assert sorted(n.object_id for n in outcomes) == sorted([a.pk, b.pk])
