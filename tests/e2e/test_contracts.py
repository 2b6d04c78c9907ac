"""A procurement manager creates and activates a contract, uploads the signed PDF, records an
expected saving, and follows it on the renewal board; an account manager who does not own the
supplier sees the contract but not its value."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from accounts import demo
from contracts.alerts import contract_scan
from contracts.models import Contract
from notifications.choices import NotificationKind
from notifications.models import Notification
from tests.factories import SupplierFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer\n%%EOF\n"


def _sign_in(page: Any, url: str, username: str) -> None:
    page.goto(url)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(demo.DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(url)


def _column(page: Any, stage: str) -> str:
    return str(page.locator(f'[data-stage="{stage}"]').inner_text())


def test_contract_from_creation_to_the_renewal_board(live_server: Any, browser: Any) -> None:
    list(demo.seed())
    supplier = SupplierFactory(name="Rotterdam Haven Logistiek", default_currency="EUR")
    today = timezone.localdate()
    end = today + timedelta(days=200)  # the last notice day is 110 days away
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()

    _sign_in(page, f"{live_server.url}/contracts/new/", "procurement")
    page.get_by_label("Supplier").select_option(label=supplier.name)
    page.get_by_label("Title:", exact=True).fill("Port logistics 2026")
    page.get_by_label("Value:", exact=True).fill("480000")
    page.get_by_label("Currency").select_option("EUR")
    page.get_by_label("Start date:", exact=True).fill(today.isoformat())
    page.get_by_label("End date:", exact=True).fill(end.isoformat())
    assert page.get_by_label("Notice period (days)").input_value() == "90"
    page.get_by_role("button", name="Save as draft").click()
    page.wait_for_selector("text=The contract is saved as a draft.")
    contract = Contract.objects.get(title="Port logistics 2026")
    assert page.url == f"{live_server.url}/contracts/{contract.pk}/"

    page.get_by_role("button", name="Activate").click()
    page.wait_for_selector("text=The contract is active.")

    documents = page.locator(f'form[action="/contracts/{contract.pk}/documents/"]')
    documents.get_by_label("Kind").select_option(label="Signed contract")
    documents.get_by_label("File").set_input_files(
        {"name": "signed-contract.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    documents.get_by_role("button", name="Upload").click()
    page.wait_for_selector("text=The document is stored.")
    assert page.get_by_role("link", name="signed-contract.pdf").is_visible()

    page.get_by_text("Add a benefit").click()
    benefits = page.locator(f'form[action="/contracts/{contract.pk}/benefits/"]')
    benefits.get_by_label("Kind").select_option(label="Savings")
    benefits.get_by_label("Expected amount").fill("24000")
    benefits.get_by_role("button", name="Add").click()
    page.wait_for_selector("text=The benefit is added.")
    assert "24,000.00 EUR" in page.get_by_role("region", name="Benefits").inner_text()

    # The owner (the procurement manager here) gets the 120-day alert, once.
    contract_scan()
    contract_scan()
    notices = Notification.objects.filter(kind=NotificationKind.CONTRACT_NOTICE)
    assert [n.occasion.split(":")[0] for n in notices] == ["notice-120"]

    page.goto(f"{live_server.url}/contracts/renewals/")
    upcoming = _column(page, "upcoming")
    assert "Port logistics 2026" in upcoming and "110 days to the notice day" in upcoming
    assert "Port logistics 2026" not in _column(page, "under_review")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    page.get_by_role("link", name="Port logistics 2026").click()
    renewal = page.locator(f'form[action="/contracts/{contract.pk}/renewal/"]')
    assert renewal.get_by_label("Move to").input_value() == "under_review"
    renewal.get_by_role("button", name="Record").click()
    page.wait_for_selector("text=The renewal decision is recorded.")
    page.goto(f"{live_server.url}/contracts/renewals/")
    assert "Port logistics 2026" in _column(page, "under_review")
    assert "Port logistics 2026" not in _column(page, "upcoming")
    context.close()

    # An account manager who does not own the supplier: the contract, its dates, no value.
    other = browser.new_context(viewport={"width": 390, "height": 844})
    page = other.new_page()
    _sign_in(page, f"{live_server.url}/contracts/{contract.pk}/", "account")
    text = page.inner_text("main")
    assert "Port logistics 2026" in text and "Confidential" in text
    assert "480,000" not in text and "signed-contract.pdf" not in text
    other.close()
