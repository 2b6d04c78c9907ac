from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import APIToken, User


def api_token_list(*, user: User) -> QuerySet[APIToken]:
    """The tokens a user owns, newest first, revoked ones included."""
    return APIToken.objects.filter(user=user).order_by("-created_at")
