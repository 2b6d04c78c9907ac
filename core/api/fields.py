"""Serializer fields the whole API shares: dates bounded to what the product accepts
(``core.dates``); the schema says so in the field's description."""

from __future__ import annotations

from typing import Any

from django.utils.functional import lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.dates import DATE_MAX, DATE_MIN, validate_date_in_range


def _bounds() -> str:
    return _("Between %(min)s and %(max)s.") % {
        "min": DATE_MIN.isoformat(),
        "max": DATE_MAX.isoformat(),
    }


_BOUNDS = lazy(_bounds, str)()


def _describe(kwargs: dict[str, Any]) -> dict[str, Any]:
    help_text = kwargs.get("help_text")
    kwargs["help_text"] = format_lazy("{} {}", help_text, _BOUNDS) if help_text else _BOUNDS
    return kwargs


class DateField(serializers.DateField):
    """An ISO 8601 date between ``DATE_MIN`` and ``DATE_MAX``."""

    default_validators = [validate_date_in_range]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**_describe(kwargs))


class DateTimeField(serializers.DateTimeField):
    """An ISO 8601 moment on a day between ``DATE_MIN`` and ``DATE_MAX``."""

    default_validators = [validate_date_in_range]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**_describe(kwargs))


@extend_schema_field(
    {
        "oneOf": [{"type": "string", "format": "uri"}, {"type": "string", "maxLength": 0}],
        "description": "A URL, or an empty string when there is none.",
    }
)
class BlankableURLField(serializers.URLField):
    """A URL that may be empty (``""``), and says so in the schema: a plain URLField is
    documented as ``format: uri``, which an empty string breaks."""
