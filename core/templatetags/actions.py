"""``{% allowed_actions obj as can %}``: what the signed-in user may do to ``obj`` now, from the
model's one ``allowed_actions`` (see ``core.permissions``). Then ``{% if can.award %}``."""

from __future__ import annotations

from django import template
from django.db.models import Model

from core.permissions import Allowed
from core.permissions import allowed_actions as _allowed_actions

register = template.Library()


@register.simple_tag(takes_context=True, name="allowed_actions")
def allowed_actions_tag(context: template.Context, obj: Model) -> Allowed:
    request = context.get("request")
    user = getattr(request, "user", None) if request is not None else context.get("user")
    return _allowed_actions(obj, user)
