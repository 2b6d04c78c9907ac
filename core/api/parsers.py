"""One JSON parser for every endpoint (the default in settings), and the same reading for the
bulk bodies that their views read themselves.

Odd input is a 400 in the API's error shape, never a 500:

- nesting too deep for Python's parser (RecursionError) or beyond ``MAX_DEPTH``;
- what PostgreSQL cannot store (``core.storable``): NUL in text or names, ``1e999``,
  ``-1e999`` and the non-standard ``NaN`` and ``Infinity``, which are read (not refused as
  unparsable) so that the error can name the field, by its path as nested serializer errors
  do: ``commitments.2.title``.
"""

from __future__ import annotations

import json
import math
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import exceptions, parsers

from core.storable import MAX_DEPTH, NestedTooDeepError, problems

_NON_FINITE = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


def too_deep() -> exceptions.ParseError:
    return exceptions.ParseError(
        _("The JSON is nested more than %(max)d levels deep.") % {"max": MAX_DEPTH}
    )


def loads(text: str) -> Any:
    """The JSON value of ``text``; ParseError (400) when it is not JSON or nested too deep."""
    try:
        return json.loads(text, parse_constant=_NON_FINITE.__getitem__)
    except RecursionError:
        raise too_deep() from None
    except ValueError as error:
        raise exceptions.ParseError(_("JSON parse error: %(error)s") % {"error": error}) from None


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser that also refuses, by field, what PostgreSQL cannot store."""

    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = stream.read().decode(encoding)
        except UnicodeDecodeError as error:
            raise exceptions.ParseError(
                _("JSON parse error: %(error)s") % {"error": error}
            ) from None
        data = loads(text)
        try:
            found = problems(data)
        except NestedTooDeepError:
            raise too_deep() from None
        if found:
            fields: dict[str, list[str]] = {}
            for path, message in found:
                name = ".".join(str(part) for part in path) or "non_field_errors"
                fields.setdefault(name, []).append(message)
            raise exceptions.ValidationError(fields)
        return data
