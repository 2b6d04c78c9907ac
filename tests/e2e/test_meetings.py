"""An account manager logs a meeting from a phone-sized screen and keeps track of what was
promised in it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from accounts import demo
from accounts.models import User
from meetings.models import Commitment, Meeting
from tests.factories import ContactFactory, OwnershipFactory, SupplierFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def test_account_manager_logs_a_meeting_with_two_commitments_on_a_phone(
    live_server: Any, page: Any
) -> None:
    list(demo.seed())
    account = User.objects.get(username="account")  # Anna Account, password "demo"
    mekong = SupplierFactory(name="Mekong Textiles", country="VN", segment="strategic")
    OwnershipFactory(supplier=mekong, user=account)
    ContactFactory(supplier=mekong, name="Anh Nguyen", is_primary=True)
    due = (timezone.localdate() + timedelta(days=14)).isoformat()

    page.goto(f"{live_server.url}/meetings/log/")
    page.get_by_label("Username").fill("account")
    page.get_by_label("Password").fill(demo.DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/meetings/log/")
    assert page.get_by_role("heading", level=1).inner_text() == "Log a meeting"

    # The type-ahead finds the supplier and brings its contacts.
    page.get_by_label("Supplier").fill("Mekong Textiles")
    page.get_by_label("Anh Nguyen").check()
    assert page.get_by_label("Kind").input_value() == "in_person"
    assert page.get_by_label("Anna Account").is_checked()  # me, chosen already
    page.get_by_label("Subject").fill("Plant visit")
    page.get_by_label("Notes").fill("Toured line 2.\nQuality is up.")

    contact = page.locator('[data-rows="new_contacts"] [data-row]').nth(0)
    contact.get_by_label("Name").fill("Le Thi Hoa")
    contact.get_by_label("Email").fill("hoa@mekong.example.com")

    ours = page.locator('[data-rows="commitments"] [data-row]').nth(0)
    ours.get_by_label("What was promised").fill("Share the 12-month forecast")
    ours.get_by_label("Due date").fill(due)
    page.get_by_role("button", name="Add another commitment").click()
    theirs = page.locator('[data-rows="commitments"] [data-row]').nth(1)
    theirs.get_by_label("What was promised").fill("Send the corrective action plan")
    # The contact typed above is an owner to choose; choosing them makes it their promise.
    theirs.get_by_label("Owner").select_option(label="Le Thi Hoa")
    assert theirs.get_by_label("Theirs").is_checked()
    theirs.get_by_label("Due date").fill(due)
    # Nothing on the form is wider than the phone.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    page.get_by_role("button", name="Log meeting").click()

    page.wait_for_url(f"{live_server.url}/suppliers/{mekong.pk}/")
    assert page.get_by_text("The meeting was logged.").is_visible()
    meeting = Meeting.objects.get()
    assert {contact.name for contact in meeting.their_attendees.all()} == {
        "Anh Nguyen",
        "Le Thi Hoa",
    }
    assert Commitment.objects.filter(meeting=meeting).count() == 2
    # The supplier page shows the meeting, both commitments and who now knows whom.
    assert "Last met today" in page.get_by_role("region", name="Meetings").inner_text()
    open_commitments = page.get_by_role("region", name="Open commitments").inner_text()
    assert "Share the 12-month forecast" in open_commitments
    assert "Send the corrective action plan" in open_commitments
    assert "Le Thi Hoa" in page.get_by_role("region", name="Who knows whom").inner_text()

    page.goto(f"{live_server.url}{meeting.get_absolute_url()}")
    assert page.get_by_role("heading", level=1).inner_text() == "Plant visit"
    commitments = page.get_by_role("region", name="Commitments")
    assert "Share the 12-month forecast" in commitments.inner_text()
    assert "Send the corrective action plan" in commitments.inner_text()
    assert "Le Thi Hoa" in commitments.inner_text()

    # My commitments: mine and the supplier's; "mark done" without a page load.
    page.goto(f"{live_server.url}/meetings/commitments/mine/")
    page.evaluate("window.notReloaded = true")
    row = page.locator("[data-commitment-row]", has_text="Share the 12-month forecast")
    assert page.locator("[data-commitment-row]").count() == 2
    row.get_by_role("button", name="Mark done").click()
    done = page.locator("[data-commitment-row]", has_text="Share the 12-month forecast")
    done.get_by_text("Done", exact=True).wait_for()
    assert page.evaluate("window.notReloaded") is True
    assert done.get_by_role("button", name="Mark done").count() == 0
    assert Commitment.objects.get(description="Share the 12-month forecast").status == "done"
