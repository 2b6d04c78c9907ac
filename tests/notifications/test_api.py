"""The caller's notifications over the API: only their own, filtered, paged, and marked read."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import User
from accounts.roles import Role
from accounts.services import api_token_create
from notifications.choices import NotificationKind
from notifications.models import Notification
from notifications.services import notification_create
from tests.factories import SupplierFactory

pytestmark = pytest.mark.django_db
NOTIFICATIONS = "/api/v1/notifications/"
MARK_READ = "/api/v1/notifications/mark-read/"


@pytest.fixture
def alice(account_manager: User) -> User:
    return account_manager


@pytest.fixture
def bob(make_user: Callable[..., User]) -> User:
    return make_user(Role.ACCOUNT_MANAGER, username="bob")


def notify(recipient: User, title: str = "Specs are due", **fields: Any) -> Notification:
    supplier = SupplierFactory()
    notification = notification_create(
        recipient=recipient,
        kind=fields.pop("kind", NotificationKind.COMMITMENT_DUE),
        subject=supplier,
        occasion=fields.pop("occasion", "2026-03-02:due"),
        title=title,
        body=fields.pop("body", ""),
        url=supplier.get_absolute_url(),
        **fields,
    )
    assert notification is not None
    return notification


def signed_in(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def titles(response: Any) -> list[str]:
    assert response.status_code == 200, response.json()
    return [row["title"] for row in response.json()["results"]]


def unread(*notifications: Notification) -> list[bool]:
    return [not Notification.objects.get(pk=n.pk).is_read for n in notifications]


# --- Reading ----------------------------------------------------------------------------------


def test_the_list_is_the_callers_due_notifications_newest_first(alice: User, bob: User) -> None:
    older = notify(alice, "Older")
    Notification.objects.filter(pk=older.pk).update(
        scheduled_for=timezone.now() - timedelta(hours=1)
    )
    notify(alice, "Newer")
    notify(alice, "Later", scheduled_for=timezone.now() + timedelta(days=1))
    notify(bob, "Bob's")

    assert titles(signed_in(alice).get(NOTIFICATIONS)) == ["Newer", "Older"]
    assert titles(signed_in(bob).get(NOTIFICATIONS)) == ["Bob's"]


def test_a_notification_reads_with_its_link_and_subject(alice: User) -> None:
    notification = notify(alice, "Specs are due", body="Send the specs", kind="escalation")

    body = signed_in(alice).get(f"{NOTIFICATIONS}{notification.pk}/").json()

    assert body["title"] == "Specs are due"
    assert body["body"] == "Send the specs"
    assert body["kind"] == "escalation"
    assert body["link"] == f"http://testserver{notification.url}"
    assert body["subject_type"] == "suppliers.supplier"
    assert body["subject_id"] == notification.object_id
    assert (body["read"], body["read_at"]) == (False, None)


def test_alice_cannot_read_bobs_notification(alice: User, bob: User) -> None:
    bobs = notify(bob)

    response = signed_in(alice).get(f"{NOTIFICATIONS}{bobs.pk}/")

    assert response.status_code == 404


def test_the_list_filters_unread_and_kind(alice: User) -> None:
    notify(alice, "Due", kind="commitment_due")
    read = notify(alice, "Escalated", kind="escalation")
    Notification.objects.filter(pk=read.pk).update(read_at=timezone.now())
    client = signed_in(alice)

    assert titles(client.get(NOTIFICATIONS, {"unread": "true"})) == ["Due"]
    assert titles(client.get(NOTIFICATIONS, {"unread": "false"})) == ["Escalated"]
    assert titles(client.get(NOTIFICATIONS, {"kind": "escalation"})) == ["Escalated"]


def test_keyset_pages_reach_every_notification_once(alice: User) -> None:
    for index in range(5):
        notify(alice, f"N{index}", occasion=str(index))
    Notification.objects.update(scheduled_for=timezone.now())  # ties: the id breaks them
    client = signed_in(alice)

    seen: list[str] = []
    next_url: str | None = f"{NOTIFICATIONS}?page_size=2"
    while next_url:
        body = client.get(next_url).json()
        seen += [row["title"] for row in body["results"]]
        next_url = body["next"]

    assert sorted(seen) == [f"N{index}" for index in range(5)]


def test_anonymous_callers_get_401(api_client: APIClient) -> None:
    assert api_client.get(NOTIFICATIONS).status_code == 401
    assert api_client.post(MARK_READ).status_code == 401


def test_the_integration_account_has_an_empty_inbox(integration: User) -> None:
    assert titles(signed_in(integration).get(NOTIFICATIONS)) == []


# --- Mark read --------------------------------------------------------------------------------


def test_mark_read_marks_the_given_ones(alice: User) -> None:
    first, second = notify(alice, "First", occasion="1"), notify(alice, "Second", occasion="2")

    response = signed_in(alice).post(MARK_READ, {"ids": [first.pk]}, format="json")

    assert response.status_code == 200
    assert response.json() == {"marked": 1}
    assert unread(first, second) == [False, True]


def test_mark_read_without_ids_marks_every_one_of_the_callers(alice: User, bob: User) -> None:
    mine = [notify(alice, occasion="1"), notify(alice, occasion="2")]
    bobs = notify(bob)

    response = signed_in(alice).post(MARK_READ, {}, format="json")

    assert response.json() == {"marked": 2}
    assert unread(*mine, bobs) == [False, False, True]


def test_alice_cannot_mark_bobs_notification_read(alice: User, bob: User) -> None:
    mine, bobs = notify(alice), notify(bob)

    response = signed_in(alice).post(MARK_READ, {"ids": [mine.pk, bobs.pk]}, format="json")

    assert response.json() == {"marked": 1}
    assert unread(mine, bobs) == [False, True]


def test_marking_again_marks_nothing(alice: User) -> None:
    notification = notify(alice)
    client = signed_in(alice)
    client.post(MARK_READ, {"ids": [notification.pk]}, format="json")
    read_at = Notification.objects.get(pk=notification.pk).read_at

    response = client.post(MARK_READ, {"ids": [notification.pk]}, format="json")

    assert response.json() == {"marked": 0}
    assert Notification.objects.get(pk=notification.pk).read_at == read_at


def test_an_executive_who_changes_no_data_may_still_mark_read(executive: User) -> None:
    notification = notify(executive)

    response = signed_in(executive).post(MARK_READ, {"ids": [notification.pk]}, format="json")

    assert response.status_code == 200
    assert unread(notification) == [False]


@pytest.mark.parametrize("ids", [["x"], [0], "1,2", [1] * 1001])
def test_wrong_ids_are_a_400(alice: User, ids: Any) -> None:
    notification = notify(alice)

    response = signed_in(alice).post(MARK_READ, {"ids": ids}, format="json")

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["ids"]
    assert unread(notification) == [True]


def test_a_role_without_the_api_may_not_mark(make_user: Callable[..., User]) -> None:
    nobody = make_user()
    notify(nobody)

    assert signed_in(nobody).post(MARK_READ, {}, format="json").status_code == 403


# --- Query counts -----------------------------------------------------------------------------


def test_the_list_runs_the_same_queries_for_5_and_50_notifications(
    api_client: APIClient, alice: User
) -> None:
    _token, key = api_token_create(user=alice, name="Phone")
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    api_client.get(NOTIFICATIONS)  # the token's first use is recorded once

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = api_client.get(NOTIFICATIONS, {"page_size": 100, "unread": "true"})
        assert response.status_code == 200
        return len(captured)

    for index in range(5):
        notify(alice, occasion=str(index))
    small = queries()
    for index in range(5, 50):
        notify(alice, occasion=str(index))

    assert queries() == small
    assert small <= 3  # token, user and roles; the page
