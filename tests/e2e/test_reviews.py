"""An account manager fills in a supplier's quarterly review on a phone-sized screen: scores
with guidance beside the delivery evidence, then submits; a poor result opens a corrective
action plan."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone

from accounts import demo
from accounts.models import User
from reviews.models import CorrectiveActionPlan, DeliveryLine
from reviews.scheduling import last_ended_period
from reviews.services import review_create
from tests.factories import ContactFactory, OwnershipFactory, SupplierFactory
from tests.reviews.conftest import ensure_defaults

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def test_account_manager_fills_in_a_review_and_a_poor_result_opens_a_plan(
    live_server: Any, page: Any
) -> None:
    ensure_defaults()
    list(demo.seed())
    account = User.objects.get(username="account")
    supplier = SupplierFactory(name="Mekong Textiles", segment="strategic")
    OwnershipFactory(supplier=supplier, user=account)
    ContactFactory(supplier=supplier, is_primary=True)
    start, end = last_ended_period(timezone.localdate(), 3)
    DeliveryLine.objects.create(
        supplier=supplier,
        order_ref="PO-9",
        line_ref="1",
        promised_date=start + timedelta(days=5),
        received_date=start + timedelta(days=12),
        quantity_ordered=100,
        quantity_received=100,
        quantity_rejected=0,
    )
    review = review_create(
        supplier=supplier, period_start=start, period_end=end, due_date=date.today()
    )

    page.goto(f"{live_server.url}/reviews/mine/")
    page.get_by_label("Username").fill("account")
    page.get_by_label("Password").fill(demo.DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/reviews/mine/")
    page.get_by_role("link", name="Mekong Textiles").click()
    page.wait_for_url(f"{live_server.url}/reviews/{review.pk}/")

    # The delivery evidence sits beside the scores: one late line, OTIF 0%.
    evidence = page.get_by_role("region", name="Evidence from the ERP").inner_text()
    assert "On time in full" in evidence and "0.00" in evidence
    quality = page.get_by_role("group", name="Your score for Quality")
    assert "Frequent defects" in quality.inner_text()  # the guidance for a 1
    quality.get_by_role("radio").nth(1).check()  # 2
    for name in ("Cost", "Responsiveness", "Relationship"):
        page.get_by_role("group", name=f"Your score for {name}").get_by_role("radio").nth(2).check()
    page.get_by_role("group", name="Your score for Innovation").get_by_label("No data").check()
    page.get_by_role("group", name="Your score for Sustainability").get_by_role("radio").nth(
        1
    ).check()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.get_by_role("button", name="Save my scores").click()
    assert page.get_by_text("Your scores are saved.").is_visible()

    page.get_by_label("Summary for the supplier").fill("Late deliveries must stop.")
    page.get_by_role("button", name="Submit and lock the review").click()
    assert page.get_by_text("The review is submitted and locked.").is_visible()
    review.refresh_from_db()
    assert review.status == "submitted" and review.is_partial
    assert review.standing == "poor"
    assert "Poor" in page.locator(".badges").inner_text()
    assert page.get_by_role("button", name="Save my scores").count() == 0
    plan = CorrectiveActionPlan.objects.get(review=review)
    page.get_by_role("link", name="Corrective action plan").click()
    page.wait_for_url(f"{live_server.url}{plan.get_absolute_url()}")
