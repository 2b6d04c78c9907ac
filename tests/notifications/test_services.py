"""The outbox: writing a notification once, and delivering its email at most once."""

from __future__ import annotations

import smtplib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from unittest import mock

import pytest
import time_machine
from django.core import mail
from django.db import IntegrityError
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy

from accounts.models import User
from core.text import LazyFormat
from notifications import services
from notifications.choices import NotificationKind
from notifications.models import Delivery, EmailPreference, Notification
from notifications.services import (
    MAX_ATTEMPTS,
    REQUEUE_AFTER,
    TransientDeliveryError,
    notification_create,
    notification_deliver,
    notification_mark_read,
    notifications_to_queue,
)
from suppliers.models import Supplier
from tests.factories import SupplierFactory, UserFactory

pytestmark = pytest.mark.django_db
NOON = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
LOCMEM = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture(autouse=True)
def _email_recorded(settings: Any) -> None:
    settings.EMAIL_BACKEND = LOCMEM
    settings.SITE_URL = "https://srm.example.com"
    mail.outbox = []


@pytest.fixture
def clock() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(NOON, tick=False) as traveller:
        yield traveller


def _notify(
    recipient: User,
    *,
    subject: Supplier | None = None,
    kind: str = NotificationKind.COMMITMENT_DUE,
    occasion: str = "2026-03-02:due",
    **fields: Any,
) -> Notification | None:
    return notification_create(
        recipient=recipient,
        kind=kind,
        subject=subject or SupplierFactory(),
        occasion=occasion,
        title=fields.pop("title", "Send the forecast"),
        url=fields.pop("url", "/suppliers/1/"),
        **fields,
    )


def _created(recipient: User, **fields: Any) -> Notification:
    notification = _notify(recipient, **fields)
    assert notification is not None
    return notification


def _failing_send(error: BaseException) -> Any:
    return mock.patch(
        "django.core.mail.backends.locmem.EmailBackend.send_messages", side_effect=error
    )


# --- Writing ----------------------------------------------------------------------------------


def test_the_same_notification_written_twice_is_one_row() -> None:
    alice, supplier = UserFactory(username="alice"), SupplierFactory()

    first = _notify(alice, subject=supplier)
    second = _notify(alice, subject=supplier, title="Written again")

    assert first is not None
    assert second is None
    assert list(Notification.objects.values_list("title", flat=True)) == ["Send the forecast"]


def test_another_recipient_kind_object_or_occasion_is_another_notification() -> None:
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")
    supplier = SupplierFactory()

    _notify(alice, subject=supplier)
    assert _notify(bob, subject=supplier) is not None
    assert _notify(alice, subject=supplier, kind=NotificationKind.COMMITMENT_OVERDUE) is not None
    assert _notify(alice, subject=SupplierFactory()) is not None
    assert _notify(alice, subject=supplier, occasion="2026-03-05:overdue") is not None

    assert Notification.objects.count() == 5


def test_title_and_body_are_rendered_in_the_recipients_language() -> None:
    sven = UserFactory(username="sven", preferred_language="sv")
    anna = UserFactory(username="anna", preferred_language="")
    title = gettext_lazy("Overdue")
    body = LazyFormat(gettext_lazy("This commitment is already closed."))

    swedish = _created(sven, title=title, body=body)
    english = _created(anna, title=title, body=body)

    assert (swedish.title, swedish.body) == ("Försenad", "Det här åtagandet är redan avslutat.")
    assert (english.title, english.body) == ("Overdue", "This commitment is already closed.")
    assert translation.get_language() == "en"  # the caller's language is left as it was


def test_email_is_wanted_unless_the_person_said_no_or_has_no_address() -> None:
    alice = UserFactory(username="alice")
    EmailPreference.objects.create(user=alice, kind=NotificationKind.COMMITMENT_DUE, email=False)
    EmailPreference.objects.create(user=alice, kind=NotificationKind.COMMITMENT_OVERDUE, email=True)
    no_address = UserFactory(username="noaddress", email="")
    gone = UserFactory(username="gone", is_active=False)

    assert _created(alice).email_wanted is False
    assert _created(alice, kind=NotificationKind.COMMITMENT_OVERDUE).email_wanted is True
    assert _created(alice, kind=NotificationKind.ESCALATION).email_wanted is True  # no choice
    assert _created(no_address).email_wanted is False
    assert _created(gone).email_wanted is False


def test_marking_read_touches_only_the_users_own_notifications() -> None:
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")
    alices = [_created(alice), _created(alice)]
    bobs = _created(bob)

    assert notification_mark_read(user=alice, notification_ids=[bobs.pk, alices[0].pk]) == 1
    assert notification_mark_read(user=alice) == 1

    assert all(n.is_read for n in Notification.objects.filter(recipient=alice))
    bobs.refresh_from_db()
    assert not bobs.is_read


# --- Claiming for the queue --------------------------------------------------------------------


def test_due_unsent_notifications_are_claimed_once(clock: time_machine.Traveller) -> None:
    alice = UserFactory(username="alice")
    due = [_created(alice), _created(alice)]
    _created(alice, scheduled_for=timezone.now() + timedelta(hours=1))  # not yet
    _created(UserFactory(username="noaddress", email=""))  # nothing to send
    sent = _created(alice)
    Notification.objects.filter(pk=sent.pk).update(sent_at=timezone.now())
    failed = _created(alice)
    Notification.objects.filter(pk=failed.pk).update(failed_at=timezone.now())

    first, second = notifications_to_queue(), notifications_to_queue()

    assert first == [n.pk for n in due]
    assert second == []
    assert set(Notification.objects.filter(pk__in=first).values_list("queued_at", flat=True)) == {
        NOON
    }


def test_a_claim_is_not_repeated_until_requeue_after_has_passed(
    clock: time_machine.Traveller,
) -> None:
    notification = _created(UserFactory(username="alice"))
    assert notifications_to_queue() == [notification.pk]

    clock.shift(REQUEUE_AFTER - timedelta(seconds=1))
    assert notifications_to_queue() == []

    clock.shift(timedelta(seconds=2))
    assert notifications_to_queue() == [notification.pk]


def test_a_notification_scheduled_later_is_claimed_once_it_is_due(
    clock: time_machine.Traveller,
) -> None:
    later = _created(UserFactory(username="alice"), scheduled_for=NOON + timedelta(days=1))
    assert notifications_to_queue() == []

    clock.shift(timedelta(days=1))

    assert notifications_to_queue() == [later.pk]


def test_the_batch_size_limits_a_claim() -> None:
    alice = UserFactory(username="alice")
    rows = [_created(alice) for _ in range(3)]

    assert notifications_to_queue(limit=2) == [rows[0].pk, rows[1].pk]
    assert notifications_to_queue(limit=2) == [rows[2].pk]


# --- Delivering --------------------------------------------------------------------------------


def test_a_notification_is_emailed_once(clock: time_machine.Traveller) -> None:
    notification = _created(UserFactory(username="alice"))

    assert notification_deliver(notification_id=notification.pk) == "sent"
    assert notification_deliver(notification_id=notification.pk) == "skipped"

    assert len(mail.outbox) == 1
    notification.refresh_from_db()
    assert (notification.sent_at, notification.attempts) == (NOON, 1)
    delivery = Delivery.objects.get(notification=notification)
    assert (delivery.to, delivery.subject) == ("alice@example.com", "Send the forecast")


def test_the_database_refuses_a_second_delivery_record() -> None:
    notification = _created(UserFactory(username="alice"))
    notification_deliver(notification_id=notification.pk)

    with pytest.raises(IntegrityError):
        Delivery.objects.create(notification=notification, to="alice@example.com", subject="x")


def test_the_email_speaks_the_recipients_language_and_links_to_the_object() -> None:
    sven = UserFactory(username="sven", preferred_language="sv")
    notification = _created(sven, title=gettext_lazy("Overdue"), url="/suppliers/7/")

    notification_deliver(notification_id=notification.pk)

    (message,) = mail.outbox
    assert message.to == ["sven@example.com"]
    assert message.subject == "Försenad"
    assert "Försenad" in message.body
    assert "https://srm.example.com/suppliers/7/" in message.body
    ((html, mimetype),) = message.alternatives  # type: ignore[attr-defined]
    assert mimetype == "text/html"
    assert '<html lang="sv">' in html
    assert 'href="https://srm.example.com/suppliers/7/"' in html
    assert translation.get_language() == "en"


def test_a_title_on_several_lines_still_makes_a_one_line_subject() -> None:
    notification = _created(UserFactory(username="alice"), title="Ship the samples\nto Lund")

    assert notification_deliver(notification_id=notification.pk) == "sent"

    assert mail.outbox[0].subject == "Ship the samples to Lund"


def test_a_notification_not_yet_due_is_not_sent() -> None:
    notification = _created(
        UserFactory(username="alice"), scheduled_for=timezone.now() + timedelta(hours=1)
    )

    assert notification_deliver(notification_id=notification.pk) == "skipped"
    assert mail.outbox == []


def test_a_transient_failure_is_recorded_and_raised_for_a_retry() -> None:
    notification = _created(UserFactory(username="alice"))

    with (
        _failing_send(smtplib.SMTPServerDisconnected("Connection unexpectedly closed")),
        pytest.raises(TransientDeliveryError),
    ):
        notification_deliver(notification_id=notification.pk)

    notification.refresh_from_db()
    assert notification.attempts == 1
    assert notification.last_error == "SMTPServerDisconnected: Connection unexpectedly closed"
    assert (notification.sent_at, notification.failed_at) == (None, None)
    assert not Delivery.objects.exists()


def test_an_error_that_is_not_transient_is_recorded_and_raised() -> None:
    notification = _created(UserFactory(username="alice"))

    with (
        mock.patch.object(services, "_send", side_effect=ValueError("bad template")),
        pytest.raises(ValueError, match="bad template"),
    ):
        notification_deliver(notification_id=notification.pk)

    notification.refresh_from_db()
    assert (notification.attempts, notification.last_error) == (1, "ValueError: bad template")
    assert (notification.sent_at, notification.failed_at) == (None, None)


def test_the_last_attempt_marks_the_notification_failed(clock: time_machine.Traveller) -> None:
    notification = _created(UserFactory(username="alice"))

    with _failing_send(smtplib.SMTPServerDisconnected("gone")):
        for _ in range(MAX_ATTEMPTS - 1):
            with pytest.raises(TransientDeliveryError):
                notification_deliver(notification_id=notification.pk)
        outcome = notification_deliver(notification_id=notification.pk)

    assert outcome == "failed"
    notification.refresh_from_db()
    assert (notification.attempts, notification.failed_at) == (MAX_ATTEMPTS, NOON)
    assert notification.last_error == "SMTPServerDisconnected: gone"


def test_a_failed_or_sent_notification_is_never_sent_again() -> None:
    alice = UserFactory(username="alice")
    failed, sent = _created(alice), _created(alice)
    Notification.objects.filter(pk=failed.pk).update(failed_at=timezone.now())
    notification_deliver(notification_id=sent.pk)

    assert notification_deliver(notification_id=failed.pk) == "skipped"
    assert notification_deliver(notification_id=sent.pk) == "skipped"
    assert notifications_to_queue() == []
    assert len(mail.outbox) == 1


def test_an_error_that_is_not_transient_is_given_up_after_max_attempts() -> None:
    # A bug, or a worker killed mid-send, leaves no outcome; the attempts still count, so the
    # sweep does not try such a notification for ever.
    notification = _created(UserFactory(username="alice"))

    with mock.patch.object(services, "_send", side_effect=ValueError("bad template")):
        for _ in range(MAX_ATTEMPTS):
            with pytest.raises(ValueError, match="bad template"):
                notification_deliver(notification_id=notification.pk)
        outcome = notification_deliver(notification_id=notification.pk)

    assert outcome == "failed"
    notification.refresh_from_db()
    assert notification.failed_at is not None
    assert notification.attempts == MAX_ATTEMPTS + 1
    assert notification.last_error == "ValueError: bad template"
    assert notifications_to_queue() == []
    assert mail.outbox == []


def test_a_notification_whose_attempts_all_ended_without_an_outcome_is_given_up() -> None:
    # Say a worker was killed in the middle of sending, MAX_ATTEMPTS times over.
    notification = _created(UserFactory(username="alice"))
    Notification.objects.filter(pk=notification.pk).update(attempts=MAX_ATTEMPTS)

    assert notification_deliver(notification_id=notification.pk) == "failed"

    notification.refresh_from_db()
    assert notification.failed_at is not None
    assert notification.last_error == f"No outcome after {MAX_ATTEMPTS + 1} attempts."
    assert mail.outbox == []


# --- People without an account ----------------------------------------------------------------


def _external(**fields: Any) -> Notification | None:
    values: dict[str, Any] = {
        "email": "Pia@Supplier.example",
        "name": "Pia Lind",
        "language": "sv",
        "kind": NotificationKind.COMMITMENT_CHASE,
        "subject": SupplierFactory(),
        "occasion": "invited",
        "title": gettext_lazy("Overdue"),
        "url": "https://srm.example.com/respond/abc/",
    }
    values.update(fields)
    return services.notification_create_external(**values)


def test_an_email_to_someone_without_an_account_is_written_once_per_address() -> None:
    supplier = SupplierFactory()

    first = _external(subject=supplier)
    again = _external(subject=supplier, email="pia@supplier.example")
    other_address = _external(subject=supplier, email="ola@supplier.example")

    assert first is not None
    assert again is None  # the same address in other letters is the same person
    assert other_address is not None
    assert first.recipient is None
    assert (first.email_to, first.recipient_name, first.title) == (
        "Pia@Supplier.example",
        "Pia Lind",
        "Försenad",
    )


def test_an_email_to_someone_without_an_account_is_sent_in_their_language() -> None:
    notification = _external()
    assert notification is not None

    assert notification_deliver(notification_id=notification.pk) == "sent"

    (message,) = mail.outbox
    assert message.to == ["Pia@Supplier.example"]
    assert message.subject == "Försenad"
    assert "Pia Lind" in message.body
    assert "https://srm.example.com/respond/abc/" in message.body
    delivery = Delivery.objects.get(notification=notification)
    assert delivery.to == "Pia@Supplier.example"
    assert notification_deliver(notification_id=notification.pk) == "skipped"
    assert len(mail.outbox) == 1


def test_an_email_without_an_account_falls_back_to_the_site_language() -> None:
    notification = _external(language="")
    assert notification is not None

    assert (notification.language, notification.title) == ("en", "Overdue")


def test_an_email_without_an_account_never_shows_in_anyones_inbox(
    client: Any, account_manager: User
) -> None:
    alice = account_manager
    _external()
    client.force_login(alice)

    response = client.get("/notifications/")

    assert response.status_code == 200
    assert "Pia" not in response.content.decode()
    assert not Notification.objects.filter(recipient=alice).exists()


def test_the_database_refuses_a_notification_to_nobody() -> None:
    notification = _external()
    assert notification is not None

    with pytest.raises(IntegrityError):
        Notification.objects.filter(pk=notification.pk).update(email_to="")
