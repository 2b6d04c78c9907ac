"""Django's sign-in backend for the pages and the admin."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from accounts.models import User
from accounts.roles import Capability, user_can


class PagesBackend(ModelBackend):
    """Signs in people who may use the pages. An API-only account (the ERP's integration
    account) with its right password is refused exactly as a wrong password is: the same
    answer, and, since ``authenticate`` then sends ``user_login_failed``, a failed attempt
    that django-axes counts towards the lockout. So the sign-in page never confirms such an
    account's password. Sessions are not affected: ``get_user`` is Django's."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is not None and not user_can(user, Capability.USE_PAGES):
            return None
        return user
