from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ContractStatus(models.TextChoices):
    """What is stored. Whether an active contract is expiring or expired follows from its
    dates (``ContractPhase``), so it is never stale."""

    DRAFT = "draft", _("Draft")
    ACTIVE = "active", _("Active")
    TERMINATED = "terminated", _("Terminated")


class ContractPhase(models.TextChoices):
    """The status people see: the stored one, with expiring and expired derived from dates."""

    DRAFT = "draft", _("Draft")
    ACTIVE = "active", _("Active")
    EXPIRING = "expiring", _("Expiring")
    EXPIRED = "expired", _("Expired")
    TERMINATED = "terminated", _("Terminated")


class DocumentKind(models.TextChoices):
    SIGNED = "signed", _("Signed contract")
    AMENDMENT = "amendment", _("Amendment")
    OTHER = "other", _("Other")


class Party(models.TextChoices):
    US = "us", _("Us")
    THEM = "them", _("The supplier")


class ObligationStatus(models.TextChoices):
    OPEN = "open", _("Open")
    MET = "met", _("Met")
    MISSED = "missed", _("Missed")
    WAIVED = "waived", _("Waived")


class Recurrence(models.TextChoices):
    NONE = "", _("Once")
    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")
    YEARLY = "yearly", _("Yearly")


RECURRENCE_MONTHS = {Recurrence.MONTHLY: 1, Recurrence.QUARTERLY: 3, Recurrence.YEARLY: 12}


class BenefitKind(models.TextChoices):
    SAVINGS = "savings", _("Savings")
    COST_AVOIDANCE = "cost_avoidance", _("Cost avoidance")
    QUALITY = "quality", _("Quality")
    OTHER = "other", _("Other")


class RenewalStage(models.TextChoices):
    """upcoming → under review → decided (renew / renegotiate / terminate) → done."""

    UPCOMING = "upcoming", _("Upcoming")
    UNDER_REVIEW = "under_review", _("Under review")
    DECIDED = "decided", _("Decided")
    DONE = "done", _("Done")


class RenewalChoice(models.TextChoices):
    RENEW = "renew", _("Renew")
    RENEGOTIATE = "renegotiate", _("Renegotiate")
    TERMINATE = "terminate", _("Terminate")


class VersionKind(models.TextChoices):
    CREATED = "created", _("Created")
    AMENDED = "amended", _("Amended")
    RENEWED = "renewed", _("Renewed")
