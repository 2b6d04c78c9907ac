from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class SupplierStatus(models.TextChoices):
    PROSPECT = "prospect", _("Prospect")
    ONBOARDING = "onboarding", _("Onboarding")
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    OFFBOARDED = "offboarded", _("Offboarded")


class Segment(models.TextChoices):
    """The Kraljic matrix: profit impact against supply risk."""

    STRATEGIC = "strategic", _("Strategic")
    LEVERAGE = "leverage", _("Leverage")
    BOTTLENECK = "bottleneck", _("Bottleneck")
    ROUTINE = "routine", _("Routine")


class RiskLevel(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    CRITICAL = "critical", _("Critical")


class OwnershipRole(models.TextChoices):
    OWNER = "owner", _("Owner")
    BACKUP = "backup", _("Backup")
    EXECUTIVE_SPONSOR = "executive_sponsor", _("Executive sponsor")


S = SupplierStatus
# The lifecycle: from each status, where a supplier may go next. Leaving "offboarded" is
# allowed only with a reason (see services.supplier_change_status).
STATUS_TRANSITIONS: dict[str, frozenset[str]] = {
    S.PROSPECT: frozenset({S.ONBOARDING, S.ACTIVE, S.OFFBOARDED}),
    S.ONBOARDING: frozenset({S.PROSPECT, S.ACTIVE, S.OFFBOARDED}),
    S.ACTIVE: frozenset({S.SUSPENDED, S.OFFBOARDED}),
    S.SUSPENDED: frozenset({S.ACTIVE, S.OFFBOARDED}),
    S.OFFBOARDED: frozenset({S.PROSPECT, S.ONBOARDING, S.ACTIVE}),
}
del S
