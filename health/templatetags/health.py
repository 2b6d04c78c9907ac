"""Supplier health on the supplier page (``{% supplier_health_panel supplier %}``) and as a
badge in lists (``{% health_badge supplier %}`` for rows annotated by health.selectors)."""

from __future__ import annotations

from typing import Any

from django import template

from health.selectors import band_of, health_of, supplier_health
from suppliers.models import Supplier

register = template.Library()

# Existing badge colours: green, amber, red.
BAND_CLASSES = {"good": "status-active", "fair": "status-suspended", "poor": "risk-high"}


@register.inclusion_tag("health/partials/_supplier_health.html", takes_context=True)
def supplier_health_panel(context: template.Context, supplier: Supplier) -> dict[str, Any]:
    request = context["request"]
    health = supplier_health(user=request.user, supplier=supplier)
    return {
        "request": request,
        "supplier": supplier,
        "health": health,
        "band_class": BAND_CLASSES[health.band],
    }


@register.inclusion_tag("health/partials/_health_badge.html")
def health_badge(supplier: Supplier) -> dict[str, Any]:
    score = getattr(supplier, "health_score", None)
    if score is None:
        return {"score": None}
    band, label = band_of(int(score))
    return {"score": int(score), "band_label": label, "band_class": BAND_CLASSES[band]}


@register.simple_tag
def weakest_part(supplier: Supplier) -> str:
    """The part of an annotated supplier's health that loses the most points, with why."""
    health = health_of(supplier)
    part = min(health.parts, key=lambda part: part.points - part.maximum)
    if part.points == part.maximum:
        return "—"
    return f"{part.name}: {part.why}"
