from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class MeetingKind(models.TextChoices):
    IN_PERSON = "in_person", _("In-person visit")
    VIDEO_CALL = "video_call", _("Video call")
    PHONE_CALL = "phone_call", _("Phone call")
    QUARTERLY_BUSINESS_REVIEW = "qbr", _("Quarterly business review")
    SITE_AUDIT = "site_audit", _("Site audit")
    OTHER = "other", _("Other")


# Kinds where people sit in one room: they count towards the in-person part of the policy.
IN_PERSON_KINDS = frozenset(
    {MeetingKind.IN_PERSON, MeetingKind.QUARTERLY_BUSINESS_REVIEW, MeetingKind.SITE_AUDIT}
)


class CommitmentSide(models.TextChoices):
    OURS = "ours", _("Ours")
    THEIRS = "theirs", _("Theirs")


class CommitmentStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class MeetingAction(models.TextChoices):
    """What may be done to a logged meeting (``meetings.permissions.meeting_actions``)."""

    CHANGE = "change", _("Edit")
    DELETE = "delete", _("Delete")


class CommitmentAction(models.TextChoices):
    """What may be done to a commitment: it is closed one way or the other, never edited."""

    COMPLETE = "complete", _("Mark done")
    CANCEL = "cancel", _("Cancel")


S = CommitmentStatus
# A commitment's lifecycle: open until it is done or cancelled, and closed for good then.
COMMITMENT_TRANSITIONS: dict[str, frozenset[str]] = {
    S.OPEN: frozenset({S.DONE, S.CANCELLED}),
    S.DONE: frozenset(),
    S.CANCELLED: frozenset(),
}
# The status each action leads to; an action is possible while its target is reachable.
COMMITMENT_TARGETS: dict[str, str] = {
    CommitmentAction.COMPLETE: S.DONE,
    CommitmentAction.CANCEL: S.CANCELLED,
}
del S
