from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django import template

register = template.Library()


@register.filter
def get_item(mapping: Mapping[Any, Any] | None, key: Any) -> Any:
    """``{{ prices|get_item:line.pk }}``: a dict's value in a template; None when missing."""
    if not mapping:
        return None
    return mapping.get(key)


@register.filter
def plain(value: Decimal | None) -> str:
    """A quantity without trailing zeros or an exponent: 100, 2.5 (never 1E+2)."""
    if value is None:
        return ""
    return format(value.normalize(), "f")
