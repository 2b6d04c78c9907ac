"""Panel scoring: each member scores on their own sheet and sees the others' only after
submitting it. Scores run from 0 to 10 on every criterion but price, which rfps.scoring
computes from the figures."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from rfps.choices import RfpAction
from rfps.models import Criterion, Evaluation, Invitation, Rfp, Score
from rfps.permissions import is_panel_member, may_score, status_allows
from rfps.selectors import rfp_visible
from rfps.services import RfpStateError
from suppliers.selectors import AnyUser


def sees_panel_scores(user: AnyUser, rfp: Rfp) -> bool:
    """Whether the user may see the panel's submitted scores: anyone who reads the RFP and is
    not on its panel, and panel members once they have submitted their own sheet."""
    if not is_panel_member(user, rfp):
        return True
    return rfp.evaluations.filter(evaluator_id=user.pk, submitted_at__isnull=False).exists()


def scorable_invitations(rfp: Rfp) -> QuerySet[Invitation]:
    """Suppliers with a submitted proposal in a round whose deadline has passed."""
    return (
        rfp.invitations.filter(
            proposals__submitted_at__isnull=False,
            proposals__round__deadline__lte=timezone.now(),
        )
        .distinct()
        .select_related("supplier")
        .order_by("supplier__name", "id")
    )


def awardable_invitations(rfp: Rfp) -> QuerySet[Invitation]:
    """The scorable suppliers that may win, or be shortlisted for a negotiation round: not
    those excluded from RFPs after a very poor review."""
    return scorable_invitations(rfp).filter(supplier__excluded_from_rfps=False)


def _evaluation(rfp: Rfp, by: User) -> Evaluation:
    if not may_score(by, rfp):
        raise PermissionDenied
    if not status_allows(rfp, RfpAction.SCORE) or not scorable_invitations(rfp).exists():
        raise RfpStateError(_("There is nothing to score until the deadline has passed."))
    evaluation, _created = Evaluation.objects.get_or_create(rfp=rfp, evaluator=by)
    evaluation = Evaluation.objects.select_for_update().get(pk=evaluation.pk)
    if evaluation.submitted_at is not None:
        raise RfpStateError(_("Your scores are submitted; they no longer change."))
    return evaluation


@transaction.atomic
def score_set(
    *,
    rfp: Rfp,
    by: User,
    invitation: Invitation,
    criterion: Criterion,
    value: Decimal,
    comment: str = "",
) -> Score:
    """A panel member's score for one supplier on one criterion (not price), 0 to 10."""
    evaluation = _evaluation(rfp, by)
    if criterion.rfp_id != rfp.pk or criterion.is_price:
        raise ValidationError({"criterion": _("Score this RFP's criteria other than price.")})
    if not scorable_invitations(rfp).filter(pk=invitation.pk).exists():
        raise ValidationError({"invitation": _("This supplier has no proposal to score.")})
    score = Score.objects.filter(
        evaluation=evaluation, criterion=criterion, invitation=invitation
    ).first() or Score(evaluation=evaluation, criterion=criterion, invitation=invitation)
    score.value = value
    score.comment = comment.strip()[:5000]
    score.updated_at = timezone.now()
    score.full_clean(validate_constraints=False)
    score.save()
    return score


@transaction.atomic
def evaluation_submit(*, rfp: Rfp, by: User) -> Evaluation:
    """Submits the member's sheet once every supplier has a score on every criterion."""
    evaluation = _evaluation(rfp, by)
    criteria = list(rfp.criteria.filter(is_price=False))
    invitations = list(scorable_invitations(rfp))
    scored = set(evaluation.scores.values_list("criterion_id", "invitation_id"))
    missing = [
        f"{invitation.supplier.name} · {criterion.name}"
        for invitation in invitations
        for criterion in criteria
        if (criterion.pk, invitation.pk) not in scored
    ]
    if missing:
        raise ValidationError(
            {
                "scores": _("Score every supplier on every criterion first: %(missing)s.")
                % {"missing": "; ".join(missing)}
            }
        )
    evaluation.submitted_at = evaluation.updated_at = timezone.now()
    evaluation.save(update_fields=["submitted_at", "updated_at"])
    return evaluation


def score_list(*, user: AnyUser, rfp: Rfp | None = None) -> QuerySet[Score]:
    """Scores the user may read: their own, always; others' submitted ones once they have
    submitted theirs. Readers not on the panel (owner, procurement) see submitted sheets."""
    queryset = Score.objects.filter(evaluation__rfp__in=rfp_visible(user=user)).select_related(
        "evaluation__evaluator", "criterion", "invitation__supplier"
    )
    if rfp is not None:
        queryset = queryset.filter(evaluation__rfp=rfp)
    if not user.is_authenticated:
        return queryset.none()
    own_sheet = Evaluation.objects.filter(evaluator_id=user.pk)
    # Others' submitted sheets, on RFPs where the user is on the panel only if submitted.
    open_to_me = Q(evaluation__submitted_at__isnull=False) & (
        ~Q(evaluation__rfp__in=Rfp.objects.filter(panel__pk=user.pk).values("pk"))
        | Q(evaluation__rfp__in=own_sheet.filter(submitted_at__isnull=False).values("rfp"))
    )
    return queryset.filter(Q(evaluation__evaluator_id=user.pk) | open_to_me).order_by(
        "evaluation__rfp_id", "invitation__supplier__name", "criterion__position", "id"
    )
