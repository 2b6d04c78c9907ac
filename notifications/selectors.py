"""Every read of notifications that pages and the API share. A person only ever reads their
own: the recipient is part of every query, so another's notification is simply not found."""

from __future__ import annotations

from typing import cast

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from notifications.choices import NotificationKind
from notifications.models import EmailPreference, Notification
from suppliers.selectors import AnyUser

# The badge says "99+" beyond this: counting further costs time and tells nobody anything.
UNREAD_COUNT_LIMIT = 100


def notification_list(*, user: AnyUser) -> QuerySet[Notification]:
    """The user's inbox: what is due by now, newest first."""
    if not user.is_authenticated:
        return Notification.objects.none()
    return (
        Notification.objects.filter(
            recipient_id=cast(int, user.pk), scheduled_for__lte=timezone.now()
        )
        .select_related("content_type")
        .order_by("-scheduled_for", "-id")
    )


def notification_get(*, user: AnyUser, pk: int) -> Notification:
    try:
        return notification_list(user=user).get(pk=pk)
    except Notification.DoesNotExist:
        raise Http404 from None


def notification_unread_count(*, user: AnyUser, limit: int = UNREAD_COUNT_LIMIT) -> int:
    """How many due notifications the user has not read, up to ``limit``: one COUNT over at
    most ``limit`` rows of the partial index of unread notifications."""
    if not user.is_authenticated:
        return 0
    unread = Notification.objects.filter(
        recipient_id=cast(int, user.pk), read_at__isnull=True, scheduled_for__lte=timezone.now()
    )
    return unread.order_by()[:limit].count()


def email_preference_map(*, user: AnyUser) -> dict[str, bool]:
    """For every kind, whether the user gets it by email too (yes unless they said no)."""
    chosen = dict(
        EmailPreference.objects.filter(user_id=cast(int, user.pk)).values_list("kind", "email")
    )
    return {kind: chosen.get(kind, True) for kind in NotificationKind.values}
