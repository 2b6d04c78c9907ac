"""The RFPs panel of the supplier page, as a tag, so the supplier views import nothing of
RFPs. Shown to those who run RFPs; others see RFPs only where they are on the panel."""

from __future__ import annotations

from typing import Any

from django import template

from accounts.roles import Capability, user_can
from rfps.selectors import invitation_list_for_supplier
from suppliers.models import Supplier

register = template.Library()


@register.inclusion_tag("rfps/partials/_supplier_panel.html", takes_context=True)
def supplier_rfps_panel(context: template.Context, supplier: Supplier) -> dict[str, Any]:
    request = context["request"]
    if not user_can(request.user, Capability.RUN_RFPS):
        return {"show": False}
    invitations = invitation_list_for_supplier(user=request.user, supplier=supplier)
    return {"show": True, "supplier": supplier, "invitations": invitations}
