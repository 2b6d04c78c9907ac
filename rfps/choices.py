from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class RfpStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    # Open for responses: the first round, or a negotiation round for a shortlist.
    PUBLISHED = "published", _("Published")
    CLOSED = "closed", _("Closed")
    AWARDED = "awarded", _("Awarded")
    CANCELLED = "cancelled", _("Cancelled")


class BaselineKind(models.TextChoices):
    """What an award's expected saving is measured against."""

    FIRST_ROUND_MEDIAN = "first_round_median", _("Median of the first-round offers")
    BUDGET = "budget", _("Budget")
    NONE = "none", _("Nothing to compare with")


class RfpAction(models.TextChoices):
    """What the RFP page and the API offer on an RFP (``rfps.permissions.rfp_allowed_actions``)."""

    EDIT = "edit", _("Edit")
    PUBLISH = "publish", _("Publish")
    CLOSE = "close", _("Close now")
    CANCEL = "cancel", _("Cancel")
    NEW_ROUND = "new_round", _("Open a negotiation round")
    AWARD = "award", _("Award")
    SCORE = "score", _("Score")
    COMPARE = "compare", _("Compare proposals")
    ANSWER = "answer", _("Answer suppliers' questions")


class InvitationAction(models.TextChoices):
    """What the buyer may do for one invitee (``rfps.permissions.invitation_allowed_actions``)."""

    RESEND = "resend", _("Resend the invitation")
    ENTER_PROPOSAL = "enter_proposal", _("Enter a proposal received by email")


S, A = RfpStatus, RfpAction
# The lifecycle: from each status, where an RFP may go next. A closed RFP goes back to
# "published" when a negotiation round opens.
RFP_TRANSITIONS: dict[str, frozenset[str]] = {
    S.DRAFT: frozenset({S.PUBLISHED, S.CANCELLED}),
    S.PUBLISHED: frozenset({S.CLOSED, S.CANCELLED}),
    S.CLOSED: frozenset({S.PUBLISHED, S.AWARDED, S.CANCELLED}),
    S.AWARDED: frozenset(),
    S.CANCELLED: frozenset(),
}
# What may be done in each status (who may do it is in rfps.permissions).
RFP_STATUS_ACTIONS: dict[str, frozenset[str]] = {
    S.DRAFT: frozenset({A.EDIT, A.PUBLISH, A.CANCEL}),
    S.PUBLISHED: frozenset({A.CLOSE, A.CANCEL, A.SCORE, A.COMPARE, A.ANSWER}),
    S.CLOSED: frozenset({A.NEW_ROUND, A.AWARD, A.CANCEL, A.SCORE, A.COMPARE, A.ANSWER}),
    S.AWARDED: frozenset({A.COMPARE}),
    S.CANCELLED: frozenset({A.COMPARE}),
}
# What the buyer may do for an invitee, by the RFP's status: only while it takes responses.
INVITATION_STATUS_ACTIONS: dict[str, frozenset[str]] = {
    S.DRAFT: frozenset(),
    S.PUBLISHED: frozenset({InvitationAction.RESEND, InvitationAction.ENTER_PROPOSAL}),
    S.CLOSED: frozenset(),
    S.AWARDED: frozenset(),
    S.CANCELLED: frozenset(),
}
del S, A
