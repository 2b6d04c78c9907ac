from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class EscalationReason(models.TextChoices):
    OVERDUE_COMMITMENT = "overdue_commitment", _("Overdue commitment")
    POOR_REVIEW = "poor_review", _("Poor review")
    OVERDUE_REVIEW = "overdue_review", _("Overdue review")
    CONTRACT_RENEWAL = "contract_renewal", _("Contract renewal unattended")


class Severity(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    CRITICAL = "critical", _("Critical")


class EscalationStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    RESOLVED = "resolved", _("Resolved")


class StepKind(models.TextChoices):
    RAISED = "raised", _("Raised")
    NOTIFIED = "notified", _("Notified")
    CLIMBED = "climbed", _("Climbed")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    RESOLVED = "resolved", _("Resolved")
    SEVERITY = "severity", _("Severity changed")


class Level(models.IntegerChoices):
    OWNER = 1, _("Key-account owner")
    MANAGER = 2, _("Owner's manager")
    EXECUTIVE = 3, _("Executive sponsor or head of procurement")


class EscalationAction(models.TextChoices):
    """What someone may do to an escalation (escalations.permissions.escalation_actions)."""

    ACKNOWLEDGE = "acknowledge", _("Acknowledge")
    RESOLVE = "resolve", _("Resolve")


# The lifecycle: from each status, the actions possible (whoever asks). Acknowledging stops the
# climb; resolving closes it, from open or acknowledged; a resolved one is done.
_S, _A = EscalationStatus, EscalationAction
STATUS_ACTIONS: dict[str, frozenset[str]] = {
    _S.OPEN: frozenset({_A.ACKNOWLEDGE, _A.RESOLVE}),
    _S.ACKNOWLEDGED: frozenset({_A.RESOLVE}),
    _S.RESOLVED: frozenset(),
}
STATUS_TRANSITIONS: dict[str, frozenset[str]] = {
    _S.OPEN: frozenset({_S.ACKNOWLEDGED, _S.RESOLVED}),
    _S.ACKNOWLEDGED: frozenset({_S.RESOLVED}),
    _S.RESOLVED: frozenset(),
}
del _S, _A
