"""Reviews: creating them with their raters, scoring, submitting (which locks), reopening, and
what a poor result sets in motion."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from accounts.roles import Capability, user_can
from core.exceptions import DomainError
from core.text import LazyFormat
from escalations.choices import EscalationReason
from escalations.messages import (
    poor_review_summary,
    review_no_longer_poor_resolution,
    review_submitted_resolution,
)
from escalations.services import escalation_raise, escalation_resolve_for
from notifications.choices import NotificationKind
from notifications.services import notification_create
from reviews import scoring
from reviews.choices import (
    POOR_STANDINGS,
    REVIEW_ACTIONS,
    SCORE_MAX,
    SCORE_MIN,
    CriterionSource,
    RaterRole,
    ReviewAction,
    ReviewStatus,
    Standing,
)
from reviews.kpis import kpi_figures
from reviews.models import (
    Criterion,
    CriterionResult,
    Rater,
    Review,
    ReviewPolicy,
    ReviewScore,
    ScorecardTemplate,
)
from reviews.permissions import may_invite, may_reopen, may_score, may_submit
from reviews.services.plans import plan_open
from reviews.services.surveys import survey_send
from reviews.services.templates import bands_of, current_template
from suppliers.choices import OwnershipRole
from suppliers.models import KeyAccountOwnership, Supplier
from webhooks.events import emit


class ReviewLockedError(DomainError):
    code = "review_locked"


class ReviewNotRaterError(DomainError):
    code = "not_a_rater"
    status_code = 403


# --- Creating reviews ---------------------------------------------------------------------


def review_stakeholders(supplier: Supplier) -> tuple[User | None, list[User]]:
    """The supplier's current owner, and the other current key-account people (backup,
    executive sponsor) who are invited to score."""
    owner: User | None = None
    others: list[User] = []
    for ownership in KeyAccountOwnership.objects.filter(
        supplier=supplier, until__isnull=True, user__is_active=True
    ).select_related("user"):
        if ownership.role == OwnershipRole.OWNER:
            owner = ownership.user
        elif ownership.user not in others:
            others.append(ownership.user)
    # Only people who may write can score: an executive sponsor reads, and is not invited.
    scorers = [user for user in others if user != owner and user_can(user, Capability.CHANGE_DATA)]
    return owner, scorers


@transaction.atomic
def review_create(
    *,
    supplier: Supplier,
    period_start: date,
    period_end: date,
    due_date: date,
    template: ScorecardTemplate | None = None,
) -> Review:
    """Creates the supplier's review of a period, assigned to its current key-account owner,
    with the other key-account people invited to score and the supplier's survey sent.
    Raises IntegrityError when the period has its review already."""
    if template is None:
        policy = ReviewPolicy.objects.filter(segment=supplier.segment).first()
        template = current_template(policy.template_name if policy else "Standard")
    owner, others = review_stakeholders(supplier)
    review = Review(
        supplier=supplier,
        template=template,
        period_start=period_start,
        period_end=period_end,
        due_date=due_date,
        owner=owner,
    )
    review.full_clean(validate_constraints=False)
    with transaction.atomic():
        review.save()
    raters = ([Rater(review=review, user=owner, role=RaterRole.OWNER)] if owner else []) + [
        Rater(review=review, user=user, role=RaterRole.STAKEHOLDER) for user in others
    ]
    Rater.objects.bulk_create(raters)
    for rater in raters:
        _notify_assigned(review, rater.user, owner=rater.role == RaterRole.OWNER)
    survey_send(review=review)
    return review


def _notify_assigned(review: Review, user: User, *, owner: bool) -> None:
    title = (
        gettext_lazy("Your review of %(supplier)s for %(period)s is due %(due)s")
        if owner
        else gettext_lazy("You are invited to score %(supplier)s for %(period)s by %(due)s")
    )
    notification_create(
        recipient=user,
        kind=NotificationKind.REVIEW_ASSIGNED,
        subject=review,
        occasion="assigned",
        title=LazyFormat(
            title,
            supplier=review.supplier.name,
            period=_period(review),
            due=review.due_date.isoformat(),
        ),
        url=review.get_absolute_url(),
    )


def _period(review: Review) -> str:
    return f"{review.period_start.isoformat()} \u2013 {review.period_end.isoformat()}"


@transaction.atomic
def rater_invite(*, review: Review, user: User, by: User) -> Rater:
    """Invites one more person to score; by the review's owner or a procurement manager."""
    if not may_invite(by, review):
        raise PermissionDenied
    _check_open(review, ReviewAction.INVITE)
    if not user.is_active or not user_can(user, Capability.MANAGE_OWN_SUPPLIERS):
        raise ValidationError({"user": _("Invite someone active who may score reviews.")})
    try:
        with transaction.atomic():
            rater = Rater.objects.create(review=review, user=user, role=RaterRole.STAKEHOLDER)
    except IntegrityError:
        raise ValidationError(
            {"user": _("This person is invited to this review already.")}
        ) from None
    _notify_assigned(review, user, owner=False)
    return rater


# --- When --------------------------------------------------------------------------------


def _check_open(review: Review, action: ReviewAction) -> None:
    """The lifecycle's answer (choices.REVIEW_ACTIONS): a submitted review is locked."""
    if action not in REVIEW_ACTIONS[review.status]:
        raise ReviewLockedError(
            _("The review is submitted and locked; a procurement manager may reopen it.")
        )


# --- Scoring ------------------------------------------------------------------------------


@transaction.atomic
def scores_save(
    *,
    review: Review,
    by: User,
    scores: Mapping[int, tuple[int | None, str]],
) -> list[ReviewScore]:
    """Saves one rater's scores (criterion id -> score 1..5 or None for "no data", comment).
    Raters score independently: each writes only their own."""
    review = Review.objects.select_for_update().get(pk=review.pk)
    _check_open(review, ReviewAction.SCORE)
    if not may_score(by, review):
        raise ReviewNotRaterError(_("Only the review's raters may score it."))
    rater = Rater.objects.get(review=review, user=by)
    rated = {
        criterion.pk: criterion
        for criterion in Criterion.objects.filter(
            template_id=review.template_id, source=CriterionSource.RATED
        )
    }
    if not scores:
        raise ValidationError(
            {"scores": _("Score at least one criterion, or choose “No data” for it.")}
        )
    unknown = set(scores) - set(rated)
    if unknown:
        raise ValidationError(
            {
                "scores": _("Not a rated criterion of this review: %(ids)s.")
                % {"ids": ", ".join(map(str, sorted(unknown)))}
            }
        )
    for criterion_id, (value, _comment) in scores.items():
        if value is not None and not (SCORE_MIN <= value <= SCORE_MAX):
            raise ValidationError(
                {"scores": _("%(name)s: a score is from 1 to 5.") % {"name": rated[criterion_id]}}
            )
    saved = []
    now = timezone.now()
    for criterion_id, (value, comment) in scores.items():
        score, _created = ReviewScore.objects.update_or_create(
            rater=rater,
            criterion_id=criterion_id,
            defaults={"score": value, "comment": comment.strip(), "updated_at": now},
        )
        saved.append(score)
    rater.scored_at = now
    rater.save(update_fields=["scored_at"])
    if review.status == ReviewStatus.SCHEDULED:
        review.status = ReviewStatus.IN_PROGRESS
    review.updated_at = now
    review.save(update_fields=["status", "updated_at"])
    return saved


def review_compute(review: Review) -> scoring.Overall:
    """The review's result from the scores and KPIs as they stand now; writes nothing."""
    criteria = list(
        Criterion.objects.filter(template_id=review.template_id).order_by("position", "id")
    )
    by_criterion: dict[int, list[int | None]] = {}
    for criterion_id, score in ReviewScore.objects.filter(rater__review=review).values_list(
        "criterion_id", "score"
    ):
        by_criterion.setdefault(criterion_id, []).append(score)
    figures = {
        figure.code: figure.value
        for figure in kpi_figures(
            supplier_id=review.supplier_id,
            period_start=review.period_start,
            period_end=review.period_end,
        )
    }
    outcomes = []
    for criterion in criteria:
        if criterion.source == CriterionSource.KPI:
            value = figures.get(criterion.kpi_code)
            percent = (
                None
                if value is None
                else scoring.kpi_percent(value, best=criterion.kpi_best, worst=criterion.kpi_worst)  # type: ignore[arg-type]
            )
            outcomes.append(
                scoring.Outcome(criterion.pk, criterion.weight, percent, kpi_value=value)
            )
            continue
        given = by_criterion.get(criterion.pk, [])
        middle = scoring.median(given)
        outcomes.append(
            scoring.Outcome(
                criterion.pk,
                criterion.weight,
                None if middle is None else scoring.rated_percent(middle),
                median=middle,
                rater_count=sum(1 for score in given if score is not None),
            )
        )
    return scoring.overall_score(outcomes)


@transaction.atomic
def review_submit(*, review: Review, by: User, summary: str | None = None) -> Review:
    """Computes and stores the result, locks the review, and acts on it: a poor result opens
    a corrective action plan and an escalation; a very poor one keeps the supplier out of new
    RFPs until a later review does better."""
    review = Review.objects.select_for_update().select_related("supplier").get(pk=review.pk)
    if not may_submit(by, review):
        raise PermissionDenied
    _check_open(review, ReviewAction.SUBMIT)
    result = review_compute(review)
    CriterionResult.objects.filter(review=review).delete()
    CriterionResult.objects.bulk_create(
        CriterionResult(
            review=review,
            criterion_id=outcome.criterion_id,
            median=outcome.median,
            kpi_value=outcome.kpi_value,
            score=None if outcome.score is None else outcome.score.quantize(scoring.CENT),
            effective_weight=outcome.effective_weight,
            rater_count=outcome.rater_count,
        )
        for outcome in result.outcomes
    )
    now = timezone.now()
    review.overall_score = result.score
    review.standing = scoring.standing_for(result.score, bands_of(review.template_id))
    review.is_partial = result.is_partial
    review.status = ReviewStatus.SUBMITTED
    review.submitted_at = now
    review.submitted_by = by
    review.updated_at = now
    if summary is not None:
        review.summary = summary.strip()
    review.save()
    escalation_resolve_for(
        subject=review,
        reason=EscalationReason.OVERDUE_REVIEW,
        note=review_submitted_resolution(),
    )
    _apply_consequences(review, by=by)
    emit("review.submitted", review)
    return review


@transaction.atomic
def review_reopen(*, review: Review, by: User, reason: str) -> Review:
    """Unlocks a submitted review for changes; only a procurement manager, with a reason. Its
    result is cleared until it is submitted again."""
    if not may_reopen(by, review):
        raise PermissionDenied
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the review is reopened.")})
    review = Review.objects.select_for_update().get(pk=review.pk)
    if ReviewAction.REOPEN not in REVIEW_ACTIONS[review.status]:
        raise ReviewLockedError(
            _("Only a submitted review can be reopened."), code="review_not_submitted"
        )
    now = timezone.now()
    review.status = ReviewStatus.IN_PROGRESS
    review.reopened_at = now
    review.reopened_by = by
    review.reopen_reason = reason.strip()
    review.overall_score = None
    review.standing = None
    review.is_partial = False
    review.submitted_at = None
    review.updated_at = now
    review.save()
    CriterionResult.objects.filter(review=review).delete()
    return review


# --- Consequences -------------------------------------------------------------------------


def _emit_standing(review: Review) -> None:
    """The supplier's standing is its latest submitted review's: tell subscribers when this
    review gives it another one than the review before."""
    previous = (
        Review.objects.filter(
            supplier_id=review.supplier_id,
            status=ReviewStatus.SUBMITTED,
            period_end__lt=review.period_end,
        )
        .order_by("-period_end", "-id")
        .values_list("standing", flat=True)
        .first()
    )
    if previous != review.standing:
        emit(
            "supplier.standing_changed",
            review.supplier,
            extra={
                "standing": review.standing,
                "previous_standing": previous,
                "review_id": review.pk,
            },
        )


def _is_latest(review: Review) -> bool:
    return not Review.objects.filter(
        supplier_id=review.supplier_id,
        status=ReviewStatus.SUBMITTED,
        period_end__gt=review.period_end,
    ).exists()


def _apply_consequences(review: Review, *, by: User) -> None:
    if review.standing in POOR_STANDINGS:
        plan = plan_open(review)
        escalation_raise(
            supplier=review.supplier,
            subject=review,
            reason=EscalationReason.POOR_REVIEW,
            severity=plan.severity,
            # Everyone who reads the portfolio reads escalations; the score stays with the
            # review, which only its owners, raters and managers may see.
            summary=poor_review_summary(
                supplier=review.supplier.name,
                period_start=review.period_start,
                period_end=review.period_end,
            ),
            by=by,
        )
    elif review.standing is not None:
        escalation_resolve_for(
            subject=review,
            reason=EscalationReason.POOR_REVIEW,
            note=review_no_longer_poor_resolution(),
        )
    if review.standing is not None and _is_latest(review):
        _emit_standing(review)
        excluded = review.standing == Standing.VERY_POOR
        # Conditional: a resend changes nothing and leaves updated_at alone.
        Supplier.objects.filter(pk=review.supplier_id).exclude(excluded_from_rfps=excluded).update(
            excluded_from_rfps=excluded, updated_at=timezone.now()
        )
