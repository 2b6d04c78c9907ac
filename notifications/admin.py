"""Notifications for administrators: what was sent, what is waiting, and above all what failed
for good, which the "queue again" action hands back to the sweep. Rows are written by the
services only; here they are read."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from notifications.models import Delivery, EmailPreference, Notification
from notifications.services import notification_retry


class DeliveryInline(admin.StackedInline):
    model = Delivery
    fields = readonly_fields = ("to", "subject", "sent_at")
    can_delete = False
    extra = 0

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class SentFilter(admin.EmptyFieldListFilter):
    """Filters on ``sent_at``, titled by what it means."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.title = _("emailed")


class FailedFilter(admin.EmptyFieldListFilter):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.title = _("failed for good")


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "recipient",
        "email_to",
        "kind",
        "scheduled_for",
        "read_at",
        "sent_at",
        "failed_at",
        "attempts",
    ]
    list_select_related = ["recipient"]
    list_filter = [
        "kind",
        ("sent_at", SentFilter),
        ("failed_at", FailedFilter),
        "email_wanted",
    ]
    search_fields = [
        "title",
        "recipient__username",
        "recipient__email",
        "email_to",
        "dedupe_key",
    ]
    date_hierarchy = "scheduled_for"
    fields = readonly_fields = (
        "recipient",
        "email_to",
        "recipient_name",
        "language",
        "kind",
        "content_type",
        "object_id",
        "occasion",
        "dedupe_key",
        "title",
        "body",
        "url",
        "link_ref",
        "scheduled_for",
        "created_at",
        "read_at",
        "email_wanted",
        "queued_at",
        "sent_at",
        "failed_at",
        "attempts",
        "last_error",
    )
    inlines = [DeliveryInline]
    actions = ["queue_again"]
    show_full_result_count = False  # no COUNT(*) over the whole outbox per page

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # notifications are written by the services, never by hand

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # the dedupe key needs the row: deleting it would let it be sent again

    @admin.action(description=_("Queue the failed emails again"), permissions=["change"])
    def queue_again(self, request: HttpRequest, queryset: QuerySet[Notification]) -> None:
        count = notification_retry(notification_ids=list(queryset.values_list("pk", flat=True)))
        message = ngettext(
            "%(count)d failed email is queued again.",
            "%(count)d failed emails are queued again.",
            count,
        ) % {"count": count}
        self.message_user(request, message, messages.SUCCESS if count else messages.WARNING)


@admin.register(EmailPreference)
class EmailPreferenceAdmin(admin.ModelAdmin):
    """Each person sets their own on the preferences page; here they are only read."""

    list_display = ["user", "kind", "email"]
    list_select_related = ["user"]
    list_filter = ["kind", "email"]
    search_fields = ["user__username", "user__email"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
