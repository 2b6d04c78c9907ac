"""The inbox, the unread count in the navigation, email preferences, and the administrators'
view of failed emails. Alice never sees or marks bob's notifications."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from notifications.choices import NotificationKind
from notifications.models import EmailPreference, Notification
from notifications.services import notification_create, wants_email
from tests.factories import SupplierFactory

pytestmark = pytest.mark.django_db
INBOX = reverse("notifications:inbox")
MARK_ALL = reverse("notifications:notification_mark_all_read")
PREFERENCES = reverse("notifications:preferences")
HOME = reverse("core:home")


@pytest.fixture
def alice(account_manager: User) -> User:
    return account_manager


@pytest.fixture
def bob(make_user: Callable[..., User]) -> User:
    return make_user(Role.ACCOUNT_MANAGER, username="bob")


def notify(recipient: User, title: str = "Specs are due", **fields: Any) -> Notification:
    """A notification about a new supplier, linked to its page."""
    supplier = SupplierFactory()
    notification = notification_create(
        recipient=recipient,
        kind=fields.pop("kind", NotificationKind.COMMITMENT_DUE),
        subject=supplier,
        occasion=fields.pop("occasion", "2026-03-02:due"),
        title=title,
        url=supplier.get_absolute_url(),
        **fields,
    )
    assert notification is not None
    return notification


def mark_read(notification: Notification) -> str:
    return reverse("notifications:notification_mark_read", args=[notification.pk])


def titles(client: Client, query: str = "") -> list[str]:
    response = client.get(f"{INBOX}{query}")
    assert response.status_code == 200
    return [notification.title for notification in response.context["notifications"]]


def nav(page: str) -> str:
    return page.split('id="main-nav"')[1].split("</nav>")[0]


# --- The inbox --------------------------------------------------------------------------------


def test_the_inbox_shows_my_due_notifications_newest_first(
    client: Client, alice: User, bob: User
) -> None:
    older = notify(alice, "Older")
    Notification.objects.filter(pk=older.pk).update(
        scheduled_for=timezone.now() - timedelta(hours=1)
    )
    notify(alice, "Newer")
    notify(alice, "Later", scheduled_for=timezone.now() + timedelta(days=1))
    notify(bob, "Bob's")
    client.force_login(alice)

    assert titles(client) == ["Newer", "Older"]


def test_an_unread_notification_is_marked_and_links_to_its_object(
    client: Client, alice: User
) -> None:
    unread = notify(alice, "Unread one")
    read = notify(alice, "Read one")
    Notification.objects.filter(pk=read.pk).update(read_at=timezone.now())
    client.force_login(alice)

    page = client.get(INBOX).text

    unread_row = page.split(f'id="notification-{unread.pk}"')[1].split("</li>")[0]
    read_row = page.split(f'id="notification-{read.pk}"')[1].split("</li>")[0]
    assert "is-unread" in page.split(f'id="notification-{unread.pk}"')[0].rsplit("<li", 1)[1]
    assert "New" in unread_row
    assert f'href="{unread.url}"' in unread_row
    assert f'action="{mark_read(unread)}"' in unread_row
    assert "New" not in read_row
    assert "Mark read" not in read_row


def test_unread_only_hides_what_is_read(client: Client, alice: User) -> None:
    notify(alice, "Unread one")
    read = notify(alice, "Read one")
    Notification.objects.filter(pk=read.pk).update(read_at=timezone.now())
    client.force_login(alice)

    assert titles(client, "?unread=true") == ["Unread one"]


def test_the_inbox_pages_by_thirty(client: Client, alice: User) -> None:
    for index in range(31):
        notify(alice, f"N{index}", occasion=str(index))
    client.force_login(alice)

    assert len(titles(client)) == 30
    assert len(titles(client, "?page=2")) == 1


def test_the_inbox_needs_sign_in(client: Client) -> None:
    response = client.get(INBOX)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_every_role_that_uses_the_pages_has_an_inbox(
    client: Client, executive: User, make_user: Callable[..., User]
) -> None:
    notify(executive, "For the executive")
    for user in (executive, make_user(Role.ADMINISTRATOR)):
        client.force_login(user)
        assert client.get(INBOX).status_code == 200


# --- Mark read --------------------------------------------------------------------------------


def test_mark_read_marks_one_and_returns_to_the_page(client: Client, alice: User) -> None:
    first, second = notify(alice, "First"), notify(alice, "Second")
    client.force_login(alice)

    response = client.post(mark_read(first), {"next": f"{INBOX}?page=1"})

    assert response.status_code == 302
    assert response["Location"] == f"{INBOX}?page=1"
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.is_read
    assert not second.is_read


def test_mark_read_does_not_follow_a_next_url_elsewhere(client: Client, alice: User) -> None:
    notification = notify(alice)
    client.force_login(alice)

    response = client.post(mark_read(notification), {"next": "https://evil.example.com/"})

    assert response["Location"] == INBOX


def test_alice_cannot_mark_bobs_notification_read(client: Client, alice: User, bob: User) -> None:
    bobs = notify(bob, "Bob's")
    client.force_login(alice)

    response = client.post(mark_read(bobs))

    assert response.status_code == 404
    bobs.refresh_from_db()
    assert not bobs.is_read


def test_mark_all_read_marks_mine_only(client: Client, alice: User, bob: User) -> None:
    mine = [notify(alice, "One"), notify(alice, "Two")]
    later = notify(alice, "Later", scheduled_for=timezone.now() + timedelta(days=1))
    bobs = notify(bob, "Bob's")
    client.force_login(alice)

    response = client.post(MARK_ALL, follow=True)

    assert "Every notification is marked read." in response.text
    assert all(Notification.objects.get(pk=n.pk).is_read for n in mine)
    assert not Notification.objects.get(pk=bobs.pk).is_read
    assert not Notification.objects.get(pk=later.pk).is_read  # not shown yet: not read


def test_mark_read_is_post_only(client: Client, alice: User) -> None:
    notification = notify(alice)
    client.force_login(alice)

    assert client.get(mark_read(notification)).status_code == 405
    assert client.get(MARK_ALL).status_code == 405
    assert not Notification.objects.get(pk=notification.pk).is_read


# --- The unread count in the navigation -------------------------------------------------------


def test_the_navigation_shows_my_unread_count_on_every_page(
    client: Client, alice: User, bob: User
) -> None:
    notify(alice, "One")
    notify(alice, "Two")
    read = notify(alice, "Read")
    Notification.objects.filter(pk=read.pk).update(read_at=timezone.now())
    notify(alice, "Later", scheduled_for=timezone.now() + timedelta(days=1))
    notify(bob, "Bob's")
    client.force_login(alice)

    for url in (HOME, INBOX, reverse("suppliers:supplier_list")):
        menu = nav(client.get(url).text)
        assert f'href="{INBOX}"' in menu
        assert 'class="badge count-badge" aria-hidden="true">2</span>' in menu
        assert "(2 unread)" in menu


def test_no_badge_when_everything_is_read(client: Client, alice: User) -> None:
    notify(alice)
    client.force_login(alice)
    client.post(MARK_ALL)

    menu = nav(client.get(HOME).text)

    assert f'href="{INBOX}"' in menu
    assert "count-badge" not in menu


def test_the_badge_stops_counting_at_99(client: Client, alice: User) -> None:
    for index in range(101):
        notify(alice, occasion=str(index))
    client.force_login(alice)

    assert ">99+</span>" in nav(client.get(HOME).text)


def test_the_count_is_one_query_per_page(client: Client, alice: User) -> None:
    notify(alice)
    client.force_login(alice)

    with CaptureQueriesContext(connection) as queries:
        client.get(INBOX)  # the count shows in the menu and decides "Mark all read"

    counts = [q["sql"] for q in queries if "COUNT(*)" in q["sql"] and "read_at" in q["sql"]]
    assert len(counts) == 1
    assert '"read_at" IS NULL' in counts[0]


# --- Email preferences ------------------------------------------------------------------------


def test_preferences_offer_a_checkbox_per_kind_ticked_by_default(
    client: Client, alice: User
) -> None:
    client.force_login(alice)

    page = client.get(PREFERENCES).text

    for kind in NotificationKind:
        assert f'name="{kind.value}"' in page
        assert str(kind.label) in page
    assert page.count("checked") == len(NotificationKind)


def test_saving_preferences_stops_the_unticked_emails(client: Client, alice: User) -> None:
    client.force_login(alice)
    ticked = {kind: "on" for kind in NotificationKind.values if kind != "commitment_chase"}

    response = client.post(PREFERENCES, ticked, follow=True)

    assert "Your email preferences are saved." in response.text
    assert not wants_email(user=alice, kind=NotificationKind.COMMITMENT_CHASE)
    assert wants_email(user=alice, kind=NotificationKind.ESCALATION)
    assert 'name="commitment_chase" id="id_commitment_chase"' in response.text
    assert response.text.count("checked") == len(NotificationKind) - 1


def test_preferences_are_each_persons_own(client: Client, alice: User, bob: User) -> None:
    client.force_login(alice)

    client.post(PREFERENCES, {})

    assert EmailPreference.objects.filter(user=alice, email=False).count() == len(NotificationKind)
    assert not EmailPreference.objects.filter(user=bob).exists()
    assert wants_email(user=bob, kind=NotificationKind.ESCALATION)


def test_preferences_warn_when_there_is_no_email_address(
    client: Client, make_user: Callable[..., User]
) -> None:
    client.force_login(make_user(Role.EXECUTIVE, email=""))

    assert "You have no email address on file" in client.get(PREFERENCES).text


# --- Administration: failed emails ------------------------------------------------------------


@pytest.fixture
def admin_client(client: Client, make_user: Callable[..., User]) -> Client:
    client.force_login(make_user(is_staff=True, is_superuser=True))
    return client


def test_administrators_list_the_failed_emails(admin_client: Client, alice: User) -> None:
    failed = notify(alice, "Failed one")
    Notification.objects.filter(pk=failed.pk).update(
        failed_at=timezone.now(), attempts=5, last_error="SMTPException: refused"
    )
    notify(alice, "Fine one")
    changelist = reverse("admin:notifications_notification_changelist")

    page = admin_client.get(changelist, {"failed_at__isnull": "False"}).text

    assert "Failed one" in page
    assert "Fine one" not in page
    detail = admin_client.get(
        reverse("admin:notifications_notification_change", args=[failed.pk])
    ).text
    assert "SMTPException: refused" in detail
    assert 'name="title"' not in detail  # read-only


def test_queue_again_gives_failed_emails_another_round(admin_client: Client, alice: User) -> None:
    failed = notify(alice, "Failed one")
    Notification.objects.filter(pk=failed.pk).update(
        failed_at=timezone.now(), attempts=5, queued_at=timezone.now()
    )
    sent = notify(alice, "Sent one")
    Notification.objects.filter(pk=sent.pk).update(sent_at=timezone.now(), attempts=1)

    response = admin_client.post(
        reverse("admin:notifications_notification_changelist"),
        {"action": "queue_again", "_selected_action": [failed.pk, sent.pk]},
        follow=True,
    )

    assert "1 failed email is queued again." in response.text
    failed.refresh_from_db()
    assert (failed.failed_at, failed.attempts, failed.queued_at) == (None, 0, None)
    sent.refresh_from_db()
    assert (sent.sent_at is not None, sent.attempts) == (True, 1)


def test_the_admin_cannot_add_or_delete_notifications(admin_client: Client, alice: User) -> None:
    notification = notify(alice)

    assert admin_client.get(reverse("admin:notifications_notification_add")).status_code == 403
    delete = reverse("admin:notifications_notification_delete", args=[notification.pk])
    assert admin_client.get(delete).status_code == 403


# --- Query counts -----------------------------------------------------------------------------


def test_the_inbox_runs_the_same_queries_for_3_and_30_notifications(
    client: Client, alice: User
) -> None:
    for index in range(3):
        notify(alice, occasion=str(index))
    client.force_login(alice)

    def queries(url: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    at_3 = queries(INBOX), queries(f"{INBOX}?unread=true")
    for index in range(3, 30):
        notify(alice, occasion=str(index))

    assert (queries(INBOX), queries(f"{INBOX}?unread=true")) == at_3
