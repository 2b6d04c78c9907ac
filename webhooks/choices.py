from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


class EndpointAction(models.TextChoices):
    """What may be done to an endpoint (webhooks.permissions.endpoint_actions)."""

    EDIT = "edit", _("Edit")
    DISABLE = "disable", _("Disable")
    ENABLE = "enable", _("Enable")
    SEND_TEST = "send_test", _("Send test event")
    ROTATE_SECRET = "rotate_secret", _("Rotate secret")
    DELETE = "delete", _("Delete")


class DeliveryAction(models.TextChoices):
    REDELIVER = "redeliver", _("Redeliver")
