"""Who may act on a review or a corrective action plan: one rule for pages and the API."""

from __future__ import annotations

from accounts.models import User
from accounts.roles import Capability, user_can
from reviews.models import CorrectiveActionPlan, Review


def may_manage(review: Review, user: User) -> bool:
    """The review's owner, or a procurement manager, may invite, submit and act on results."""
    if not user_can(user, Capability.CHANGE_DATA):
        return False
    return review.owner_id == user.pk or user_can(user, Capability.MANAGE_PORTFOLIO)


def may_manage_plan(plan: CorrectiveActionPlan, user: User) -> bool:
    return may_manage(plan.review, user)
