"""Panel scoring: each member scores on their own sheet and sees the others' only after
submitting it. Scores run from 0 to 10 on every criterion but price, which rfps.scoring
computes from the figures."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from rfps.choices import RfpAction
from rfps.models import Criterion, Evaluation, Invitation, Rfp, Score
from rfps.permissions import may_score, status_allows
from rfps.selectors import scorable_invitations
from rfps.services.rfp import RfpStateError


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
