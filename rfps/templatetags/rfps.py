from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import template

register = template.Library()


@register.filter
def get_item(mapping: Mapping[Any, Any] | None, key: Any) -> Any:
    """``{{ prices|get_item:line.pk }}``: a dict's value in a template; None when missing."""
    if not mapping:
        return None
    return mapping.get(key)
