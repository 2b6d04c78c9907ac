"""Serializer fields the whole API shares: dates bounded to what the product accepts
(``core.dates``); the schema says so in the field's description."""

from __future__ import annotations

from typing import Any

from django.utils.functional import lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.drainage import set_override
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.dates import DATE_MAX, DATE_MIN, validate_date_in_range
from core.permissions import allowed_actions


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
    {"type": "string", "description": "A URL, or an empty string when there is none."}
)
class BlankableURLField(serializers.URLField):
    """A URL that may be empty (``""``), and says so in the schema: no ``format: uri``, which
    an empty string breaks (the rule of ``core.api.schema`` for every field that may be
    blank)."""


class AllowedActionsField(serializers.Field):
    """Read-only: the actions the caller may take on the object now, from the model's one
    ``allowed_actions`` (``core.permissions``), so a client shows the same buttons as the page.
    ``choices`` (the model's action TextChoices) documents the names in the schema."""

    def __init__(self, *, choices: Any, **kwargs: Any) -> None:
        kwargs.setdefault("source", "*")
        kwargs.setdefault(
            "help_text", gettext_lazy("What you may do to this object now, by action name.")
        )
        super().__init__(read_only=True, **kwargs)
        self.choices = choices
        set_override(
            self,
            "field",
            {
                "type": "array",
                "items": {"type": "string", "enum": sorted(str(c) for c in choices)},
                "readOnly": True,
            },
        )

    def to_representation(self, value: Any) -> list[str]:
        request = self.context.get("request")
        return sorted(allowed_actions(value, getattr(request, "user", None)))


@extend_schema_field(OpenApiTypes.INT)
class VisibleRelatedField(serializers.PrimaryKeyRelatedField):
    """An id among what the caller may see: ``selector(user=<the caller>)`` gives the queryset,
    so an object outside it is answered as if it did not exist, and narrowing visibility in
    the selector narrows every serializer that takes one."""

    def __init__(self, *, selector: Any, **kwargs: Any) -> None:
        self.selector = selector
        super().__init__(**kwargs)

    def get_queryset(self) -> Any:
        return self.selector(user=self.context["request"].user)
