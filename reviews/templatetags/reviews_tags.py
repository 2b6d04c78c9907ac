"""Small lookups the review templates need."""

from __future__ import annotations

from typing import Any

from django import template

from reviews.models import Criterion

register = template.Library()


@register.filter
def lookup(mapping: dict[Any, Any] | None, key: Any) -> Any:
    """``mapping[key]``, or None."""
    return (mapping or {}).get(key)


@register.filter
def guidance(criterion: Criterion, score: Any) -> str:
    """The criterion's guidance for a score 1..5 ("" for "no data")."""
    try:
        return criterion.guidance_for(int(score))
    except (TypeError, ValueError):
        return ""


# Standings shown with the badge colours the stylesheet has: red for poor, amber for
# average, green for excellent.
_STANDING_BADGE = {
    "very_poor": "severity-critical",
    "poor": "severity-high",
    "average": "severity-medium",
    "excellent": "status-done",
}
# The chart's band shading, lightest tints of the same colours.
_STANDING_FILL = {
    "very_poor": "#fde2e0",
    "poor": "#fef3f2",
    "average": "#fffaeb",
    "excellent": "#ecfdf3",
}


@register.filter
def standing_badge(standing: str | None) -> str:
    return _STANDING_BADGE.get(standing or "", "")


@register.filter
def standing_fill(standing: str | None) -> str:
    return _STANDING_FILL.get(standing or "", "#f5f5f5")


@register.filter
def standing_label(standing: str | None) -> str:
    from reviews.choices import Standing

    return str(Standing(standing).label) if standing in Standing.values else ""
