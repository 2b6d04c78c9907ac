"""The meeting pages: the quick log, a meeting, mark done, my commitments, engagement policies,
overdue for contact, single-threaded suppliers and the supplier page's panel, under each role."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from django.db import connection
from django.template import RequestContext, Template
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from meetings.models import Commitment, EngagementPolicy, Meeting
from meetings.views import supplier_panel_context
from suppliers.models import Contact, Supplier
from tests.factories import (
    CommitmentFactory,
    ContactFactory,
    MeetingFactory,
    OwnershipFactory,
    SupplierFactory,
)

pytestmark = pytest.mark.django_db
LOG = reverse("meetings:meeting_log")
MINE = reverse("meetings:commitment_mine")
POLICIES = reverse("meetings:policy_list")
OVERDUE = reverse("meetings:overdue_contact")
SINGLE_THREADED = reverse("meetings:single_threaded")
SOON = date.today() + timedelta(days=14)
FETCH = {"HTTP_X_REQUESTED_WITH": "fetch"}
SCRIPT = "<script>alert('x')</script>"


def days_ago(days: int) -> Any:
    return timezone.now() - timedelta(days=days)


def management(prefix: str, total: int) -> dict[str, str]:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def log_data(  # type: ignore[no-untyped-def]
    for_supplier: Supplier,
    me: User,
    /,
    *,
    new_contacts: int = 1,
    commitments: int = 1,
    **fields: Any,
):
    """What the quick log posts: the meeting, blank rows as the page renders them (side ours,
    owner me), and ``fields`` on top (row fields by formset name: ``commitments-0-side``)."""
    data: dict[str, Any] = {
        "supplier": for_supplier.pk,
        "supplier_name": for_supplier.name,
        "kind": "in_person",
        "starts_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "location": "Hanoi",
        "subject": "Plant visit",
        "notes": "Toured line 2",
        "outcome": "",
        **management("new_contacts", new_contacts),
        **management("commitments", commitments),
    }
    for index in range(commitments):
        data[f"commitments-{index}-side"] = "ours"
        data[f"commitments-{index}-owner"] = f"user:{me.pk}"
    data.update(fields)
    return data


def field_block(page: str, name: str) -> str:
    """The HTML of the form field (label, input, errors) that holds an input named ``name``."""
    blocks = re.split(r'(?=<(?:div|fieldset) class="field)', page)
    found = [block for block in blocks if f'name="{name}"' in block]
    assert found, f"no field named {name}"
    return found[0]


def row_block(page: str, prefix: str) -> str:
    """The HTML of the formset row whose fields are named ``<prefix>-...``."""
    rows = re.split(r"(?=<div class=\"formset-row\")", page)
    found = [row for row in rows if f'name="{prefix}-' in row]
    assert found, f"no row {prefix}"
    return found[0]


def render_panel(user: User, supplier: Supplier) -> str:
    request = RequestFactory().get(supplier.get_absolute_url())
    request.user = user
    context = supplier_panel_context(request, supplier)
    return render_to_string("meetings/partials/_supplier_panel.html", context, request=request)


# --- Quick log --------------------------------------------------------------------------------


def test_quick_log_saves_a_meeting_with_a_new_contact_and_commitments_on_both_sides(
    client: Client, account_manager: User
) -> None:
    supplier = SupplierFactory(name="Mekong Textiles")
    known = ContactFactory(supplier=supplier, name="Anh Nguyen")
    client.force_login(account_manager)

    response = client.post(
        LOG,
        log_data(
            supplier,
            account_manager,
            commitments=2,
            their_attendees=[known.pk],
            our_attendees=[account_manager.pk],
            **{
                "new_contacts-0-name": "Le Thi Hoa",
                "new_contacts-0-email": "Hoa@Mekong.example.com",
                "new_contacts-0-job_title": "Quality lead",
                "commitments-0-description": "Share the volume forecast",
                "commitments-0-owner": f"user:{account_manager.pk}",
                "commitments-0-due_date": SOON.isoformat(),
                "commitments-1-description": "Send the corrective action plan",
                "commitments-1-side": "theirs",
                "commitments-1-owner": "new:0",
                "commitments-1-due_date": SOON.isoformat(),
            },
        ),
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("suppliers:supplier_detail", args=[supplier.pk])
    meeting = Meeting.objects.get()
    hoa = Contact.objects.get(name="Le Thi Hoa")
    assert (meeting.supplier, meeting.kind, meeting.subject) == (
        supplier,
        "in_person",
        "Plant visit",
    )
    assert list(meeting.our_attendees.all()) == [account_manager]
    assert set(meeting.their_attendees.all()) == {known, hoa}
    assert hoa.email == "hoa@mekong.example.com"
    ours, theirs = meeting.commitments.order_by("id")
    assert (ours.side, ours.owner, ours.due_date) == ("ours", account_manager, SOON)
    assert (theirs.side, theirs.owner) == ("theirs", hoa)


def test_quick_log_says_it_was_logged_on_the_supplier_page(
    client: Client, account_manager: User
) -> None:
    supplier = SupplierFactory()
    client.force_login(account_manager)

    response = client.post(LOG, log_data(supplier, account_manager), follow=True)

    assert response.redirect_chain[-1][0] == supplier.get_absolute_url()
    assert "The meeting was logged." in response.text
    assert Meeting.objects.filter(supplier=supplier, logged_by=account_manager).count() == 1
    # Untouched blank rows add nothing.
    assert not Commitment.objects.exists()
    assert list(supplier.contacts.all()) == []


def test_quick_log_from_a_supplier_has_it_filled_in_me_chosen_and_one_blank_row_each(
    client: Client, account_manager: User
) -> None:
    supplier = SupplierFactory(name="Mekong Textiles")
    ContactFactory(supplier=supplier, name="Anh Nguyen")
    client.force_login(account_manager)

    page = client.get(LOG, {"supplier": supplier.pk}).text

    assert 'value="Mekong Textiles"' in page
    assert f'<input type="hidden" name="supplier" value="{supplier.pk}"' in page
    assert "Anh Nguyen" in field_block(page, "their_attendees")
    me = field_block(page, "our_attendees")
    assert re.search(rf'value="{account_manager.pk}"[^>]*checked', me)
    now = timezone.localtime().strftime("%Y-%m-%dT")
    assert re.search(rf'name="starts_at" value="{now}\d\d:\d\d"', page)
    # Without JavaScript one blank row of each is there to fill in.
    assert 'name="new_contacts-0-name"' in page
    assert 'name="commitments-0-description"' in page
    assert 'name="commitments-1-description"' not in page
    assert 'name="commitments-__prefix__-description"' in page  # the row "add another" copies


def test_quick_log_of_a_missing_supplier_is_404(client: Client, account_manager: User) -> None:
    client.force_login(account_manager)

    assert client.get(LOG, {"supplier": 999999}).status_code == 404


def test_attendee_from_another_supplier_is_shown_by_the_field_and_the_input_is_kept(
    client: Client, account_manager: User
) -> None:
    supplier = SupplierFactory()
    ContactFactory(supplier=supplier, name="Anh Nguyen")
    stranger = ContactFactory(name="Somebody Else")
    client.force_login(account_manager)

    response = client.post(
        LOG,
        log_data(
            supplier,
            account_manager,
            their_attendees=[stranger.pk],
            **{
                "commitments-0-description": "Share the forecast",
                "commitments-0-due_date": "2031-01-31",
            },
        ),
    )

    assert response.status_code == 200
    assert not Meeting.objects.exists()
    page = response.text
    assert "Their attendees must be contacts of this supplier." in field_block(
        page, "their_attendees"
    )
    assert 'value="Plant visit"' in page
    assert 'value="Share the forecast"' in page
    assert 'value="2031-01-31"' in page


def test_owner_from_the_wrong_side_is_shown_by_the_owner_and_the_input_is_kept(
    client: Client, account_manager: User
) -> None:
    supplier = SupplierFactory()
    contact = ContactFactory(supplier=supplier)
    client.force_login(account_manager)

    response = client.post(
        LOG,
        log_data(
            supplier,
            account_manager,
            commitments=2,
            **{
                "commitments-0-description": "Fine",
                "commitments-0-owner": f"user:{account_manager.pk}",
                "commitments-0-due_date": SOON.isoformat(),
                "commitments-1-description": "Ship samples",
                "commitments-1-side": "ours",
                "commitments-1-owner": f"contact:{contact.pk}",
                "commitments-1-due_date": SOON.isoformat(),
            },
        ),
    )

    assert response.status_code == 200
    assert not Meeting.objects.exists()
    owner = field_block(response.text, "commitments-1-owner")
    assert "Our commitments are owned by one of our people." in owner
    assert f'value="contact:{contact.pk}" selected' in owner
    assert "owned by" not in field_block(response.text, "commitments-0-owner")
    assert 'value="Ship samples"' in response.text


def test_missing_due_date_is_shown_by_the_due_date(client: Client, account_manager: User) -> None:
    supplier = SupplierFactory()
    client.force_login(account_manager)

    response = client.post(
        LOG,
        log_data(
            supplier,
            account_manager,
            **{
                "commitments-0-description": "Share the forecast",
                "commitments-0-owner": f"user:{account_manager.pk}",
            },
        ),
    )

    assert response.status_code == 200
    assert "Give a due date." in field_block(response.text, "commitments-0-due_date")
    assert 'value="Share the forecast"' in response.text
    assert not Meeting.objects.exists()


def test_a_new_contact_without_a_name_is_shown_in_its_row(
    client: Client, account_manager: User
) -> None:
    supplier = SupplierFactory()
    client.force_login(account_manager)

    response = client.post(
        LOG,
        log_data(
            supplier, account_manager, **{"new_contacts-0-email": "someone@supplier.example.com"}
        ),
    )

    assert response.status_code == 200
    assert "This field is required." in field_block(response.text, "new_contacts-0-name")
    assert 'value="someone@supplier.example.com"' in response.text
    assert not Meeting.objects.exists()


def test_a_new_contact_the_service_refuses_is_shown_in_its_row(
    client: Client, account_manager: User
) -> None:
    supplier = SupplierFactory()
    ContactFactory(supplier=supplier, email="hoa@supplier.example.com")
    client.force_login(account_manager)

    response = client.post(
        LOG,
        log_data(
            supplier,
            account_manager,
            new_contacts=2,
            **{
                "new_contacts-0-name": "Fine",
                "new_contacts-1-name": "Le Thi Hoa",
                "new_contacts-1-email": "HOA@supplier.example.com",
            },
        ),
    )

    assert response.status_code == 200
    assert "This supplier has a contact with this email already." in row_block(
        response.text, "new_contacts-1"
    )
    assert "already" not in row_block(response.text, "new_contacts-0")
    assert not Meeting.objects.exists()
    assert supplier.contacts.count() == 1


def test_a_removed_row_is_ignored(client: Client, account_manager: User) -> None:
    supplier = SupplierFactory()
    client.force_login(account_manager)

    response = client.post(
        LOG,
        log_data(
            supplier,
            account_manager,
            **{"commitments-0-description": "Half typed", "commitments-0-DELETE": "on"},
        ),
    )

    assert response.status_code == 302
    assert not Commitment.objects.exists()


def test_a_typed_supplier_name_is_looked_up_without_javascript(
    client: Client, account_manager: User
) -> None:
    supplier = SupplierFactory(name="Mekong Textiles")
    SupplierFactory(name="Mekong Textiles Holding")
    client.force_login(account_manager)

    response = client.post(
        LOG, log_data(supplier, account_manager, supplier="", supplier_name="mekong textiles")
    )

    assert response.status_code == 302
    assert Meeting.objects.get().supplier == supplier


def test_a_name_that_matches_several_suppliers_offers_them_to_choose(
    client: Client, account_manager: User
) -> None:
    nordic_ab = SupplierFactory(name="Nordic Steel AB")
    nordic_oy = SupplierFactory(name="Nordic Steel Oy")
    client.force_login(account_manager)

    response = client.post(
        LOG, log_data(nordic_ab, account_manager, supplier="", supplier_name="Nordic")
    )

    assert response.status_code == 200
    picker = field_block(response.text, "supplier_name")
    assert "Several suppliers match: choose one." in picker
    assert f'<option value="{nordic_ab.pk}">Nordic Steel AB' in picker
    assert f'<option value="{nordic_oy.pk}">Nordic Steel Oy' in picker
    assert not Meeting.objects.exists()


def test_showing_a_suppliers_contacts_without_javascript_saves_nothing_and_shows_no_errors(
    client: Client, account_manager: User
) -> None:
    supplier = SupplierFactory(name="Mekong Textiles")
    ContactFactory(supplier=supplier, name="Anh Nguyen")
    client.force_login(account_manager)

    response = client.post(
        LOG,
        log_data(
            supplier,
            account_manager,
            supplier="",
            refresh="1",
            **{"commitments-0-description": "Half"},
        ),
    )

    assert response.status_code == 200
    assert "Anh Nguyen" in field_block(response.text, "their_attendees")
    assert 'class="error' not in response.text
    assert 'value="Half"' in response.text
    assert not Meeting.objects.exists()


def test_supplier_search_answers_at_most_20_matches_as_json(
    client: Client, account_manager: User
) -> None:
    for number in range(25):
        SupplierFactory(name=f"Acme {number:02d}")
    SupplierFactory(name="Nordic Steel")
    client.force_login(account_manager)

    results = client.get(reverse("meetings:supplier_search"), {"q": "acme"}).json()["results"]

    assert len(results) == 20
    assert results[0]["name"] == "Acme 00"
    assert set(results[0]) == {"id", "name", "external_id"}
    assert client.get(reverse("meetings:supplier_search"), {"q": ""}).json() == {"results": []}


def test_contacts_fragment_lists_the_suppliers_contacts(
    client: Client, account_manager: User
) -> None:
    supplier = SupplierFactory()
    ContactFactory(supplier=supplier, name="Anh Nguyen")
    ContactFactory(name="Somebody Else")
    client.force_login(account_manager)

    response = client.get(reverse("meetings:supplier_contacts"), {"supplier": supplier.pk})

    assert "Anh Nguyen" in response.text
    assert "Somebody Else" not in response.text
    assert "<html" not in response.text


def test_executive_gets_403_on_log_edit_and_mark_done(client: Client, executive: User) -> None:
    meeting = MeetingFactory()
    commitment = CommitmentFactory(supplier=meeting.supplier)
    client.force_login(executive)

    assert client.get(LOG).status_code == 403
    assert client.post(LOG, log_data(meeting.supplier, executive)).status_code == 403
    assert client.get(reverse("meetings:meeting_update", args=[meeting.pk])).status_code == 403
    complete = reverse("meetings:commitment_complete", args=[commitment.pk])
    assert client.post(complete).status_code == 403
    assert client.post(complete, **FETCH).status_code == 403
    commitment.refresh_from_db()
    assert commitment.status == "open"
    assert Meeting.objects.count() == 1


def test_a_person_without_a_role_sees_no_meeting_and_logs_none(
    client: Client, make_user: Callable[..., User]
) -> None:
    nobody = make_user()
    meeting = MeetingFactory(notes="secret")
    client.force_login(nobody)

    detail = client.get(meeting.get_absolute_url())
    log = client.post(LOG, log_data(meeting.supplier, nobody))

    assert detail.status_code == 403
    assert "secret" not in detail.text
    assert log.status_code == 403
    assert Meeting.objects.count() == 1


# --- A meeting --------------------------------------------------------------------------------


def test_script_in_notes_is_escaped_on_the_supplier_panel_and_the_meeting_page(
    client: Client, account_manager: User
) -> None:
    meeting = MeetingFactory(notes=f"{SCRIPT}\nsecond line", outcome=SCRIPT)
    client.force_login(account_manager)

    panel = render_panel(account_manager, meeting.supplier)
    page = client.get(meeting.get_absolute_url()).text

    for html in (panel, page):
        assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
        assert SCRIPT not in html
    assert "<br>second line" in panel


def test_meeting_page_shows_attendees_notes_and_its_commitments(
    client: Client, account_manager: User
) -> None:
    supplier = SupplierFactory(name="Mekong Textiles")
    anh = ContactFactory(supplier=supplier, name="Anh Nguyen")
    meeting = MeetingFactory(
        supplier=supplier,
        subject="Plant visit",
        our_attendees=[account_manager],
        their_attendees=[anh],
        logged_by=account_manager,
    )
    CommitmentFactory(supplier=supplier, meeting=meeting, description="Share the forecast")
    client.force_login(account_manager)

    page = client.get(meeting.get_absolute_url()).text

    assert "Plant visit" in page
    assert "Anh Nguyen" in page
    assert account_manager.name in page
    assert "Share the forecast" in page
    assert reverse("meetings:meeting_update", args=[meeting.pk]) in page


def test_only_the_author_or_a_procurement_manager_edits_or_deletes_a_meeting(
    client: Client, make_user: Callable[..., User], procurement_manager: User
) -> None:
    alice = make_user(Role.ACCOUNT_MANAGER, username="alice")
    bob = make_user(Role.ACCOUNT_MANAGER, username="bob")
    meeting = MeetingFactory(logged_by=alice, subject="Before", our_attendees=[alice])
    edit = reverse("meetings:meeting_update", args=[meeting.pk])
    delete = reverse("meetings:meeting_delete", args=[meeting.pk])
    changed = {
        "kind": "video_call",
        "starts_at": "2026-03-02T09:30",
        "subject": "After",
        "our_attendees": [alice.pk, bob.pk],
    }

    client.force_login(bob)
    assert (
        reverse("meetings:meeting_update", args=[meeting.pk])
        not in client.get(meeting.get_absolute_url()).text
    )
    assert client.get(edit).status_code == 403
    assert client.post(edit, changed).status_code == 403
    assert client.post(delete).status_code == 403

    client.force_login(alice)
    assert client.post(edit, changed).status_code == 302
    meeting.refresh_from_db()
    assert meeting.subject == "After"
    assert set(meeting.our_attendees.all()) == {alice, bob}
    assert timezone.localtime(meeting.starts_at).strftime("%Y-%m-%d %H:%M") == "2026-03-02 09:30"

    client.force_login(procurement_manager)
    assert client.get(delete).status_code == 200
    response = client.post(delete)
    assert response["Location"] == meeting.supplier.get_absolute_url()
    assert not Meeting.objects.exists()


def test_editing_to_another_suppliers_contact_shows_the_error_by_the_field(
    client: Client, account_manager: User
) -> None:
    meeting = MeetingFactory(logged_by=account_manager)
    ContactFactory(supplier=meeting.supplier, name="Anh Nguyen")
    stranger = ContactFactory()
    client.force_login(account_manager)

    response = client.post(
        reverse("meetings:meeting_update", args=[meeting.pk]),
        {
            "kind": "phone_call",
            "starts_at": "2026-03-02T09:30",
            "subject": "Kept",
            "their_attendees": [stranger.pk],
        },
    )

    assert response.status_code == 200
    assert "Their attendees must be contacts of this supplier." in field_block(
        response.text, "their_attendees"
    )
    assert 'value="Kept"' in response.text


# --- Commitments ------------------------------------------------------------------------------


def test_mark_done_without_javascript_goes_back_where_it_was(
    client: Client, account_manager: User
) -> None:
    commitment = CommitmentFactory(owner_user=account_manager)
    client.force_login(account_manager)

    response = client.post(
        reverse("meetings:commitment_complete", args=[commitment.pk]), {"next": MINE}
    )

    assert response.status_code == 302
    assert response["Location"] == MINE
    commitment.refresh_from_db()
    assert (commitment.status, commitment.completed_by) == ("done", account_manager)


def test_mark_done_never_goes_back_to_another_site(client: Client, account_manager: User) -> None:
    commitment = CommitmentFactory(owner_user=account_manager)
    client.force_login(account_manager)

    response = client.post(
        reverse("meetings:commitment_complete", args=[commitment.pk]),
        {"next": "https://evil.example.com/"},
    )

    assert response["Location"] == commitment.supplier.get_absolute_url()


def test_mark_done_from_javascript_answers_with_the_updated_row(
    client: Client, account_manager: User
) -> None:
    commitment = CommitmentFactory(owner_user=account_manager, description="Share the forecast")
    client.force_login(account_manager)

    response = client.post(
        reverse("meetings:commitment_complete", args=[commitment.pk]), {"next": MINE}, **FETCH
    )

    assert response.status_code == 200
    assert response.text.lstrip().startswith(
        f'<li class="commitment" id="commitment-{commitment.pk}"'
    )
    assert "Done" in response.text
    assert "Mark done" not in response.text
    assert "<html" not in response.text
    commitment.refresh_from_db()
    assert commitment.status == "done"


def test_mark_done_twice_says_it_is_closed_already(client: Client, account_manager: User) -> None:
    commitment = CommitmentFactory(
        owner_user=account_manager, status="cancelled", cancelled_at=timezone.now()
    )
    client.force_login(account_manager)
    url = reverse("meetings:commitment_complete", args=[commitment.pk])

    fragment = client.post(url, **FETCH)
    page = client.post(url, {"next": MINE}, follow=True)

    assert fragment.status_code == 409
    assert "This commitment is already closed." in fragment.text
    assert "This commitment is already closed." in page.text


def test_cancel_from_the_meeting_page(client: Client, account_manager: User) -> None:
    meeting = MeetingFactory(logged_by=account_manager)
    commitment = CommitmentFactory(
        supplier=meeting.supplier, meeting=meeting, owner_user=account_manager
    )
    client.force_login(account_manager)
    page = client.get(meeting.get_absolute_url()).text
    cancel = reverse("meetings:commitment_cancel", args=[commitment.pk])
    assert cancel in page

    response = client.post(cancel, {"next": meeting.get_absolute_url()})

    assert response["Location"] == meeting.get_absolute_url()
    commitment.refresh_from_db()
    assert commitment.status == "cancelled"


def test_bob_cannot_mark_alices_commitment_done_nor_sees_the_button(
    client: Client, make_user: Callable[..., User]
) -> None:
    alice = make_user(Role.ACCOUNT_MANAGER, username="alice")
    bob = make_user(Role.ACCOUNT_MANAGER, username="bob")
    commitment = CommitmentFactory(owner_user=alice)
    client.force_login(bob)
    url = reverse("meetings:commitment_complete", args=[commitment.pk])

    assert url not in render_panel(bob, commitment.supplier)
    assert url in render_panel(alice, commitment.supplier)
    assert client.post(url).status_code == 403
    commitment.refresh_from_db()
    assert commitment.status == "open"


def test_my_commitments_are_mine_and_my_suppliers_overdue_first_then_by_due_date(
    client: Client, make_user: Callable[..., User]
) -> None:
    alice = make_user(Role.ACCOUNT_MANAGER, username="alice")
    bob = make_user(Role.ACCOUNT_MANAGER, username="bob")
    mine = SupplierFactory()
    OwnershipFactory(supplier=mine, user=alice)
    today = timezone.localdate()
    CommitmentFactory(owner_user=alice, description="Later", due_date=today + timedelta(days=9))
    CommitmentFactory(owner_user=alice, description="Late", due_date=today - timedelta(days=3))
    CommitmentFactory(
        supplier=mine,
        side="theirs",
        owner_user=None,
        owner_contact=ContactFactory(supplier=mine),
        created_by=bob,
        description="Their promise",
        due_date=today + timedelta(days=1),
    )
    CommitmentFactory(owner_user=bob, description="Bob's")
    CommitmentFactory(
        owner_user=alice, description="Kept", status="done", completed_at=timezone.now()
    )
    client.force_login(alice)

    page = client.get(MINE).text

    shown = re.findall(r'<p class="commitment-title"><span [^>]*>[^<]*</span> ([^<]+)</p>', page)
    assert shown == ["Late", "Their promise", "Later"]
    late = page[page.index("Late") : page.index("Their promise")]
    assert "Overdue" in late
    assert page.count("Mark done") == 3


# --- The supplier page's panel ----------------------------------------------------------------


def test_panel_shows_engagement_against_policy_open_commitments_and_who_knows_whom(
    account_manager: User,
) -> None:
    supplier = SupplierFactory(segment="strategic")
    anh = ContactFactory(supplier=supplier, name="Anh Nguyen")
    MeetingFactory(
        supplier=supplier,
        kind="video_call",
        starts_at=days_ago(40),
        subject="Forecast call",
        our_attendees=[account_manager],
        their_attendees=[anh],
    )
    MeetingFactory(supplier=supplier, kind="in_person", starts_at=days_ago(100))
    CommitmentFactory(
        supplier=supplier, description="Overdue one", due_date=date.today() - timedelta(days=2)
    )
    CommitmentFactory(
        supplier=supplier, description="Closed", status="done", completed_at=timezone.now()
    )

    panel = render_panel(account_manager, supplier)

    assert "Last met 40 days ago, in person 100 days ago." in panel
    assert panel.count('class="badge overdue"') == 3  # contact, in person, the commitment
    assert "at least every 30 days" in panel and "at least every 90 days" in panel
    assert "Overdue one" in panel and "Closed" not in panel
    assert "Forecast call" in panel
    assert "Single-threaded" in panel
    assert re.search(rf"{account_manager.name}</th>\s*<td[^>]*>Anh Nguyen", panel)
    assert f"{LOG}?supplier={supplier.pk}" in panel


def test_panel_tag_shows_the_same_panel_on_the_supplier_page(account_manager: User) -> None:
    commitment = CommitmentFactory(owner_user=account_manager, description="Share the forecast")
    request = RequestFactory().get(commitment.supplier.get_absolute_url())
    request.user = account_manager
    page = Template("{% load meetings_panel %}{% supplier_meetings_panel supplier %}").render(
        RequestContext(request, {"supplier": commitment.supplier})
    )

    assert "Share the forecast" in page
    assert 'name="csrfmiddlewaretoken"' in page
    assert reverse("meetings:commitment_complete", args=[commitment.pk]) in page


def test_panel_shows_no_log_button_to_an_executive(executive: User) -> None:
    supplier = SupplierFactory()

    panel = render_panel(executive, supplier)

    assert LOG not in panel
    assert "Never met." in panel


def test_panel_is_not_single_threaded_when_two_of_ours_met_them(
    make_user: Callable[..., User], account_manager: User
) -> None:
    supplier = SupplierFactory(segment="strategic")
    colleague = make_user(Role.ACCOUNT_MANAGER)
    MeetingFactory(supplier=supplier, our_attendees=[account_manager, colleague])

    assert "Single-threaded" not in render_panel(account_manager, supplier)


# --- Engagement -------------------------------------------------------------------------------


def test_policies_are_listed_for_all_and_edited_by_procurement_managers_only(
    client: Client, account_manager: User, procurement_manager: User
) -> None:
    strategic = EngagementPolicy.objects.get(segment="strategic")
    edit = reverse("meetings:policy_update", args=[strategic.pk])

    client.force_login(account_manager)
    listing = client.get(POLICIES)
    assert "at least every 30 days" in listing.text
    assert edit not in listing.text
    assert client.get(edit).status_code == 403
    assert client.post(edit, {"max_days_between_meetings": 1}).status_code == 403

    client.force_login(procurement_manager)
    assert edit in client.get(POLICIES).text
    response = client.post(
        edit, {"max_days_between_meetings": "21", "max_days_between_in_person": ""}
    )
    assert response["Location"] == POLICIES
    strategic.refresh_from_db()
    assert (strategic.max_days_between_meetings, strategic.max_days_between_in_person) == (21, None)


def test_a_policy_asking_in_person_more_often_than_meetings_is_refused_by_the_field(
    client: Client, procurement_manager: User
) -> None:
    strategic = EngagementPolicy.objects.get(segment="strategic")
    client.force_login(procurement_manager)

    response = client.post(
        reverse("meetings:policy_update", args=[strategic.pk]),
        {"max_days_between_meetings": "30", "max_days_between_in_person": "10"},
    )

    assert response.status_code == 200
    assert "cannot be required more often" in field_block(
        response.text, "max_days_between_in_person"
    )
    strategic.refresh_from_db()
    assert strategic.max_days_between_in_person == 90


def test_overdue_for_contact_filters_by_owner_and_segment(
    client: Client, account_manager: User, make_user: Callable[..., User]
) -> None:
    bob = make_user(Role.ACCOUNT_MANAGER, username="bob")
    stale = SupplierFactory(segment="strategic", name="Stale Strategic")
    MeetingFactory(supplier=stale, kind="in_person", starts_at=days_ago(45))
    never = SupplierFactory(segment="leverage", name="Never Met Leverage")
    bobs = SupplierFactory(segment="strategic", name="Bobs Strategic")
    fresh = SupplierFactory(segment="strategic", name="Fresh Strategic")
    MeetingFactory(supplier=fresh, kind="in_person", starts_at=days_ago(2))
    for supplier in (stale, never):
        OwnershipFactory(supplier=supplier, user=account_manager)
    OwnershipFactory(supplier=bobs, user=bob)
    client.force_login(account_manager)

    every = client.get(OVERDUE).text
    mine = client.get(OVERDUE, {"owner": account_manager.pk}).text
    mine_strategic = client.get(OVERDUE, {"owner": account_manager.pk, "segment": "strategic"}).text

    assert all(
        name in every for name in ("Stale Strategic", "Never Met Leverage", "Bobs Strategic")
    )
    assert "Fresh Strategic" not in every
    assert "Never Met Leverage" in mine and "Bobs Strategic" not in mine
    assert "Stale Strategic" in mine_strategic and "Never Met Leverage" not in mine_strategic
    assert "45 days ago" in mine_strategic
    assert "never" in mine


def test_single_threaded_is_for_procurement_managers(
    client: Client, account_manager: User, procurement_manager: User
) -> None:
    lonely = SupplierFactory(segment="strategic", name="Lonely Strategic")
    MeetingFactory(supplier=lonely, our_attendees=[account_manager])

    client.force_login(account_manager)
    assert client.get(SINGLE_THREADED).status_code == 403

    client.force_login(procurement_manager)
    page = client.get(SINGLE_THREADED).text
    assert "Lonely Strategic" in page


def test_navigation_partial_links_by_role(
    account_manager: User, executive: User, procurement_manager: User
) -> None:
    def nav(user: User) -> str:
        request = RequestFactory().get("/")
        request.user = user
        return render_to_string("meetings/partials/_nav.html", request=request)

    assert LOG in nav(account_manager) and SINGLE_THREADED not in nav(account_manager)
    assert LOG not in nav(executive) and MINE in nav(executive)
    assert SINGLE_THREADED in nav(procurement_manager)


# --- Query counts -----------------------------------------------------------------------------


def count_queries(action: Callable[[], object]) -> int:
    with CaptureQueriesContext(connection) as queries:
        action()
    return len(queries)


def get_ok(client: Client, url: str) -> Callable[[], object]:
    def get() -> object:
        response = client.get(url)
        assert response.status_code == 200
        return response

    return get


def add_meetings(supplier: Supplier, owner: User, count: int) -> None:
    for index in range(count):
        contact = ContactFactory(supplier=supplier)
        meeting = MeetingFactory(
            supplier=supplier,
            starts_at=days_ago(index + 1),
            our_attendees=[owner],
            their_attendees=[contact],
        )
        CommitmentFactory(supplier=supplier, meeting=meeting, created_by=owner, owner_user=owner)
        CommitmentFactory(
            supplier=supplier,
            meeting=meeting,
            side="theirs",
            owner_user=None,
            owner_contact=contact,
            created_by=owner,
        )


def test_panel_runs_the_same_queries_for_3_and_15_meetings(
    account_manager: User, make_user: Callable[..., User]
) -> None:
    author = make_user(Role.ACCOUNT_MANAGER)
    small, large = SupplierFactory(segment="strategic"), SupplierFactory(segment="strategic")
    add_meetings(small, author, 3)
    add_meetings(large, author, 15)
    render_panel(account_manager, small)  # warms the per-user role cache

    at_3 = count_queries(lambda: render_panel(account_manager, small))
    at_15 = count_queries(lambda: render_panel(account_manager, large))

    assert at_3 == at_15


def test_meeting_page_runs_the_same_queries_for_3_and_15_commitments(
    client: Client, account_manager: User
) -> None:
    small, large = MeetingFactory(), MeetingFactory()
    for meeting, count in ((small, 3), (large, 15)):
        CommitmentFactory.create_batch(count, supplier=meeting.supplier, meeting=meeting)
    client.force_login(account_manager)
    get_ok(client, small.get_absolute_url())()

    assert count_queries(get_ok(client, small.get_absolute_url())) == count_queries(
        get_ok(client, large.get_absolute_url())
    )


def test_my_commitments_runs_the_same_queries_for_3_and_15(
    client: Client, account_manager: User
) -> None:
    def add(count: int) -> None:
        for _index in range(count):
            supplier = SupplierFactory()
            OwnershipFactory(supplier=supplier, user=account_manager)
            CommitmentFactory(supplier=supplier, owner_user=account_manager)
            CommitmentFactory(
                supplier=supplier,
                side="theirs",
                owner_user=None,
                owner_contact=ContactFactory(supplier=supplier),
                created_by=account_manager,
            )

    client.force_login(account_manager)
    add(2)  # 4 rows
    at_small = count_queries(get_ok(client, MINE))
    add(6)  # 16 rows

    assert count_queries(get_ok(client, MINE)) == at_small


def test_overdue_list_runs_the_same_queries_for_3_and_15_suppliers(
    client: Client, account_manager: User
) -> None:
    def add(count: int) -> None:
        for supplier in SupplierFactory.create_batch(count, segment="strategic"):
            OwnershipFactory(supplier=supplier, user=account_manager)
            MeetingFactory(supplier=supplier, starts_at=days_ago(200))

    url = f"{OVERDUE}?owner={account_manager.pk}&segment=strategic"
    client.force_login(account_manager)
    add(3)
    at_3 = count_queries(get_ok(client, OVERDUE)), count_queries(get_ok(client, url))
    add(12)

    assert (count_queries(get_ok(client, OVERDUE)), count_queries(get_ok(client, url))) == at_3
    assert client.get(url).text.count('class="cell-title"') == 15


def test_quick_log_runs_the_same_queries_for_3_and_15_contacts_and_people(
    client: Client, account_manager: User, make_user: Callable[..., User]
) -> None:
    small, large = SupplierFactory(), SupplierFactory()
    ContactFactory.create_batch(3, supplier=small)
    ContactFactory.create_batch(15, supplier=large)
    client.force_login(account_manager)
    at_small = count_queries(get_ok(client, f"{LOG}?supplier={small.pk}"))
    for _index in range(12):
        make_user(Role.ACCOUNT_MANAGER)

    assert count_queries(get_ok(client, f"{LOG}?supplier={large.pk}")) == at_small
