from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class CriterionSource(models.TextChoices):
    RATED = "rated", _("Rated by people (1 to 5)")
    KPI = "kpi", _("Computed from a KPI")


class KpiCode(models.TextChoices):
    """The KPIs a criterion may be computed from. OTIF and rejection rate are computed from
    the ERP's delivery lines unless the ERP pushes a value; the others only come pushed."""

    OTIF = "otif", _("On time in full (%)")
    REJECTION_RATE = "rejection_rate", _("Rejection rate (%)")
    PRICE_VARIANCE = "price_variance", _("Price variance (%)")
    RESPONSE_HOURS = "response_hours", _("Response time (hours)")


class Standing(models.TextChoices):
    VERY_POOR = "very_poor", _("Very poor")
    POOR = "poor", _("Poor")
    AVERAGE = "average", _("Average")
    EXCELLENT = "excellent", _("Excellent")


# Standings that open a corrective action plan and an escalation.
POOR_STANDINGS = frozenset({Standing.POOR, Standing.VERY_POOR})


class Cadence(models.IntegerChoices):
    """How often a supplier is reviewed, in months; periods are aligned to the calendar."""

    QUARTERLY = 3, _("Quarterly")
    HALF_YEARLY = 6, _("Half-yearly")
    YEARLY = 12, _("Yearly")


class ReviewStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    IN_PROGRESS = "in_progress", _("In progress")
    SUBMITTED = "submitted", _("Submitted")


class RaterRole(models.TextChoices):
    OWNER = "owner", _("Owner")
    STAKEHOLDER = "stakeholder", _("Stakeholder")


class PlanStatus(models.TextChoices):
    OPEN = "open", _("Open")
    VERIFIED = "verified", _("Verified as effective")
    NOT_EFFECTIVE = "not_effective", _("Not effective")


class ActionStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


# Scores 1..5 as people give them.
SCORE_MIN, SCORE_MAX = 1, 5

# What the supplier is asked about us.
SURVEY_QUESTIONS: tuple[tuple[str, StrOrPromise], ...] = (
    ("communication", _("How well do we communicate with you?")),
    ("payment", _("How reliably do we pay on time?")),
    ("forecasting", _("How good are our forecasts and planning?")),
    ("collaboration", _("How well do we collaborate and act on your ideas?")),
)


class ReviewAction(models.TextChoices):
    """What may be done to a review (``reviews.permissions.review_actions``)."""

    SCORE = "score", _("Score")
    INVITE = "invite", _("Invite a rater")
    SUBMIT = "submit", _("Submit")
    REOPEN = "reopen", _("Reopen")


class PlanAction(models.TextChoices):
    """What may be done to a corrective action plan."""

    CHANGE = "change", _("Change")
    ADD_ACTION = "add_action", _("Add an action")
    VERIFY = "verify", _("Verify")


class CorrectiveActionAction(models.TextChoices):
    """What may be done to one action of a plan: its status changes, by name."""

    COMPLETE = "complete", _("Mark done")
    CANCEL = "cancel", _("Cancel")
    REOPEN = "reopen", _("Open again")


R = ReviewStatus
# The review's lifecycle: scoring starts it, submitting locks it, a procurement manager's
# reopening unlocks it (services.review_reopen).
REVIEW_TRANSITIONS: dict[str, frozenset[str]] = {
    R.SCHEDULED: frozenset({R.IN_PROGRESS, R.SUBMITTED}),
    R.IN_PROGRESS: frozenset({R.SUBMITTED}),
    R.SUBMITTED: frozenset({R.IN_PROGRESS}),
}
# And what each status allows: an open review is scored, gets raters and is submitted; a
# submitted one is only reopened.
REVIEW_ACTIONS: dict[str, frozenset[str]] = {
    R.SCHEDULED: frozenset({ReviewAction.SCORE, ReviewAction.INVITE, ReviewAction.SUBMIT}),
    R.IN_PROGRESS: frozenset({ReviewAction.SCORE, ReviewAction.INVITE, ReviewAction.SUBMIT}),
    R.SUBMITTED: frozenset({ReviewAction.REOPEN}),
}
del R

P = PlanStatus
# A plan is worked on while open and closed by its verification, either way, for good.
PLAN_TRANSITIONS: dict[str, frozenset[str]] = {
    P.OPEN: frozenset({P.VERIFIED, P.NOT_EFFECTIVE}),
    P.VERIFIED: frozenset(),
    P.NOT_EFFECTIVE: frozenset(),
}
PLAN_ACTIONS: dict[str, frozenset[str]] = {
    P.OPEN: frozenset({PlanAction.CHANGE, PlanAction.ADD_ACTION, PlanAction.VERIFY}),
    P.VERIFIED: frozenset(),
    P.NOT_EFFECTIVE: frozenset(),
}
del P

A = ActionStatus
# An action is done or cancelled, and either may be opened again.
ACTION_TRANSITIONS: dict[str, frozenset[str]] = {
    A.OPEN: frozenset({A.DONE, A.CANCELLED}),
    A.DONE: frozenset({A.OPEN}),
    A.CANCELLED: frozenset({A.OPEN}),
}
# The status each of an action's actions leads to.
ACTION_TARGETS: dict[str, str] = {
    CorrectiveActionAction.COMPLETE: A.DONE,
    CorrectiveActionAction.CANCEL: A.CANCELLED,
    CorrectiveActionAction.REOPEN: A.OPEN,
}
del A
