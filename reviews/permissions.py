"""Who may act on a review, a corrective action plan or one of its actions: one rule for
services, pages, the API and templates. The predicates answer *who*; the lifecycle tables in
``reviews.choices`` answer *when*; ``*_actions`` combine both (see ``core.permissions``)."""

from __future__ import annotations

from collections.abc import Iterable

from accounts.roles import Capability, user_can
from core.permissions import actions_for
from reviews.choices import (
    ACTION_TARGETS,
    ACTION_TRANSITIONS,
    PLAN_ACTIONS,
    REVIEW_ACTIONS,
    CorrectiveActionAction,
    PlanAction,
    ReviewAction,
)
from reviews.models import CorrectiveAction, CorrectiveActionPlan, Rater, Review
from suppliers.selectors import AnyUser

# --- Reviews ------------------------------------------------------------------------------


def may_manage(user: AnyUser, review: Review) -> bool:
    """The review's owner, or a procurement manager, may invite, submit and act on results."""
    if not user_can(user, Capability.CHANGE_DATA):
        return False
    return review.owner_id == user.pk or user_can(user, Capability.MANAGE_PORTFOLIO)


def may_invite(user: AnyUser, review: Review) -> bool:
    return may_manage(user, review)


def may_submit(user: AnyUser, review: Review) -> bool:
    return may_manage(user, review)


def is_rater(user: AnyUser, review: Review) -> bool:
    """Whether the user is invited to score the review; reads the prefetched raters when the
    selector loaded them."""
    cache = getattr(review, "_prefetched_objects_cache", {})
    if "raters" in cache:
        return any(rater.user_id == user.pk for rater in cache["raters"])
    return Rater.objects.filter(review=review, user_id=user.pk or 0).exists()


def may_score(user: AnyUser, review: Review) -> bool:
    """Raters score independently, each their own scores, if they may write at all."""
    return user_can(user, Capability.CHANGE_DATA) and is_rater(user, review)


def may_reopen(user: AnyUser, review: Review) -> bool:
    """Only a procurement manager unlocks a submitted review."""
    return user_can(user, Capability.MANAGE_PORTFOLIO) and user_can(user, Capability.CHANGE_DATA)


def may_revise_template(user: AnyUser) -> bool:
    """Procurement managers change scorecard templates (which makes a new version)."""
    return user_can(user, Capability.MANAGE_PORTFOLIO) and user_can(user, Capability.CHANGE_DATA)


_REVIEW_WHO = {
    ReviewAction.SCORE: may_score,
    ReviewAction.INVITE: may_invite,
    ReviewAction.SUBMIT: may_submit,
    ReviewAction.REOPEN: may_reopen,
}


@actions_for(Review, actions=ReviewAction)
def review_actions(review: Review, user: AnyUser) -> Iterable[str]:
    possible = REVIEW_ACTIONS[review.status]
    return [action for action in possible if _REVIEW_WHO[ReviewAction(action)](user, review)]


# --- Corrective action plans --------------------------------------------------------------


def may_manage_plan(user: AnyUser, plan: CorrectiveActionPlan) -> bool:
    """Those who manage the plan's review change the plan, add actions and verify it."""
    return may_manage(user, plan.review)


def has_later_review(plan: CorrectiveActionPlan) -> bool:
    """Whether the supplier has a review after the plan's (where the plan is verified); read
    from ``selectors.plan_list``'s annotation when present."""
    annotated = getattr(plan, "has_later_review", None)
    if annotated is not None:
        return bool(annotated)
    return Review.objects.filter(
        supplier_id=plan.supplier_id, period_start__gt=plan.review.period_end
    ).exists()


@actions_for(CorrectiveActionPlan, actions=PlanAction)
def plan_actions(plan: CorrectiveActionPlan, user: AnyUser) -> Iterable[str]:
    possible = set(PLAN_ACTIONS[plan.status])
    if not possible or not may_manage_plan(user, plan):
        return []
    if PlanAction.VERIFY in possible and not has_later_review(plan):
        possible.discard(PlanAction.VERIFY)
    return possible


def may_set_action_status(user: AnyUser, action: CorrectiveAction) -> bool:
    """The plan's managers, or the action's own owner (ours), mark it done or cancelled."""
    if action.owner_user_id is not None and action.owner_user_id == user.pk:
        return user_can(user, Capability.CHANGE_DATA)
    return may_manage_plan(user, action.plan)


@actions_for(CorrectiveAction, actions=CorrectiveActionAction)
def corrective_action_actions(action: CorrectiveAction, user: AnyUser) -> Iterable[str]:
    if not may_set_action_status(user, action):
        return []
    reachable = ACTION_TRANSITIONS[action.status]
    return [name for name, target in ACTION_TARGETS.items() if target in reachable]
