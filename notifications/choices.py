from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class NotificationKind(models.TextChoices):
    """What a notification is about; each kind has its email templates under
    templates/notifications/email/<kind>.{txt,html}."""

    COMMITMENT_DUE = "commitment_due", _("Commitment due")
    COMMITMENT_OVERDUE = "commitment_overdue", _("Commitment overdue")
    COMMITMENT_CHASE = "commitment_chase", _("Supplier commitment to chase")
    ESCALATION = "escalation", _("Escalation")
