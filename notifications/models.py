from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from notifications.choices import NotificationKind


class Notification(models.Model):
    """One message to one person: an in-app inbox item and, when the person wants it, an
    email. It is written in the transaction of the change that causes it (an outbox row);
    workers deliver the email later. The dedupe key makes a second write of the same
    notification a no-op, so scans may run twice and beats may tick twice."""

    # A person with an account (inbox and email), or else someone outside, such as a
    # supplier's contact, reached by email only at email_to.
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
        null=True,
        blank=True,
    )
    email_to = models.EmailField(_("email to"), blank=True)
    recipient_name = models.CharField(_("recipient name"), max_length=200, blank=True)
    language = models.CharField(_("language"), max_length=10, blank=True)
    kind = models.CharField(_("kind"), max_length=40, choices=NotificationKind.choices)
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("content_type", "object_id")
    occasion = models.CharField(
        _("occasion"), max_length=60, help_text=_("The due date or step it is sent for.")
    )
    dedupe_key = models.CharField(max_length=200, unique=True, editable=False)
    title = models.CharField(_("title"), max_length=300)
    body = models.TextField(_("text"), blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    # A signed link (a supplier's key) is never stored: this names it, and its app builds it
    # when the email is sent (notifications.links).
    link_ref = models.CharField(
        _("signed link"),
        max_length=60,
        blank=True,
        help_text=_("Made when the email is sent, into the email only; never stored or shown."),
    )
    scheduled_for = models.DateTimeField(_("scheduled for"), default=timezone.now)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    # Email delivery state. email_wanted is decided when the row is written, from the
    # recipient's preferences; a row with nothing to send is born delivered.
    email_wanted = models.BooleanField(default=True)
    queued_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(_("emailed at"), null=True, blank=True)
    failed_at = models.DateTimeField(_("failed at"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-scheduled_for", "-id"]
        indexes = [
            models.Index(
                fields=["recipient", "-scheduled_for"],
                condition=Q(read_at__isnull=True),
                name="notification_unread_idx",
            ),
            models.Index(
                fields=["recipient", "-scheduled_for", "-id"], name="notification_inbox_idx"
            ),
            models.Index(
                fields=["scheduled_for", "id"],
                condition=Q(email_wanted=True, sent_at__isnull=True, failed_at__isnull=True),
                name="notification_pending_idx",
            ),
            models.Index(fields=["content_type", "object_id"], name="notification_subject_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(recipient__isnull=False) | ~Q(email_to=""),
                name="notifications_notification_has_recipient",
                violation_error_message=_("A notification goes to a person or an address."),
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class Delivery(models.Model):
    """The record of an email sent for a notification, written in the same transaction that
    marks the notification sent: at most one per notification, enforced by the database."""

    notification = models.OneToOneField(
        Notification, on_delete=models.CASCADE, related_name="delivery"
    )
    to = models.EmailField(_("to"))
    subject = models.CharField(_("subject"), max_length=300)
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now)

    class Meta:
        verbose_name = _("email delivery")
        verbose_name_plural = _("email deliveries")

    def __str__(self) -> str:
        return f"{self.to}: {self.subject}"


class EmailPreference(models.Model):
    """Whether a person also receives a kind of notification by email (yes by default)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="email_preferences"
    )
    kind = models.CharField(_("kind"), max_length=40, choices=NotificationKind.choices)
    email = models.BooleanField(_("by email"), default=True)

    class Meta:
        verbose_name = _("email preference")
        verbose_name_plural = _("email preferences")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="notifications_preference_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.kind}"
