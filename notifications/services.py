"""Writing notifications (the outbox) and delivering their emails.

A notification is written in the transaction of the change that causes it, keyed so that a
second write is a no-op. Nothing here talks to the broker from a web request: the sweep task
queues what is due, so a page never waits on Redis and a lost message only delays a reminder.
"""

from __future__ import annotations

import logging
import smtplib
import socket
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import F, Model, Q, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone, translation

from accounts.models import User
from notifications import links
from notifications.choices import NotificationKind
from notifications.models import Delivery, EmailPreference, Notification

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
# A queued notification still unsent after this long is queued again by the sweep.
REQUEUE_AFTER = timedelta(minutes=5)
TRANSIENT_ERRORS = (smtplib.SMTPException, OSError, socket.timeout)


class TransientDeliveryError(Exception):
    """Sending failed in a way that may pass; the task retries with backoff."""


def dedupe_key(*, recipient: User, kind: str, subject: Model, occasion: str) -> str:
    content_type = ContentType.objects.get_for_model(subject)
    return f"{recipient.pk}:{kind}:{content_type.pk}:{subject.pk}:{occasion}"


def wants_email(*, user: User, kind: str) -> bool:
    if not user.email or not user.is_active:
        return False
    preference = EmailPreference.objects.filter(user=user, kind=kind).first()
    return preference.email if preference is not None else True


def notification_create(
    *,
    recipient: User,
    kind: str,
    subject: Model,
    occasion: str,
    title: object,
    body: object = "",
    url: str = "",
    scheduled_for: datetime | None = None,
) -> Notification | None:
    """Writes the notification once; returns it, or None if it was written before.

    ``title`` and ``body`` are lazy translations or plain text; they are rendered in the
    recipient's language here, so the inbox and the email speak it."""
    key = dedupe_key(recipient=recipient, kind=kind, subject=subject, occasion=occasion)
    if Notification.objects.filter(dedupe_key=key).exists():
        return None
    language = recipient.preferred_language or settings.LANGUAGE_CODE
    with translation.override(language):
        notification = Notification(
            recipient=recipient,
            kind=kind,
            content_type=ContentType.objects.get_for_model(subject),
            object_id=subject.pk,
            occasion=occasion,
            dedupe_key=key,
            title=str(title)[:300],
            body=str(body),
            url=url,
            scheduled_for=scheduled_for or timezone.now(),
            email_wanted=wants_email(user=recipient, kind=kind),
        )
    try:
        with transaction.atomic():
            notification.save()
    except IntegrityError:
        return None  # another worker wrote it first
    return notification


def notification_create_external(
    *,
    email: str,
    name: str,
    language: str,
    kind: str,
    subject: Model,
    occasion: str,
    title: object,
    body: object = "",
    url: str = "",
    signed_link: str = "",
    scheduled_for: datetime | None = None,
) -> Notification | None:
    """Writes an email to someone without an account (a supplier's contact), once; returns it,
    or None if it was written before. The same outbox delivers it; it has no inbox.

    ``url`` is an absolute link that is no key. A signed link is passed as ``signed_link``,
    its reference (notifications.links): it is made when the email is sent, so the outbox,
    the admin and the logs never hold it. ``language`` falls back to the site's."""
    content_type = ContentType.objects.get_for_model(subject)
    key = f"ext:{email.lower()}:{kind}:{content_type.pk}:{subject.pk}:{occasion}"[:200]
    if Notification.objects.filter(dedupe_key=key).exists():
        return None
    language = language or settings.LANGUAGE_CODE
    with translation.override(language):
        notification = Notification(
            recipient=None,
            email_to=email,
            recipient_name=name[:200],
            language=language,
            kind=kind,
            content_type=content_type,
            object_id=subject.pk,
            occasion=occasion,
            dedupe_key=key,
            title=str(title)[:300],
            body=str(body),
            url=url,
            link_ref=signed_link,
            scheduled_for=scheduled_for or timezone.now(),
            email_wanted=bool(email),
        )
    try:
        with transaction.atomic():
            notification.save()
    except IntegrityError:
        return None
    return notification


def notification_mark_read(*, user: User, notification_ids: list[int] | None = None) -> int:
    """Marks the user's notifications read: the given ones, or all. Others' are untouched."""
    # Only what the inbox shows: one scheduled for later would otherwise arrive already read.
    unread = Notification.objects.filter(
        recipient=user, read_at__isnull=True, scheduled_for__lte=timezone.now()
    )
    if notification_ids is not None:
        unread = unread.filter(pk__in=notification_ids)
    return unread.update(read_at=timezone.now())


def email_preference_set(*, user: User, kind: str, email: bool) -> EmailPreference:
    if kind not in NotificationKind.values:
        from django.core.exceptions import ValidationError

        raise ValidationError({"kind": "Unknown kind."})
    preference, _ = EmailPreference.objects.update_or_create(
        user=user, kind=kind, defaults={"email": email}
    )
    return preference


def notification_retry(*, notification_ids: list[int]) -> int:
    """Gives failed emails another round of attempts: the sweep queues them again. Rows sent
    meanwhile, or never failed, are left alone. Returns how many were requeued."""
    return Notification.objects.filter(
        pk__in=notification_ids, failed_at__isnull=False, sent_at__isnull=True
    ).update(failed_at=None, attempts=0, queued_at=None)


# --- Delivery ---------------------------------------------------------------------------------


def pending_email() -> QuerySet[Notification]:
    """Due notifications whose email is neither sent nor given up on."""
    return Notification.objects.filter(
        email_wanted=True,
        sent_at__isnull=True,
        failed_at__isnull=True,
        scheduled_for__lte=timezone.now(),
    )


def notifications_to_queue(*, limit: int = 500) -> list[int]:
    """Claims a batch of due, unsent notifications not queued recently, marking them queued;
    rows another sweep holds are skipped, so two sweeps at once queue nothing twice."""
    now = timezone.now()
    with transaction.atomic():
        ids = list(
            pending_email()
            .filter(Q(queued_at__isnull=True) | Q(queued_at__lt=now - REQUEUE_AFTER))
            .order_by("scheduled_for", "id")
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)[:limit]
        )
        Notification.objects.filter(pk__in=ids).update(queued_at=now)
    return ids


def notification_deliver(*, notification_id: int) -> str:
    """Sends one notification's email, at most once: the row is locked while sending and
    marked sent, with its Delivery record, in the same transaction. Returns what happened:
    "sent", "skipped" (already sent, given up, not due, or being sent elsewhere) or "failed"
    (the last attempt). Raises TransientDeliveryError when another attempt may succeed."""
    attempts = (
        pending_email()
        .filter(pk=notification_id)
        .update(attempts=F("attempts") + 1)  # committed first: survives a crash mid-send
    )
    if not attempts:
        return "skipped"
    try:
        outcome, error = _deliver_claimed(notification_id)
    except Exception as unexpected:
        # Not transient (a template error, say): the row keeps the error for administrators,
        # and the sweep tries again until MAX_ATTEMPTS have been used up.
        pending_email().filter(pk=notification_id).update(last_error=_describe(unexpected))
        raise
    if outcome == "retry":
        # Raised only now: inside the transaction it would undo the recorded error.
        raise TransientDeliveryError(error)
    return outcome


def _deliver_claimed(notification_id: int) -> tuple[str, str]:
    with transaction.atomic():
        notification = (
            pending_email()
            # Lock the notification only: locking the joined recipient too would skip every
            # other email to the same person while one is being sent.
            .select_for_update(skip_locked=True, of=("self",))
            .select_related("recipient")
            .filter(pk=notification_id)
            .first()
        )
        if notification is None:
            return "skipped", ""
        if notification.attempts > MAX_ATTEMPTS:
            # The earlier attempts ended with no outcome (a worker killed mid-send, an error
            # that is not transient): give up rather than try for ever.
            return _fail(notification), notification.last_error
        try:
            subject = _send(notification)
        except TRANSIENT_ERRORS as error:
            notification.last_error = _describe(error)
            if notification.attempts >= MAX_ATTEMPTS:
                return _fail(notification), notification.last_error
            notification.save(update_fields=["last_error"])
            return "retry", notification.last_error
        now = timezone.now()
        Delivery.objects.create(
            notification=notification, to=_address(notification), subject=subject, sent_at=now
        )
        notification.sent_at = now
        notification.last_error = ""
        notification.save(update_fields=["sent_at", "last_error"])
    return "sent", ""


def _describe(error: BaseException) -> str:
    return f"{error.__class__.__name__}: {error}"[:2000]


def _fail(notification: Notification) -> str:
    notification.last_error = (
        notification.last_error or f"No outcome after {notification.attempts} attempts."
    )
    notification.failed_at = timezone.now()
    notification.save(update_fields=["last_error", "failed_at"])
    log.error("notification %s failed for good: %s", notification.pk, notification.last_error)
    return "failed"


def _address(notification: Notification) -> str:
    if notification.recipient is None:
        return notification.email_to
    return notification.recipient.email


def _send(notification: Notification) -> str:
    recipient = notification.recipient
    language = (
        notification.language
        or (recipient.preferred_language if recipient is not None else "")
        or settings.LANGUAGE_CODE
    )
    signed = links.build(notification) if notification.link_ref else None
    with translation.override(language):
        context = {
            "notification": notification,
            "recipient": recipient,
            "recipient_name": (
                recipient.name if recipient is not None else notification.recipient_name
            ),
            "link": (signed or "") if notification.link_ref else _absolute(notification.url),
            # No request, so no context processor: the HTML's lang attribute needs it here.
            "LANGUAGE_CODE": language,
        }
        template = f"notifications/email/{notification.kind}"
        # One line: a header with a line break is refused (a title may hold one).
        subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())[:300]
        text = render_to_string(f"{template}.txt", context)
        html = render_to_string(f"{template}.html", context)
    message = EmailMultiAlternatives(subject, text, to=[_address(notification)])
    message.attach_alternative(html, "text/html")
    # For backends that show or log messages (notifications.backends): what to hide.
    message.signed_links = [signed] if signed else []  # type: ignore[attr-defined]
    message.send()
    return subject


def _absolute(url: str) -> str:
    if not url or url.startswith("http"):
        return url
    return settings.SITE_URL.rstrip("/") + url
