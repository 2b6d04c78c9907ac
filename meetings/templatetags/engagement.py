"""How long ago we last met, in words people read."""

from __future__ import annotations

from datetime import datetime

from django import template
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

register = template.Library()


@register.filter
def days_ago(moment: datetime | None) -> str:
    """ "today", "3 days ago", or "never" when there is no moment."""
    if moment is None:
        return _("never")
    days = (timezone.now() - moment).days
    if days <= 0:
        return _("today")
    return ngettext("%(days)s day ago", "%(days)s days ago", days) % {"days": days}


@register.filter
def every_days(days: int | None) -> str:
    """A policy's interval: "every 30 days", or "not required" when it has none."""
    if days is None:
        return _("not required")
    return ngettext("at least every %(days)s day", "at least every %(days)s days", days) % {
        "days": days
    }
