from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ContractStatus(models.TextChoices):
    """What is stored. Whether an active contract is expiring or expired follows from its
    dates (``ContractPhase``), so it is never stale."""

    DRAFT = "draft", _("Draft")
    ACTIVE = "active", _("Active")
    TERMINATED = "terminated", _("Terminated")


class ContractAction(models.TextChoices):
    """What may be done to a contract (``contracts.permissions.contract_actions``)."""

    AMEND = "amend", _("Amend")
    ACTIVATE = "activate", _("Activate")
    RENEW = "renew", _("Renew")
    TERMINATE = "terminate", _("Terminate")
    DECIDE_RENEWAL = "decide_renewal", _("Record the renewal decision")
    ADD_OBLIGATION = "add_obligation", _("Add an obligation")
    ADD_BENEFIT = "add_benefit", _("Add a benefit")
    UPLOAD_DOCUMENT = "upload_document", _("Upload a document")


C, A = ContractStatus, ContractAction
# The lifecycle: draft → active → terminated (a draft may be withdrawn: terminated at once).
CONTRACT_TRANSITIONS: dict[str, frozenset[str]] = {
    C.DRAFT: frozenset({C.ACTIVE, C.TERMINATED}),
    C.ACTIVE: frozenset({C.TERMINATED}),
    C.TERMINATED: frozenset(),
}
# From each status, what may be done (who may is contracts.permissions). Renewing and the
# renewal decision also need an end date, and no termination given (see the permissions).
CONTRACT_STATUS_ACTIONS: dict[str, frozenset[str]] = {
    C.DRAFT: frozenset(
        {A.AMEND, A.ACTIVATE, A.TERMINATE, A.ADD_OBLIGATION, A.ADD_BENEFIT, A.UPLOAD_DOCUMENT}
    ),
    C.ACTIVE: frozenset(
        {
            A.AMEND,
            A.RENEW,
            A.TERMINATE,
            A.DECIDE_RENEWAL,
            A.ADD_OBLIGATION,
            A.ADD_BENEFIT,
            A.UPLOAD_DOCUMENT,
        }
    ),
    C.TERMINATED: frozenset({A.ADD_OBLIGATION, A.ADD_BENEFIT, A.UPLOAD_DOCUMENT}),
}
del C, A


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


class ObligationAction(models.TextChoices):
    RECORD = "record", _("Record how it went")


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


R = RenewalStage
# The renewal decision moves one stage on at a time; done is the end of the term's decision.
RENEWAL_TRANSITIONS: dict[str, frozenset[str]] = {
    R.UPCOMING: frozenset({R.UNDER_REVIEW}),
    R.UNDER_REVIEW: frozenset({R.DECIDED}),
    R.DECIDED: frozenset({R.DONE}),
    R.DONE: frozenset(),
}
del R


class BenefitAction(models.TextChoices):
    RECORD_REALISATION = "record_realisation", _("Record a period")


class RenewalChoice(models.TextChoices):
    RENEW = "renew", _("Renew")
    RENEGOTIATE = "renegotiate", _("Renegotiate")
    TERMINATE = "terminate", _("Terminate")


class VersionKind(models.TextChoices):
    CREATED = "created", _("Created")
    AMENDED = "amended", _("Amended")
    RENEWED = "renewed", _("Renewed")
    TERMINATING = "terminating", _("Termination given")
    TERMINATED = "terminated", _("Terminated")
