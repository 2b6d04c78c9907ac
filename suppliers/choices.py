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


class SupplierAction(models.TextChoices):
    """What may be done to a supplier (``permissions.allowed_actions``). The status moves are
    named after where they lead (``STATUS_ACTIONS``)."""

    EDIT = "edit", _("Edit")
    DELETE = "delete", _("Delete")
    CHANGE_STATUS = "change_status", _("Change the status")
    RETURN_TO_PROSPECT = "return_to_prospect", _("Back to prospect")
    ONBOARD = "onboard", _("Onboard")
    ACTIVATE = "activate", _("Activate")
    SUSPEND = "suspend", _("Suspend")
    OFFBOARD = "offboard", _("Offboard")
    ASSIGN_OWNERS = "assign_owners", _("Assign key-account roles")
    MANAGE_CONTACTS = "manage_contacts", _("Add, edit and remove contacts")


# The action that moves a supplier into each status (one entry of STATUS_TRANSITIONS).
STATUS_ACTIONS: dict[str, SupplierAction] = {
    SupplierStatus.PROSPECT: SupplierAction.RETURN_TO_PROSPECT,
    SupplierStatus.ONBOARDING: SupplierAction.ONBOARD,
    SupplierStatus.ACTIVE: SupplierAction.ACTIVATE,
    SupplierStatus.SUSPENDED: SupplierAction.SUSPEND,
    SupplierStatus.OFFBOARDED: SupplierAction.OFFBOARD,
}


class OwnershipAction(models.TextChoices):
    END = "end", _("End")


class ContactAction(models.TextChoices):
    EDIT = "edit", _("Edit")
    DELETE = "delete", _("Remove")
