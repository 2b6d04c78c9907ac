"""A supplier's contact responds to an RFP through the link in their invitation, on a phone,
without an account; the buyer sees nothing of it before the deadline and compares after it."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from accounts import demo
from accounts.models import User
from rfps.links import invitation_token
from rfps.models import ProposalRevision
from rfps.services.responses import proposal_save_draft, proposal_submit
from rfps.services.rfp import (
    CriterionInput,
    InviteeInput,
    LineInput,
    RfpInput,
    rfp_create,
    rfp_publish,
)
from tests.factories import ContactFactory, SupplierFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(page: Any, url: str, username: str) -> None:
    page.goto(url)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(demo.DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(url)


def test_supplier_responds_through_the_link_and_the_buyer_compares(
    live_server: Any, page: Any
) -> None:
    list(demo.seed())
    buyer = User.objects.get(username="procurement")
    nordic, baltic = SupplierFactory(name="Nordic Seating"), SupplierFactory(name="Baltic Chairs")
    contacts = [ContactFactory(supplier=s, is_primary=True) for s in (nordic, baltic)]
    deadline = timezone.now() + timedelta(hours=2)
    rfp = rfp_create(
        by=buyer,
        data=RfpInput(
            title="Office chairs",
            owner=buyer,
            currency="EUR",
            deadline=deadline,
            lines=[LineInput("Chair", Decimal(100), "pcs")],
            questions=["Warranty in years?"],
            criteria=[CriterionInput("Price", 100, True)],
            invitees=[InviteeInput(s, c) for s, c in zip((nordic, baltic), contacts, strict=True)],
        ),
    )
    rfp_publish(rfp=rfp, by=buyer)
    nordic_invitation, baltic_invitation = (
        rfp.invitations.select_related("rfp").order_by("supplier__name").reverse()
    )
    # Baltic answered by email days ago; the buyer typed it in (through the service here).
    line, question = rfp.lines.get(), rfp.questions.get()
    proposal_save_draft(
        invitation=baltic_invitation,
        prices={str(line.pk): "150"},
        answers={str(question.pk): "Three"},
    )
    proposal_submit(invitation=baltic_invitation, entered_by=buyer)

    # The supplier's contact opens the link: no sign-in.
    page.goto(f"{live_server.url}/rfps/respond/{invitation_token(nordic_invitation)}/")
    assert page.get_by_role("heading", level=1).inner_text() == "Office chairs"
    page.get_by_label("Unit price: Chair (100 pcs)").fill("120")
    page.get_by_label("Warranty in years?").fill("Five years on site")
    page.get_by_role("button", name="Submit proposal").click()
    page.get_by_text("Submitted: version 1").wait_for()
    receipt = ProposalRevision.objects.get(proposal__invitation=nordic_invitation).sha256
    assert page.locator("code.receipt", has_text=receipt).count() == 1
    # A revision, lower.
    page.get_by_label("Unit price: Chair (100 pcs)").fill("110")
    page.get_by_role("button", name="Submit proposal").click()
    page.get_by_text("Submitted: version 2").wait_for()

    # Before the deadline the buyer sees who responded, never a price.
    context = page.context.browser.new_context(viewport={"width": 1280, "height": 900})
    buyer_page = context.new_page()
    detail = f"{live_server.url}/rfps/{rfp.pk}/"
    _sign_in(buyer_page, detail, "procurement")
    assert buyer_page.get_by_text("Sealed until the deadline").count() >= 1
    content = buyer_page.content()
    assert "11000" not in content and "Five years on site" not in content

    with time_machine.travel(deadline + timedelta(minutes=5), tick=True):
        from rfps.services.rfp import rfp_deadline_scan

        rfp_deadline_scan()
        _sign_in(buyer_page, f"{live_server.url}/rfps/{rfp.pk}/compare/", "procurement")
        table = buyer_page.locator("table.compare")
        assert table.get_by_role("columnheader", name="Nordic Seating").count() == 1
        best = table.locator("td.best")
        assert best.count() == 1 and "110" in best.inner_text()
        assert "r1 v1: 12000.00" in table.inner_text() and "11000.00" in table.inner_text()
        assert "entered by a buyer" in table.inner_text()
        assert "Five years on site" in table.inner_text()
    context.close()
