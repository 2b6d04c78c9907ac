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
