"""Token scopes: what an API token may read and write.

A scope is ``<resource>:<access>``: ``suppliers:write``, ``reviews:read``. The resource is one
that some API view declares as its ``token_scope`` (``known_resources``), or ``*`` for all
of them; ``write`` includes ``read``. A token holds a list of scopes, by default
``["*:write"]`` (everything its user's role allows); ``["*:read"]`` is a read-only token.
Scopes only narrow a token: what the user's role forbids stays forbidden.

``me`` (``/api/v1/me/``, the token's own user) may be read with any scope.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import Any

from django.core.exceptions import ValidationError
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils.translation import gettext as _

from core.api.scopes import ALL, FULL_SCOPE, READ, WRITE, required_scope

__all__ = [
    "ALL",
    "FULL_SCOPE",
    "READ",
    "READ_ONLY_SCOPE",
    "WRITE",
    "allows",
    "known_resources",
    "parse_scopes",
    "required_scope",
]

READ_ONLY_SCOPE = f"{ALL}:{READ}"
# Resources any token may read, whatever its scopes.
READABLE_BY_ANY_TOKEN = frozenset({"me"})
ACCESS = (READ, WRITE)


def _walk(patterns: Iterable[Any]) -> Iterable[Any]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns)
        elif isinstance(pattern, URLPattern):
            view = getattr(pattern.callback, "cls", None) or getattr(
                pattern.callback, "view_class", None
            )
            if view is not None:
                yield view


@cache
def _resources(urlconf: str | None) -> frozenset[str]:
    return frozenset(
        scope
        for view in _walk(get_resolver(urlconf).url_patterns)
        if isinstance(scope := getattr(view, "token_scope", None), str) and scope
    )


def known_resources(urlconf: str | None = None) -> frozenset[str]:
    """Every resource an API view declares as its ``token_scope``."""
    return _resources(urlconf)


def parse_scopes(scopes: Iterable[str] | str) -> list[str]:
    """The scopes, checked and normalised (lower case, sorted, no repeats): a comma-separated
    string or a list. ValidationError naming every scope that is not ``<resource>:read`` or
    ``<resource>:write`` of a known resource (or ``*``), or when there is none."""
    items = scopes.split(",") if isinstance(scopes, str) else list(scopes)
    resources = known_resources()
    found: set[str] = set()
    problems: list[str] = []
    for item in items:
        text = str(item).strip().lower()
        if not text:
            continue
        resource, colon, access = text.partition(":")
        if not colon or access not in ACCESS:
            problems.append(
                _("%(scope)s: write a scope as <resource>:read or <resource>:write.")
                % {"scope": text}
            )
        elif resource != ALL and resource not in resources:
            problems.append(
                _("%(scope)s: no such resource; known are %(resources)s and * (all).")
                % {"scope": text, "resources": ", ".join(sorted(resources))}
            )
        else:
            found.add(f"{resource}:{access}")
    if problems:
        raise ValidationError({"scopes": problems})
    if not found:
        raise ValidationError({"scopes": [_("Give the token at least one scope.")]})
    return sorted(found)


def allows(scopes: Iterable[str], needed: str) -> bool:
    """Whether a token holding ``scopes`` may do what ``needed`` (``required_scope``) asks."""
    resource, _colon, access = needed.partition(":")
    if access == READ and resource in READABLE_BY_ANY_TOKEN:
        return True
    for scope in scopes:
        held_resource, _colon, held_access = scope.partition(":")
        if held_resource in (ALL, resource) and (held_access == WRITE or access == READ):
            return True
    return False
