from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from accounts.roles import Capability, capabilities_of, roles_of


def roles(request: HttpRequest) -> dict[str, Any]:
    """Makes ``can.<capability>`` and ``roles`` available to templates, lazily."""
    if not hasattr(request, "user"):
        return {}
    user = request.user

    class _Can:
        def __getattr__(self, name: str) -> bool:
            try:
                return Capability(name) in capabilities_of(user)
            except ValueError:
                raise AttributeError(name) from None

    return {"can": _Can(), "user_roles": lambda: sorted(role.label for role in roles_of(user))}
