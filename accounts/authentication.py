from __future__ import annotations

from typing import Any

import pghistory
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from accounts.models import APIToken, User
from accounts.services import api_token_authenticate


class APITokenAuthentication(authentication.BaseAuthentication):
    """``Authorization: Token <token>`` with a named, hashed, revocable API token."""

    keyword = "Token"

    def authenticate(self, request: Request) -> tuple[User, APIToken] | None:
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                _("Send the token as: Authorization: Token <token>.")
            )
        try:
            key = header[1].decode()
        except UnicodeError:
            raise exceptions.AuthenticationFailed(_("The token is not valid.")) from None
        token = api_token_authenticate(key=key)
        if token is None:
            raise exceptions.AuthenticationFailed(_("The token is not valid or was revoked."))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("The token's user is inactive."))
        # The audit trail records which token made a change, beside its user.
        pghistory.context(api_token=token.pk, api_token_name=token.name)
        return token.user, token

    def authenticate_header(self, request: Any) -> str:
        return self.keyword
