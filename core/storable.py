"""What PostgreSQL cannot store, found before it is sent: a NUL character (``\\u0000``) in text
(PostgreSQL refuses it in text and jsonb columns, and psycopg2 refuses it in any parameter)
and numbers that are not finite (``1e999`` is read as infinity; ``NaN``). The API's parser and
the bulk row checks both ask here, so each names the field instead of failing with a 500."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

from django.utils.translation import gettext as _

# Deeper than any input of this application needs, far below Python's recursion limit.
MAX_DEPTH = 64

Path = tuple[str | int, ...]


class NestedTooDeepError(ValueError):
    """The value nests lists and objects deeper than ``MAX_DEPTH``."""


def value_problem(value: Any) -> str | None:
    """Why PostgreSQL cannot store this scalar, or None."""
    if isinstance(value, str):
        return _("Text may not contain NUL characters (\\u0000).") if "\x00" in value else None
    if isinstance(value, float) and not math.isfinite(value):
        return _("Expected a finite number.")
    return None


def problems(data: Any) -> list[tuple[Path, str]]:
    """Every (path, message) in ``data`` that PostgreSQL cannot store, names of keys included,
    in path order; ``NestedTooDeepError`` beyond ``MAX_DEPTH``. A loop, not recursion: what
    Python parsed may still be nested too deep to walk recursively."""
    found: list[tuple[Path, str]] = []
    stack: list[tuple[Path, Any]] = [((), data)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, dict | list):
            if len(path) >= MAX_DEPTH:
                raise NestedTooDeepError(
                    _("Nested more than %(max)d levels deep.") % {"max": MAX_DEPTH}
                )
            items = value.items() if isinstance(value, dict) else enumerate(value)
            for key, item in items:
                if isinstance(key, str) and "\x00" in key:
                    found.append(((*path, key), _("Names may not contain NUL characters.")))
                stack.append(((*path, key), item))
        else:
            message = value_problem(value)
            if message is not None:
                found.append((path, message))
    return sorted(found, key=lambda problem: [str(part) for part in problem[0]])


# PostgreSQL reads UTC offsets up to 15:59:59 either way; Python allows up to 23:59.
MAX_UTC_OFFSET = timedelta(hours=16)


def datetime_problem(value: datetime) -> str | None:
    """Why PostgreSQL cannot read this moment, or None."""
    offset = value.utcoffset()
    if offset is not None and abs(offset) >= MAX_UTC_OFFSET:
        return _("The UTC offset must be between -15:59 and +15:59.")
    return None
