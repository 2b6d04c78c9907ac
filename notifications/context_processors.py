from __future__ import annotations

from functools import cache
from typing import Any

from django.http import HttpRequest

from notifications.selectors import notification_unread_count


def unread_notifications(request: HttpRequest) -> dict[str, Any]:
    """``unread_notifications``: the signed-in person's unread count (at most 100), counted
    only when a template shows it, and once per request however often it is shown."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"unread_notifications": 0}

    @cache
    def count() -> int:
        return notification_unread_count(user=user)

    return {"unread_notifications": count}
