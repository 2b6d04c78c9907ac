"""What a token must hold to call a view: the half of token scopes that the schema needs too.

A view declares ``token_scope = "<resource>"``. Reading it (GET, HEAD, OPTIONS) needs
``<resource>:read``, anything else ``<resource>:write``; a view that declares none needs the
full scope, ``*:write``. The grammar, the checks and the list of resources are in
``accounts.scopes``; this module is in core so that the schema (``core.api.schema``) can
document each operation's scope without importing an app.
"""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import SAFE_METHODS

READ = "read"
WRITE = "write"
ALL = "*"
FULL_SCOPE = f"{ALL}:{WRITE}"


def required_scope(view: Any, method: str) -> str:
    """The scope a token needs to call ``view`` with ``method``."""
    resource = getattr(view, "token_scope", None)
    if not resource:
        return FULL_SCOPE
    return f"{resource}:{READ if method.upper() in SAFE_METHODS else WRITE}"
