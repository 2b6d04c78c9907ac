"""The contracts panel of the supplier page, as a tag: the supplier template shows it without
the supplier views importing the contract views."""

from __future__ import annotations

from typing import Any

from django import template

from contracts.views import supplier_panel_context
from suppliers.models import Supplier

register = template.Library()


@register.inclusion_tag("contracts/partials/_supplier_panel.html", takes_context=True)
def supplier_contracts_panel(context: template.Context, supplier: Supplier) -> dict[str, Any]:
    request = context["request"]
    return {"request": request, **supplier_panel_context(request, supplier)}
