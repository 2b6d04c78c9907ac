"""Every read of reviews, corrective actions and ERP delivery data that pages and the API
share. Reviews are visible to procurement managers and executives (every review), the
supplier's current key-account owners and the review's raters; nobody else, and an object
one may not see is a 404."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone

from accounts.roles import Capability, user_can
from escalations.choices import EscalationReason
from escalations.models import Escalation
from reviews.choices import ActionStatus, PlanStatus, ReviewStatus
from reviews.models import (
    CorrectiveAction,
    CorrectiveActionPlan,
    Criterion,
    CriterionResult,
    DeliveryLine,
    KpiValue,
    Rater,
    Review,
    ReviewScore,
    ScorecardTemplate,
    SupplierSurvey,
    SurveyAnswer,
)
from suppliers.models import KeyAccountOwnership, Supplier
from suppliers.selectors import AnyUser, supplier_visible


def _uid(user: AnyUser) -> int:
    return int(user.pk or 0)


def _owns_supplier(user: AnyUser, supplier_ref: str) -> Exists:
    return Exists(KeyAccountOwnership.objects.current().held_by(user).of_outer(supplier_ref))


def review_visible(*, user: AnyUser) -> QuerySet[Review]:
    if not user.is_authenticated or not user_can(user, Capability.VIEW_PORTFOLIO):
        return Review.objects.none()
    if user_can(user, Capability.VIEW_CONFIDENTIAL):
        return Review.objects.all()
    if user_can(user, Capability.SYNC_ERP):
        # The ERP pulls review results (PRODUCT.md): submitted reviews, never work in progress.
        return Review.objects.filter(status=ReviewStatus.SUBMITTED)
    rated = Exists(Rater.objects.filter(review_id=OuterRef("pk"), user_id=_uid(user)))
    return Review.objects.filter(Q(_owns_supplier(user, "supplier_id")) | Q(rated))


def review_list(*, user: AnyUser, filters: Mapping[str, Any] | None = None) -> QuerySet[Review]:
    """Reviews with what a row shows, in one query, soonest due first, filtered as the page
    and the API ask."""
    queryset = (
        review_visible(user=user)
        .select_related("supplier", "owner", "template")
        .order_by("due_date", "id")
    )
    if filters is not None:
        from reviews.filtersets import ReviewFilterSet

        queryset = ReviewFilterSet(filters, queryset=queryset).qs
    return queryset


def review_get(*, user: AnyUser, pk: int) -> Review:
    try:
        return (
            review_list(user=user)
            .prefetch_related(
                Prefetch("raters", queryset=Rater.objects.select_related("user")),
                Prefetch(
                    "results",
                    queryset=CriterionResult.objects.select_related("criterion"),
                ),
            )
            .get(pk=pk)
        )
    except Review.DoesNotExist:
        raise Http404 from None


def may_see_reviews_of(*, user: AnyUser, supplier: Supplier) -> bool:
    """Whether the user sees the supplier's reviews as a whole (not just ones they rate):
    those who see every review, and the supplier's current key-account people."""
    if not user_can(user, Capability.VIEW_PORTFOLIO):
        return False
    return (
        user_can(user, Capability.VIEW_CONFIDENTIAL)
        or KeyAccountOwnership.objects.current().held_by(user).filter(supplier=supplier).exists()
    )


def my_reviews_to_do(*, user: AnyUser) -> QuerySet[Review]:
    """Open reviews the user owns, or is invited to and has not scored yet; soonest due first."""
    pending = Exists(
        Rater.objects.filter(review_id=OuterRef("pk"), user_id=_uid(user), scored_at__isnull=True)
    )
    return (
        review_list(user=user)
        .exclude(status=ReviewStatus.SUBMITTED)
        .filter(Q(owner_id=user.pk) | Q(pending))
        .order_by("due_date", "id")
    )


def overdue_q(today: date | None = None) -> Q:
    """Open reviews past their due date: the one definition pages, API and dashboard use."""
    return ~Q(status=ReviewStatus.SUBMITTED) & Q(due_date__lt=today or timezone.localdate())


def template_list() -> QuerySet[ScorecardTemplate]:
    return ScorecardTemplate.objects.prefetch_related(
        Prefetch("criteria", queryset=Criterion.objects.order_by("position", "id")),
        "bands",
    )


def template_get(*, pk: int) -> ScorecardTemplate:
    try:
        return template_list().get(pk=pk)
    except ScorecardTemplate.DoesNotExist:
        raise Http404 from None


def criteria_of(review: Review) -> list[Criterion]:
    return list(Criterion.objects.filter(template_id=review.template_id).order_by("position", "id"))


def rater_of(*, review: Review, user: AnyUser) -> Rater | None:
    return Rater.objects.filter(review=review, user_id=_uid(user)).first()


def scores_of(rater: Rater | None) -> dict[int, ReviewScore]:
    if rater is None:
        return {}
    return {score.criterion_id: score for score in rater.scores.all()}


def previous_review(review: Review) -> Review | None:
    """The supplier's last submitted review before this one, with its results."""
    return (
        Review.objects.filter(
            supplier_id=review.supplier_id,
            status=ReviewStatus.SUBMITTED,
            period_end__lt=review.period_start,
        )
        .prefetch_related(Prefetch("results", queryset=CriterionResult.objects.all()))
        .order_by("-period_end")
        .first()
    )


# --- Scorecard ----------------------------------------------------------------------------


@dataclass
class ScorecardRow:
    review: Review
    by_criterion: dict[str, Decimal | None]  # criterion key -> score 0..100 (None: no data)


def supplier_scorecard(*, user: AnyUser, supplier: Supplier, limit: int = 12) -> list[ScorecardRow]:
    """The supplier's submitted reviews, oldest first, each with its criterion scores by key,
    in two queries."""
    reviews = list(
        review_visible(user=user)
        .filter(supplier=supplier, status=ReviewStatus.SUBMITTED)
        .select_related("template")
        .prefetch_related(
            Prefetch("results", queryset=CriterionResult.objects.select_related("criterion"))
        )
        .order_by("-period_end")[:limit]
    )
    rows = [
        ScorecardRow(
            review=review,
            by_criterion={result.criterion.key: result.score for result in review.results.all()},
        )
        for review in reversed(reviews)
    ]
    return rows


# --- Corrective actions -------------------------------------------------------------------


def plan_visible(*, user: AnyUser) -> QuerySet[CorrectiveActionPlan]:
    """The plans of the reviews one may see, and those with an action one owns: its owner is
    told of it and must be able to open the plan and mark the action done (not the review)."""
    if not user.is_authenticated or not user_can(user, Capability.VIEW_PORTFOLIO):
        return CorrectiveActionPlan.objects.none()
    owns_action = Exists(
        CorrectiveAction.objects.filter(plan_id=OuterRef("pk"), owner_user_id=_uid(user))
    )
    return CorrectiveActionPlan.objects.filter(
        Q(review__in=review_visible(user=user)) | Q(owns_action)
    )


def _poor_review_escalation() -> QuerySet[Escalation]:
    """The escalation a plan's poor review raised, newest first. It stays open (climbing its
    ladder) until the plan is verified as effective at a later review, or someone resolves it
    by hand: a plan found not effective leaves it open."""
    return Escalation.objects.filter(
        # Named, not looked up: building the queryset runs no query of its own.
        content_type__app_label=Review._meta.app_label,
        content_type__model=Review._meta.model_name,
        object_id=OuterRef("review_id"),
        reason=EscalationReason.POOR_REVIEW,
    ).order_by("-raised_at", "-id")


def plan_list(
    *, user: AnyUser, filters: Mapping[str, Any] | None = None
) -> QuerySet[CorrectiveActionPlan]:
    """Corrective action plans with their supplier, review, actions and the escalation their
    review raised (``escalation_id``, ``escalation_status``), and whether a later review exists
    (``has_later_review``): two queries."""
    escalation = _poor_review_escalation()
    queryset = (
        plan_visible(user=user)
        .annotate(
            escalation_id=Subquery(escalation.values("pk")[:1]),
            escalation_status=Subquery(escalation.values("status")[:1]),
            # Where the plan may be verified (permissions.plan_actions), in the same query.
            has_later_review=Exists(
                Review.objects.filter(
                    supplier_id=OuterRef("supplier_id"),
                    period_start__gt=OuterRef("review__period_end"),
                )
            ),
        )
        .select_related("supplier", "review")
        .prefetch_related(
            Prefetch(
                "actions",
                queryset=CorrectiveAction.objects.select_related("owner_user", "owner_contact"),
            )
        )
        .order_by("-created_at", "-id")
    )
    if filters is not None:
        from reviews.filtersets import CorrectiveActionPlanFilterSet

        queryset = CorrectiveActionPlanFilterSet(filters, queryset=queryset).qs
    return queryset


def plan_get(*, user: AnyUser, pk: int) -> CorrectiveActionPlan:
    try:
        return plan_list(user=user).select_related("verified_in", "verified_by").get(pk=pk)
    except CorrectiveActionPlan.DoesNotExist:
        raise Http404 from None


def open_plans_of(*, supplier: Supplier) -> QuerySet[CorrectiveActionPlan]:
    return CorrectiveActionPlan.objects.filter(supplier=supplier, status=PlanStatus.OPEN)


def action_visible(*, user: AnyUser) -> QuerySet[CorrectiveAction]:
    return CorrectiveAction.objects.filter(plan__in=plan_visible(user=user))


def open_action_q() -> Q:
    return Q(status=ActionStatus.OPEN)


# --- ERP data -----------------------------------------------------------------------------


def _evidence_visible(user: AnyUser, queryset: QuerySet[Any]) -> QuerySet[Any]:
    """The ERP's delivery lines or KPI values one may read: they are the evidence of reviews,
    so as for reviews, procurement managers and executives read all of it (and the ERP what it
    pushes); others only that of the suppliers they hold a key-account role for or whose
    reviews they rate."""
    if not user.is_authenticated or not user_can(user, Capability.VIEW_PORTFOLIO):
        return queryset.none()
    if user_can(user, Capability.VIEW_CONFIDENTIAL) or user_can(user, Capability.SYNC_ERP):
        return queryset
    rates = Exists(
        Rater.objects.filter(review__supplier_id=OuterRef("supplier_id"), user_id=_uid(user))
    )
    return queryset.filter(Q(_owns_supplier(user, "supplier_id")) | Q(rates))


def delivery_list(*, user: AnyUser) -> QuerySet[DeliveryLine]:
    return _evidence_visible(user, DeliveryLine.objects.select_related("supplier"))


def kpi_value_list(*, user: AnyUser) -> QuerySet[KpiValue]:
    return _evidence_visible(user, KpiValue.objects.select_related("supplier"))


# --- Surveys ------------------------------------------------------------------------------


def survey_answer_list(*, user: AnyUser) -> QuerySet[SurveyAnswer]:
    """The suppliers' answers to our customer-of-choice survey, newest first, for whoever may
    read the supplier: the scorecard and supplier pages show the latest answer to everyone who
    views the portfolio, so the API shows every answer to them. One query."""
    return (
        SurveyAnswer.objects.filter(survey__supplier__in=supplier_visible(user=user))
        .select_related("survey")
        .order_by("-answered_at", "-id")
    )


def latest_survey_answer(*, supplier: Supplier) -> SupplierSurvey | None:
    """The supplier's latest answered survey: their rating of us."""
    return (
        SupplierSurvey.objects.filter(supplier=supplier, answer__isnull=False)
        .select_related("answer")
        .order_by("-answer__answered_at")
        .first()
    )


def review_score_list(*, user: AnyUser) -> QuerySet[ReviewScore]:
    """Scores of the reviews one may see, each with its rater. Raters score independently:
    until a review is submitted, each sees only their own scores."""
    return (
        ReviewScore.objects.filter(rater__review__in=review_visible(user=user))
        .filter(Q(rater__user_id=_uid(user)) | Q(rater__review__status=ReviewStatus.SUBMITTED))
        .select_related("rater__user")
    )
