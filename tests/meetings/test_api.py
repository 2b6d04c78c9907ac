"""The meeting and commitment API: logging a meeting in one request and closing commitments
under each role; the rules of the services answered as 400/403/409 in the error shape, with
nested errors keyed by path; filters, cursor paging and query counts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.request import Request
from rest_framework.test import APIClient, APIRequestFactory

import meetings.api.serializers
from accounts.models import User
from accounts.roles import Capability, Role, user_can
from accounts.services import api_token_create
from meetings.api.serializers import MeetingWriteSerializer
from meetings.models import Commitment, Meeting
from suppliers.models import Contact, Supplier
from tests.factories import (
    CommitmentFactory,
    ContactFactory,
    MeetingFactory,
    OwnershipFactory,
    SupplierFactory,
)

pytestmark = pytest.mark.django_db
MEETINGS = "/api/v1/meetings/"
COMMITMENTS = "/api/v1/commitments/"
TODAY = timezone.localdate()
SOON = TODAY + timedelta(days=14)
SCRIPT = '<script>alert("owned")</script><img src=x onerror="alert(1)"> & <b>bold</b>'


def signed_in(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def fields_of(response: Any) -> dict[str, list[str]]:
    assert response.status_code == 400, response.json()
    error = response.json()["error"]
    assert error["code"] == "invalid"
    return dict(error["fields"])


def ids(response: Any) -> list[int]:
    assert response.status_code == 200, response.json()
    return [row["id"] for row in response.json()["results"]]


def all_pages(client: APIClient, url: str) -> list[dict[str, Any]]:
    """Follows ``next`` links to the end; fails on a loop."""
    rows: list[dict[str, Any]] = []
    next_url: str | None = url
    for _page in range(100):
        if next_url is None:
            return rows
        response = client.get(next_url)
        assert response.status_code == 200, response.json()
        rows += response.json()["results"]
        next_url = response.json()["next"]
    pytest.fail("the next links never ended")


def theirs(contact: Contact, **fields: Any) -> Commitment:
    """A commitment the supplier made, owned by one of its contacts."""
    return CommitmentFactory(
        supplier=contact.supplier,
        side="theirs",
        owner_user=None,
        owner_contact=contact,
        created_by=fields.pop("created_by", None) or OwnershipFactory().user,
        **fields,
    )


def nothing_saved() -> bool:
    return not (Meeting.objects.exists() or Commitment.objects.exists())


# --- Logging a meeting ------------------------------------------------------------------------


def test_account_manager_logs_a_visit_with_a_new_contact_and_two_commitments(
    account_manager: User,
) -> None:
    supplier = SupplierFactory(name="Mekong Textiles")
    known = ContactFactory(supplier=supplier, name="Tran Van An")

    response = signed_in(account_manager).post(
        MEETINGS,
        {
            "supplier": supplier.pk,
            "kind": "in_person",
            "starts_at": "2026-03-02T09:30:00+07:00",
            "location": "Plant 2, Bien Hoa",
            "subject": "Plant visit",
            "notes": "Toured line 2.",
            "outcome": "Samples by April.",
            "their_attendees": [known.pk],
            "new_contacts": [
                {"name": "Le Thi Hoa", "email": "Hoa@Mekong.example.com", "job_title": "QA"}
            ],
            "commitments": [
                {
                    "description": "Send the forecast",
                    "side": "ours",
                    "owner_user": account_manager.pk,
                    "due_date": SOON.isoformat(),
                },
                {
                    "description": "Ship samples",
                    "side": "theirs",
                    "owner_new_contact": 0,
                    "due_date": SOON.isoformat(),
                    "note": "Two colours",
                },
            ],
        },
        format="json",
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    meeting = Meeting.objects.get()
    hoa = Contact.objects.get(email="hoa@mekong.example.com")
    assert body["url"] == f"http://testserver{MEETINGS}{meeting.pk}/"
    assert body["supplier"]["name"] == "Mekong Textiles"
    assert (body["kind"], body["in_person"]) == ("in_person", True)
    assert body["starts_at"] == "2026-03-02T02:30:00Z"
    assert body["logged_by"]["username"] == "alice"
    assert [person["id"] for person in body["our_attendees"]] == [account_manager.pk]
    assert {contact["id"] for contact in body["their_attendees"]} == {known.pk, hoa.pk}
    assert [(c["description"], c["side"], c["status"]) for c in body["commitments"]] == [
        ("Send the forecast", "ours", "open"),
        ("Ship samples", "theirs", "open"),
    ]
    ours, their = meeting.commitments.order_by("id")
    assert (ours.owner, their.owner, their.note) == (account_manager, hoa, "Two colours")
    assert hoa.supplier == supplier


def test_our_attendees_are_whoever_the_caller_lists(
    account_manager: User, make_user: Callable[..., User]
) -> None:
    bob = make_user(Role.ACCOUNT_MANAGER, username="bob")

    response = signed_in(account_manager).post(
        MEETINGS,
        {"supplier": SupplierFactory().pk, "kind": "video_call", "our_attendees": [bob.pk]},
        format="json",
    )

    assert response.status_code == 201, response.json()
    assert [person["username"] for person in response.json()["our_attendees"]] == ["bob"]
    assert Meeting.objects.get().logged_by == account_manager


def test_a_script_in_the_notes_is_stored_and_returned_as_plain_text(
    account_manager: User,
) -> None:
    client = signed_in(account_manager)

    created = client.post(
        MEETINGS,
        {"supplier": SupplierFactory().pk, "kind": "other", "notes": SCRIPT, "outcome": SCRIPT},
        format="json",
    )

    assert created.status_code == 201, created.json()
    assert created["content-type"] == "application/json"
    assert (created.json()["notes"], created.json()["outcome"]) == (SCRIPT, SCRIPT)
    assert Meeting.objects.get().notes == SCRIPT
    assert client.get(created.json()["url"]).json()["notes"] == SCRIPT


# --- Roles ------------------------------------------------------------------------------------


def test_executive_reads_meetings_and_commitments_but_changes_nothing(executive: User) -> None:
    meeting = MeetingFactory(subject="QBR")
    commitment = CommitmentFactory(supplier=meeting.supplier, meeting=meeting)
    client = signed_in(executive)

    assert ids(client.get(MEETINGS)) == [meeting.pk]
    assert client.get(f"{MEETINGS}{meeting.pk}/").json()["subject"] == "QBR"
    assert ids(client.get(COMMITMENTS)) == [commitment.pk]
    writes = [
        client.post(MEETINGS, {"supplier": meeting.supplier_id, "kind": "other"}, format="json"),
        client.patch(f"{MEETINGS}{meeting.pk}/", {"subject": "Mine"}, format="json"),
        client.put(f"{MEETINGS}{meeting.pk}/", {"kind": "other"}, format="json"),
        client.delete(f"{MEETINGS}{meeting.pk}/"),
        client.post(COMMITMENTS, {"supplier": meeting.supplier_id}, format="json"),
        client.post(f"{COMMITMENTS}{commitment.pk}/complete/"),
        client.post(f"{COMMITMENTS}{commitment.pk}/cancel/"),
    ]
    assert [response.status_code for response in writes] == [403] * len(writes)
    assert writes[0].json()["error"]["code"] == "permission_denied"
    assert Meeting.objects.get().subject == "QBR"
    assert Commitment.objects.get().status == "open"


def test_integration_reads_with_its_token_but_neither_logs_nor_closes(
    api_client: APIClient, integration: User
) -> None:
    commitment = CommitmentFactory()
    _token, key = api_token_create(user=integration, name="ERP sync")
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")

    assert api_client.get(MEETINGS).status_code == 200
    assert ids(api_client.get(COMMITMENTS)) == [commitment.pk]
    logged = api_client.post(
        MEETINGS, {"supplier": commitment.supplier_id, "kind": "other"}, format="json"
    )
    closed = api_client.post(f"{COMMITMENTS}{commitment.pk}/complete/")
    assert (logged.status_code, closed.status_code) == (403, 403)
    assert not Meeting.objects.exists()
    assert Commitment.objects.get().status == "open"


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", MEETINGS),
        ("get", f"{MEETINGS}1/"),
        ("post", MEETINGS),
        ("get", COMMITMENTS),
        ("post", f"{COMMITMENTS}1/complete/"),
    ],
)
def test_anonymous_callers_get_401(api_client: APIClient, method: str, url: str) -> None:
    response = getattr(api_client, method)(url)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_a_user_without_a_role_sees_nothing_and_logs_nothing(
    make_user: Callable[..., User],
) -> None:
    meeting = MeetingFactory()
    client = signed_in(make_user())

    assert client.get(MEETINGS).status_code == 403
    assert client.get(f"{MEETINGS}{meeting.pk}/").status_code == 403
    assert client.get(COMMITMENTS).status_code == 403
    response = client.post(MEETINGS, {"supplier": meeting.supplier_id, "kind": "other"})
    assert response.status_code == 403
    assert Meeting.objects.count() == 1


def test_only_the_author_or_a_procurement_manager_changes_or_deletes_a_meeting(
    account_manager: User, make_user: Callable[..., User], procurement_manager: User
) -> None:
    bob = make_user(Role.ACCOUNT_MANAGER, username="bob")
    supplier = SupplierFactory()
    hoa, an = ContactFactory(supplier=supplier), ContactFactory(supplier=supplier)
    meeting = MeetingFactory(
        supplier=supplier, logged_by=account_manager, subject="Kick-off", their_attendees=[hoa]
    )
    url = f"{MEETINGS}{meeting.pk}/"

    refused = [
        signed_in(bob).patch(url, {"subject": "Mine now"}, format="json"),
        signed_in(bob).delete(url),
    ]
    assert [response.status_code for response in refused] == [403, 403]
    assert refused[0].json()["error"]["code"] == "permission_denied"

    patched = signed_in(account_manager).patch(
        url, {"subject": "Agreed plan", "their_attendees": [an.pk]}, format="json"
    )
    assert patched.status_code == 200, patched.json()
    assert patched.json()["subject"] == "Agreed plan"
    assert [contact["id"] for contact in patched.json()["their_attendees"]] == [an.pk]
    assert patched.json()["kind"] == "video_call"  # untouched by a partial update

    put = signed_in(procurement_manager).put(
        url, {"kind": "phone_call", "notes": "Moved to a call"}, format="json"
    )
    assert put.status_code == 200, put.json()
    assert (put.json()["kind"], put.json()["subject"]) == ("phone_call", "Agreed plan")

    assert signed_in(procurement_manager).delete(url).status_code == 204
    assert not Meeting.objects.exists()


def test_a_meeting_stays_with_its_supplier_and_its_commitments_are_added_apart(
    account_manager: User,
) -> None:
    meeting = MeetingFactory(logged_by=account_manager)
    client = signed_in(account_manager)

    fields = fields_of(
        client.patch(
            f"{MEETINGS}{meeting.pk}/",
            {"supplier": SupplierFactory().pk, "commitments": [{"description": "X"}]},
            format="json",
        )
    )

    assert set(fields) == {"supplier", "commitments"}
    assert (
        client.patch(
            f"{MEETINGS}{meeting.pk}/", {"supplier": meeting.supplier_id}, format="json"
        ).status_code
        == 200
    )


# --- Bad input --------------------------------------------------------------------------------


def test_an_attendee_from_another_supplier_gets_400_naming_their_attendees(
    account_manager: User,
) -> None:
    supplier = SupplierFactory()
    stranger = ContactFactory()  # another supplier's contact
    meeting = MeetingFactory(supplier=supplier, logged_by=account_manager)
    client = signed_in(account_manager)

    logged = client.post(
        MEETINGS,
        {"supplier": supplier.pk, "kind": "phone_call", "their_attendees": [stranger.pk]},
        format="json",
    )
    changed = client.patch(
        f"{MEETINGS}{meeting.pk}/", {"their_attendees": [stranger.pk]}, format="json"
    )

    assert set(fields_of(logged)) == {"their_attendees"}
    assert set(fields_of(changed)) == {"their_attendees"}
    assert Meeting.objects.count() == 1
    assert not meeting.their_attendees.exists()


def test_an_owner_from_the_wrong_side_gets_400_naming_the_commitment(
    account_manager: User,
) -> None:
    supplier = SupplierFactory()
    contact = ContactFactory(supplier=supplier)
    elsewhere = ContactFactory()
    commitment = {"description": "Promise", "due_date": SOON.isoformat()}

    response = signed_in(account_manager).post(
        MEETINGS,
        {
            "supplier": supplier.pk,
            "kind": "video_call",
            "commitments": [
                {**commitment, "side": "ours", "owner_user": account_manager.pk},
                {**commitment, "side": "ours", "owner_contact": contact.pk},
                {**commitment, "side": "theirs", "owner_user": account_manager.pk},
                {**commitment, "side": "theirs", "owner_contact": elsewhere.pk},
                {**commitment, "side": "theirs"},
            ],
        },
        format="json",
    )

    assert set(fields_of(response)) == {
        "commitments.1.owner",
        "commitments.2.owner",
        "commitments.3.owner",
        "commitments.4.owner",
    }
    assert nothing_saved()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"kind": 7}, "kind"),
        ({"kind": "lunch"}, "kind"),
        ({"starts_at": "yesterday"}, "starts_at"),
        ({"subject": "X" * 201}, "subject"),
        ({"notes": ["a", "list"]}, "notes"),
        ({"supplier": "Mekong"}, "supplier"),
        ({"our_attendees": "alice"}, "our_attendees"),
        ({"our_attendees": [1, "alice"]}, "our_attendees.1"),
        ({"their_attendees": {"id": 1}}, "their_attendees"),
        ({"new_contacts": [{"email": "nobody"}]}, "new_contacts.0.name"),
        ({"new_contacts": [{"name": "Hoa", "email": "nobody"}]}, "new_contacts.0.email"),
        ({"new_contacts": "Hoa"}, "new_contacts"),
        ({"commitments": {"description": "X"}}, "commitments"),
        ({"commitments": ["Send samples"]}, "commitments.0"),
        ({"commitments": [{"side": "ours", "due_date": "soon"}]}, "commitments.0.due_date"),
        ({"commitments": [{"description": ""}]}, "commitments.0.description"),
        ({"commitments": [{"side": "both"}]}, "commitments.0.side"),
        ({"commitments": [{"owner_user": "me"}]}, "commitments.0.owner_user"),
        ({"commitments": [{"owner_user": 1, "owner_contact": 1}]}, "commitments.0.owner"),
        ({"commitments": [{"owner_new_contact": -1}]}, "commitments.0.owner_new_contact"),
    ],
)
def test_wrong_types_get_400_naming_the_field_by_its_path(
    account_manager: User, change: dict[str, Any], field: str
) -> None:
    commitment = {"description": "X", "side": "theirs", "due_date": SOON.isoformat()}
    if isinstance(change.get("commitments"), list) and isinstance(change["commitments"][0], dict):
        change = {"commitments": [{**commitment, **change["commitments"][0]}]}
    data = {"supplier": SupplierFactory().pk, "kind": "other", **change}

    fields = fields_of(signed_in(account_manager).post(MEETINGS, data, format="json"))

    assert field in fields, fields
    assert nothing_saved()
    assert not Contact.objects.exists()


def test_missing_fields_get_400(account_manager: User) -> None:
    client = signed_in(account_manager)
    supplier = SupplierFactory()
    meeting = MeetingFactory(logged_by=account_manager)

    nothing = client.post(MEETINGS, {}, format="json")
    empty_item = client.post(
        MEETINGS, {"supplier": supplier.pk, "kind": "other", "commitments": [{}]}, format="json"
    )
    empty_commitment = client.post(COMMITMENTS, {}, format="json")
    empty_put = client.put(f"{MEETINGS}{meeting.pk}/", {}, format="json")

    assert set(fields_of(nothing)) == {"supplier", "kind"}
    assert set(fields_of(empty_item)) == {
        "commitments.0.description",
        "commitments.0.side",
        "commitments.0.due_date",
    }
    assert set(fields_of(empty_commitment)) == {"supplier", "description", "side", "due_date"}
    assert set(fields_of(empty_put)) == {"kind"}
    assert Meeting.objects.count() == 1


def test_a_body_that_is_not_an_object_gets_400(account_manager: User) -> None:
    client = signed_in(account_manager)

    a_list = client.post(MEETINGS, [{"kind": "other"}], format="json")
    not_json = client.generic("POST", MEETINGS, "{nope", content_type="application/json")

    assert a_list.status_code == 400
    assert not_json.json()["error"]["code"] == "parse_error"


def test_ids_of_objects_that_do_not_exist_get_400_naming_them(account_manager: User) -> None:
    supplier = SupplierFactory()
    client = signed_in(account_manager)
    item = {"description": "X", "due_date": SOON.isoformat()}

    unknown_supplier = client.post(MEETINGS, {"supplier": 999999, "kind": "other"}, format="json")
    unknown_people = client.post(
        MEETINGS,
        {
            "supplier": supplier.pk,
            "kind": "other",
            "our_attendees": [account_manager.pk, 999998],
            "their_attendees": [999999],
            "commitments": [
                {**item, "side": "ours", "owner_user": 999997},
                {**item, "side": "theirs", "owner_contact": 999996},
                {**item, "side": "theirs", "owner_new_contact": 0},
            ],
        },
        format="json",
    )
    unknown_owner = client.post(
        COMMITMENTS,
        {**item, "supplier": supplier.pk, "side": "ours", "owner_user": 999999},
        format="json",
    )
    unknown_meeting = client.post(
        COMMITMENTS,
        {**item, "supplier": supplier.pk, "side": "ours", "meeting": 999999},
        format="json",
    )

    assert set(fields_of(unknown_supplier)) == {"supplier"}
    assert fields_of(unknown_people) == {
        "our_attendees": ["No user has the id 999998."],
        "their_attendees": ["No contact has the id 999999."],
        "commitments.0.owner_user": ["No user has the id 999997."],
        "commitments.1.owner_contact": ["No contact has the id 999996."],
        "commitments.2.owner_new_contact": ["There is no new contact at this index."],
    }
    assert fields_of(unknown_owner) == {"owner_user": ["No user has the id 999999."]}
    assert set(fields_of(unknown_meeting)) == {"meeting"}
    assert nothing_saved()


def test_objects_that_do_not_exist_get_404(account_manager: User) -> None:
    client = signed_in(account_manager)

    responses = [
        client.get(f"{MEETINGS}999999/"),
        client.patch(f"{MEETINGS}999999/", {"subject": "X"}, format="json"),
        client.delete(f"{MEETINGS}999999/"),
        client.get(f"{COMMITMENTS}999999/"),
        client.post(f"{COMMITMENTS}999999/complete/"),
        client.post(f"{COMMITMENTS}999999/cancel/"),
    ]

    assert [response.status_code for response in responses] == [404] * len(responses)
    assert responses[0].json()["error"]["code"] == "not_found"


def test_a_meeting_for_a_supplier_the_user_cannot_see_is_refused_as_unknown(
    account_manager: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Today every role that reads the portfolio reads all of it (and the others get 403, as
    # above). Narrow what the caller sees, as a later rule may: the API answers as if the
    # supplier and its contacts did not exist.
    hidden = SupplierFactory()
    hidden_contact = ContactFactory(supplier=hidden)
    visible = SupplierFactory()

    def narrowed(*, user: Any) -> Any:
        return Supplier.objects.exclude(pk=hidden.pk)

    monkeypatch.setattr(meetings.api.serializers, "supplier_visible", narrowed)
    monkeypatch.setattr(
        meetings.api.serializers,
        "contact_visible",
        lambda *, user: Contact.objects.filter(supplier__in=narrowed(user=user)),
    )
    client = signed_in(account_manager)
    item = {"description": "X", "due_date": SOON.isoformat(), "side": "theirs"}

    meeting = client.post(MEETINGS, {"supplier": hidden.pk, "kind": "other"}, format="json")
    attendee = client.post(
        MEETINGS,
        {"supplier": visible.pk, "kind": "other", "their_attendees": [hidden_contact.pk]},
        format="json",
    )
    commitment = client.post(
        COMMITMENTS,
        {**item, "supplier": hidden.pk, "owner_contact": hidden_contact.pk},
        format="json",
    )

    assert fields_of(meeting) == {
        "supplier": [f'Invalid pk "{hidden.pk}" - object does not exist.']
    }
    assert fields_of(attendee) == {
        "their_attendees": [f"No contact has the id {hidden_contact.pk}."]
    }
    assert set(fields_of(commitment)) == {"supplier"}
    assert nothing_saved()


# --- Commitments ------------------------------------------------------------------------------


def test_a_commitment_is_added_on_its_own_or_to_an_earlier_meeting(
    account_manager: User,
) -> None:
    supplier = SupplierFactory()
    contact = ContactFactory(supplier=supplier)
    meeting = MeetingFactory(supplier=supplier)
    client = signed_in(account_manager)
    item = {"supplier": supplier.pk, "due_date": SOON.isoformat()}

    ours = client.post(
        COMMITMENTS,
        {**item, "description": "Send forecast", "side": "ours", "owner_user": account_manager.pk},
        format="json",
    )
    their = client.post(
        COMMITMENTS,
        {
            **item,
            "description": "Ship samples",
            "side": "theirs",
            "owner_contact": contact.pk,
            "meeting": meeting.pk,
            "status": "done",  # read-only: ignored
        },
        format="json",
    )
    wrong_side = client.post(
        COMMITMENTS,
        {**item, "description": "X", "side": "theirs", "owner_user": account_manager.pk},
        format="json",
    )
    wrong_meeting = client.post(
        COMMITMENTS,
        {
            **item,
            "description": "X",
            "side": "ours",
            "owner_user": account_manager.pk,
            "meeting": MeetingFactory().pk,
        },
        format="json",
    )

    assert ours.status_code == 201, ours.json()
    assert ours.json()["owner_user"]["id"] == account_manager.pk
    assert (ours.json()["meeting"], ours.json()["owner_contact"]) == (None, None)
    assert ours.json()["created_by"]["username"] == "alice"
    assert their.status_code == 201, their.json()
    assert (their.json()["status"], their.json()["overdue"]) == ("open", False)
    assert their.json()["owner_contact"]["id"] == contact.pk
    assert their.json()["meeting"]["id"] == meeting.pk
    assert set(fields_of(wrong_side)) == {"owner"}
    assert set(fields_of(wrong_meeting)) == {"meeting"}
    assert Commitment.objects.count() == 2


def test_account_manager_marks_a_commitment_done_and_repeating_it_changes_nothing(
    account_manager: User,
) -> None:
    commitment = CommitmentFactory(owner_user=account_manager, due_date=TODAY - timedelta(1))
    client = signed_in(account_manager)
    url = f"{COMMITMENTS}{commitment.pk}/complete/"
    assert client.get(f"{COMMITMENTS}{commitment.pk}/").json()["overdue"] is True

    done = client.post(url, {"note": "Sent on Monday"}, format="json")
    first = Commitment.objects.get().completed_at
    again = client.post(url, {"note": "Sent twice?"}, format="json")

    assert done.status_code == 200, done.json()
    body = done.json()
    assert (body["status"], body["overdue"], body["note"]) == ("done", False, "Sent on Monday")
    assert body["completed_by"]["username"] == "alice"
    assert body["completed_at"] is not None
    assert again.status_code == 200
    assert again.json()["note"] == "Sent on Monday"
    assert Commitment.objects.get().completed_at == first


@pytest.mark.parametrize(("first", "then"), [("complete", "cancel"), ("cancel", "complete")])
def test_closing_a_closed_commitment_the_other_way_gets_409(
    account_manager: User, first: str, then: str
) -> None:
    commitment = CommitmentFactory(owner_user=account_manager)
    client = signed_in(account_manager)
    assert client.post(f"{COMMITMENTS}{commitment.pk}/{first}/").status_code == 200

    response = client.post(f"{COMMITMENTS}{commitment.pk}/{then}/", {"note": "X"})

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "commitment_closed"
    assert Commitment.objects.get().status == ("done" if first == "complete" else "cancelled")


def test_a_commitment_is_closed_by_its_owner_its_author_the_suppliers_people_or_a_manager(
    make_user: Callable[..., User], procurement_manager: User
) -> None:
    alice, bob, carol, dave = (
        make_user(Role.ACCOUNT_MANAGER, username=name) for name in ("alice", "bob", "c", "d")
    )
    supplier = SupplierFactory()
    OwnershipFactory(supplier=supplier, user=carol, role="backup")
    contact = ContactFactory(supplier=supplier)
    by_owner = CommitmentFactory(supplier=supplier, owner_user=alice, created_by=dave)
    by_author = theirs(contact, created_by=bob)
    by_key_account = theirs(contact)
    by_manager = theirs(contact)

    assert signed_in(bob).post(f"{COMMITMENTS}{by_owner.pk}/complete/").status_code == 403
    assert signed_in(alice).post(f"{COMMITMENTS}{by_owner.pk}/complete/").status_code == 200
    assert signed_in(bob).post(f"{COMMITMENTS}{by_author.pk}/cancel/").status_code == 200
    assert signed_in(carol).post(f"{COMMITMENTS}{by_key_account.pk}/complete/").status_code == (200)
    assert (
        signed_in(procurement_manager).post(f"{COMMITMENTS}{by_manager.pk}/complete/").status_code
        == 200
    )


def test_the_status_of_a_commitment_is_not_edited(account_manager: User) -> None:
    commitment = CommitmentFactory(owner_user=account_manager)
    url = f"{COMMITMENTS}{commitment.pk}/"
    client = signed_in(account_manager)

    responses = [
        client.patch(url, {"status": "done"}, format="json"),
        client.put(url, {"status": "done"}, format="json"),
        client.delete(url),
    ]

    assert [response.status_code for response in responses] == [405, 405, 405]
    assert responses[0].json()["error"]["code"] == "method_not_allowed"
    assert Commitment.objects.get().status == "open"


def test_list_and_retrieve_agree_and_a_meeting_nests_its_commitments(
    account_manager: User,
) -> None:
    supplier = SupplierFactory()
    contact = ContactFactory(supplier=supplier)
    meeting = MeetingFactory(supplier=supplier, our_attendees=[account_manager])
    late = CommitmentFactory(
        supplier=supplier,
        meeting=meeting,
        owner_user=account_manager,
        due_date=TODAY - timedelta(3),
    )
    promised = theirs(contact, meeting=meeting, due_date=SOON)
    client = signed_in(account_manager)

    rows = client.get(COMMITMENTS).json()["results"]
    nested = client.get(f"{MEETINGS}{meeting.pk}/").json()["commitments"]

    assert rows == [client.get(f"{COMMITMENTS}{pk}/").json() for pk in (late.pk, promised.pk)]
    assert client.get(MEETINGS).json()["results"] == [client.get(f"{MEETINGS}{meeting.pk}/").json()]
    assert [(c["id"], c["overdue"]) for c in nested] == [(late.pk, True), (promised.pk, False)]
    assert set(nested[0]) == {"id", "url", "description", "side", "status", "due_date", "overdue"}


# --- Filters ----------------------------------------------------------------------------------


def test_commitments_filter_by_overdue_side_status_owner_supplier_and_due_date(
    account_manager: User,
) -> None:
    supplier = SupplierFactory()
    contact = ContactFactory(supplier=supplier)
    late = CommitmentFactory(
        supplier=supplier, owner_user=account_manager, due_date=TODAY - timedelta(days=2)
    )
    their_late = theirs(contact, due_date=TODAY - timedelta(days=1))
    due_today = CommitmentFactory(owner_user=account_manager, due_date=TODAY)
    late_but_done = CommitmentFactory(due_date=TODAY - timedelta(days=5))
    Commitment.objects.filter(pk=late_but_done.pk).update(
        status="done", completed_at=timezone.now()
    )
    client = signed_in(account_manager)

    def listed(**query: Any) -> list[int]:
        return ids(client.get(COMMITMENTS, query))

    assert listed(overdue="true") == [late.pk, their_late.pk]
    assert listed(overdue="false") == [late_but_done.pk, due_today.pk]
    assert listed(side="theirs") == [their_late.pk]
    assert listed(status="done") == [late_but_done.pk]
    assert listed(status=["open", "done"]) == [
        late_but_done.pk,
        late.pk,
        their_late.pk,
        due_today.pk,
    ]
    assert listed(owner=account_manager.pk) == [late.pk, due_today.pk]
    assert listed(supplier=supplier.pk) == [late.pk, their_late.pk]
    assert listed(due_after=TODAY - timedelta(days=1), due_before=TODAY) == [
        their_late.pk,
        due_today.pk,
    ]
    assert listed(overdue="true", side="ours") == [late.pk]


def test_meetings_filter_by_supplier_kind_date_range_and_attendee(
    account_manager: User, make_user: Callable[..., User]
) -> None:
    bob = make_user(Role.ACCOUNT_MANAGER, username="bob")
    supplier = SupplierFactory()
    now = timezone.now()
    visit = MeetingFactory(
        supplier=supplier, kind="in_person", starts_at=now - timedelta(days=40), our_attendees=[bob]
    )
    call = MeetingFactory(supplier=supplier, kind="phone_call", starts_at=now - timedelta(days=10))
    qbr = MeetingFactory(kind="qbr", starts_at=now - timedelta(days=5), our_attendees=[bob])
    client = signed_in(account_manager)

    def listed(**query: Any) -> list[int]:
        return ids(client.get(MEETINGS, query))

    assert listed() == [qbr.pk, call.pk, visit.pk]
    assert listed(supplier=supplier.pk) == [call.pk, visit.pk]
    assert listed(kind=["in_person", "qbr"]) == [qbr.pk, visit.pk]
    assert listed(attendee=bob.pk) == [qbr.pk, visit.pk]
    assert listed(
        starts_after=(now - timedelta(days=41)).isoformat(),
        starts_before=(now - timedelta(days=9)).isoformat(),
    ) == [call.pk, visit.pk]


@pytest.mark.parametrize(
    ("url", "factory"), [(MEETINGS, MeetingFactory), (COMMITMENTS, CommitmentFactory)]
)
def test_updated_since_lists_what_changed_at_or_after_the_moment(
    account_manager: User, url: str, factory: Any
) -> None:
    old, recent = factory(), factory()
    model = type(old)
    moment = timezone.now() - timedelta(hours=1)
    model.objects.filter(pk=old.pk).update(updated_at=moment - timedelta(seconds=1))
    model.objects.filter(pk=recent.pk).update(updated_at=moment)

    response = signed_in(account_manager).get(url, {"updated_since": moment.isoformat()})

    assert ids(response) == [recent.pk]


def test_closing_a_commitment_and_changing_a_meeting_count_as_updates(
    account_manager: User,
) -> None:
    meeting = MeetingFactory(logged_by=account_manager)
    commitment = CommitmentFactory(owner_user=account_manager)
    Meeting.objects.update(updated_at=timezone.now() - timedelta(days=1))
    Commitment.objects.update(updated_at=timezone.now() - timedelta(days=1))
    since = {"updated_since": (timezone.now() - timedelta(minutes=1)).isoformat()}
    client = signed_in(account_manager)
    assert ids(client.get(MEETINGS, since)) == ids(client.get(COMMITMENTS, since)) == []

    client.patch(f"{MEETINGS}{meeting.pk}/", {"outcome": "Agreed"}, format="json")
    client.post(f"{COMMITMENTS}{commitment.pk}/complete/")

    assert ids(client.get(MEETINGS, since)) == [meeting.pk]
    assert ids(client.get(COMMITMENTS, since)) == [commitment.pk]


@pytest.mark.parametrize(
    ("url", "query"),
    [
        (MEETINGS, {"updated_since": "yesterday"}),
        (MEETINGS, {"kind": "lunch"}),
        (MEETINGS, {"starts_after": "soon"}),
        (MEETINGS, {"supplier": 999999}),
        (COMMITMENTS, {"side": "both"}),
        (COMMITMENTS, {"status": "sleeping"}),
        (COMMITMENTS, {"due_before": "2026-13-01"}),
        (COMMITMENTS, {"owner": 0}),
    ],
)
def test_invalid_filters_get_400_naming_the_filter(
    account_manager: User, url: str, query: dict[str, Any]
) -> None:
    response = signed_in(account_manager).get(url, query)

    assert set(fields_of(response)) == set(query)


# --- Ordering and paging ----------------------------------------------------------------------


def test_cursor_pages_through_every_meeting_once_newest_first(account_manager: User) -> None:
    # Ties on starts_at, as meetings logged with the same time have them.
    moment = timezone.now()
    for n in range(11):
        MeetingFactory(starts_at=moment - timedelta(days=n // 3))
    expected = list(Meeting.objects.order_by("-starts_at", "-id").values_list("id", flat=True))

    rows = all_pages(signed_in(account_manager), f"{MEETINGS}?page_size=4")

    assert [row["id"] for row in rows] == expected


@pytest.mark.parametrize(
    ("ordering", "order_by"),
    [
        (None, ("due_date", "id")),
        ("-due_date", ("-due_date", "-id")),
        ("updated_at", ("updated_at", "id")),
        ("-created_at", ("-created_at", "-id")),
    ],
)
def test_cursor_pages_through_every_commitment_once(
    account_manager: User, ordering: str | None, order_by: tuple[str, ...]
) -> None:
    moment = timezone.now()
    for n in range(11):
        CommitmentFactory(owner_user=account_manager, due_date=TODAY + timedelta(days=n // 4))
    Commitment.objects.update(updated_at=moment)
    expected = list(Commitment.objects.order_by(*order_by).values_list("id", flat=True))
    query = f"&ordering={ordering}" if ordering else ""

    rows = all_pages(signed_in(account_manager), f"{COMMITMENTS}?page_size=3{query}")

    assert [row["id"] for row in rows] == expected


def test_page_size_is_capped_at_1000(account_manager: User) -> None:
    supplier = SupplierFactory()
    Commitment.objects.bulk_create(
        Commitment(
            supplier=supplier,
            description=f"P{n}",
            side="ours",
            owner_user=account_manager,
            created_by=account_manager,
            due_date=SOON,
        )
        for n in range(1001)
    )

    body = signed_in(account_manager).get(COMMITMENTS, {"page_size": 5000}).json()

    assert len(body["results"]) == 1000
    assert body["next"] is not None
    assert "count" not in body


# --- Query counts -----------------------------------------------------------------------------


def _meetings_with_everything(count: int, make_user: Callable[..., User]) -> None:
    for _n in range(count):
        supplier = SupplierFactory()
        contacts = ContactFactory.create_batch(2, supplier=supplier)
        people = [make_user(Role.ACCOUNT_MANAGER), make_user(Role.ACCOUNT_MANAGER)]
        meeting = MeetingFactory(
            supplier=supplier, logged_by=people[0], our_attendees=people, their_attendees=contacts
        )
        CommitmentFactory(supplier=supplier, meeting=meeting, owner_user=people[1])
        done = theirs(contacts[0], meeting=meeting, due_date=TODAY - timedelta(days=3))
        Commitment.objects.filter(pk=done.pk).update(
            status="done", completed_at=timezone.now(), completed_by=people[1]
        )


def _queries(client: APIClient, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, {"page_size": 200})
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("url", [MEETINGS, COMMITMENTS])
def test_lists_run_the_same_queries_for_5_and_50_rows(
    api_client: APIClient, account_manager: User, make_user: Callable[..., User], url: str
) -> None:
    # A token: each request loads its caller afresh, as a real client's would.
    _token, key = api_token_create(user=account_manager, name="Phone")
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    api_client.get(url)  # the token's first use is recorded once
    _meetings_with_everything(5, make_user)
    small = _queries(api_client, url)
    _meetings_with_everything(45, make_user)

    large = _queries(api_client, url)

    assert small == large
    # token and user, roles, page; meetings: + our attendees, their attendees, commitments
    assert large <= (6 if url == MEETINGS else 3)


def test_logging_a_meeting_looks_up_each_kind_of_id_once(
    account_manager: User, make_user: Callable[..., User]
) -> None:
    supplier = SupplierFactory()
    request = Request(APIRequestFactory().post(MEETINGS))
    request.user = account_manager
    user_can(account_manager, Capability.VIEW_PORTFOLIO)  # roles are read once per request

    def payload(people: int) -> dict[str, Any]:
        contacts = ContactFactory.create_batch(people, supplier=supplier)
        users = [make_user(Role.ACCOUNT_MANAGER) for _n in range(people)]
        item = {"description": "X", "due_date": SOON.isoformat()}
        return {
            "supplier": supplier.pk,
            "kind": "other",
            "our_attendees": [user.pk for user in users],
            "their_attendees": [contact.pk for contact in contacts],
            "commitments": [
                *({**item, "side": "theirs", "owner_contact": c.pk} for c in contacts),
                *({**item, "side": "ours", "owner_user": u.pk} for u in users),
            ],
        }

    def lookups(data: dict[str, Any]) -> int:
        serializer = MeetingWriteSerializer(data=data, context={"request": request})
        with CaptureQueriesContext(connection) as queries:
            assert serializer.is_valid(), serializer.errors
        return len(queries)

    small, large = payload(2), payload(20)

    assert lookups(small) == lookups(large) == 3  # the supplier, the people, the contacts
