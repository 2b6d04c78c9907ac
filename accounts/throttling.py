from __future__ import annotations

from typing import Any

from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from accounts.models import APIToken


class APITokenRateThrottle(SimpleRateThrottle):
    """Limits each API token to API_TOKEN_RATE requests; browser sessions are not throttled."""

    scope = "api_token"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if not isinstance(request.auth, APIToken):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.auth.key_hash[:32]}
