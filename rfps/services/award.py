"""The award: the winning proposal becomes a draft contract (supplier, value, currency, its
line items), the expected saving becomes a benefit of that contract, and every invitee is
told the outcome."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from contracts.choices import BenefitKind
from contracts.services import LineInput, benefit_create, contract_create
from core.text import LazyFormat
from notifications.choices import NotificationKind
from rfps import scoring
from rfps.choices import BaselineKind, RfpAction, RfpStatus
from rfps.models import Award, Invitation, ProposalRevision, Rfp
from rfps.permissions import may_award, status_allows
from rfps.services.invitations import link_email_send
from rfps.services.rfp import RfpStateError
from webhooks.events import emit


def latest_revision(invitation: Invitation) -> ProposalRevision | None:
    """The supplier's last submitted version whose round's deadline has passed."""
    return (
        ProposalRevision.objects.opened(timezone.now())
        .filter(proposal__invitation=invitation)
        .order_by("-proposal__round__number", "-number")
        .first()
    )


def baseline(rfp: Rfp) -> tuple[str, Decimal | None]:
    """What the saving is measured against: the median of the first-round offers (each
    supplier's last version in round 1) when there were at least two, else the budget."""
    totals: dict[int, Decimal] = {}
    for invitation_id, total in (
        ProposalRevision.objects.filter(proposal__rfp=rfp, proposal__round__number=1)
        .order_by("proposal__invitation_id", "number")
        .values_list("proposal__invitation_id", "total")
    ):
        totals[invitation_id] = total  # the last version wins
    if len(totals) >= 2:
        return BaselineKind.FIRST_ROUND_MEDIAN, scoring.median_total(list(totals.values()))
    if rfp.budget is not None:
        return BaselineKind.BUDGET, rfp.budget
    return BaselineKind.NONE, None


@transaction.atomic
def rfp_award(*, rfp: Rfp, by: User, invitation: Invitation, rationale: str) -> Award:
    """Awards a closed RFP to one supplier's latest offer; never to a supplier excluded from
    RFPs after a very poor review (it may have been reviewed since it responded)."""
    if not may_award(by, rfp):
        raise PermissionDenied
    rfp = Rfp.objects.select_for_update().get(pk=rfp.pk)
    if not status_allows(rfp, RfpAction.AWARD):
        raise RfpStateError(_("Only a closed RFP, past its deadline, can be awarded."))
    if not rationale.strip():
        raise ValidationError({"rationale": _("Say why this proposal wins.")})
    revision = latest_revision(invitation) if invitation.rfp_id == rfp.pk else None
    if revision is None:
        raise ValidationError({"invitation": _("This supplier has no proposal to award.")})
    invitation = Invitation.objects.select_related("supplier").get(pk=invitation.pk)
    if invitation.supplier.excluded_from_rfps:
        raise ValidationError(
            {
                "invitation": _(
                    "%(supplier)s is excluded from RFPs after a very poor review and cannot "
                    "be awarded."
                )
                % {"supplier": invitation.supplier.name}
            }
        )
    kind, base = baseline(rfp)
    saving = None if base is None else base - revision.total
    contract = contract_create(
        by=by,
        supplier=invitation.supplier,
        title=rfp.title,
        owner=rfp.owner,
        value=revision.total,
        currency=rfp.currency,
        description=_("Awarded from %(reference)s.") % {"reference": rfp.reference},
        lines=[
            LineInput(
                description=line["description"],
                quantity=Decimal(str(line["quantity"])),
                unit=line["unit"] or "",
                unit_price=Decimal(str(line["unit_price"])),
            )
            for line in revision.content["lines"]
        ],
    )
    if saving is not None and saving > 0:
        benefit_create(
            by=by,
            contract=contract,
            kind=BenefitKind.SAVINGS,
            expected_amount=saving,
            note=_("Expected saving at the award of %(reference)s; baseline: %(baseline)s.")
            % {"reference": rfp.reference, "baseline": BaselineKind(kind).label},
        )
    now = timezone.now()
    award = Award.objects.create(
        rfp=rfp,
        invitation=invitation,
        revision=revision,
        rationale=rationale.strip(),
        awarded_by=by,
        awarded_at=now,
        baseline_kind=kind,
        baseline=base,
        expected_saving=saving,
        contract=contract,
    )
    rfp.status = RfpStatus.AWARDED
    rfp.updated_at = now
    rfp.save(update_fields=["status", "updated_at"])
    tell_outcome(rfp, winner=invitation)
    emit(
        "rfp.awarded",
        rfp,
        extra={
            "award_id": award.pk,
            "supplier_id": invitation.supplier_id,
            "contract_id": contract.pk,
            "awarded_at": now,
        },
    )
    return award


def tell_outcome(rfp: Rfp, *, winner: Invitation | None, note: str = "") -> None:
    """Tells the invitees how the RFP ended for them. A cancellation goes to every invitee
    who did not decline; an award only to those who submitted a proposal (the winner, and
    "another proposal was selected" to the others): one who never responded is told
    nothing, since there is no proposal of theirs to speak of."""
    invitations = (
        rfp.invitations.filter(invited_at__isnull=False, declined_at__isnull=True)
        .exclude(email="")
        .select_related("contact", "rfp", "supplier")
    )
    if winner is not None:
        invitations = invitations.filter(
            pk__in=rfp.proposals.filter(submitted_at__isnull=False).values("invitation_id")
        )
    for invitation in invitations:
        if winner is None:
            text = gettext_lazy("%(title)s was cancelled")
        elif invitation.pk == winner.pk:
            text = gettext_lazy("%(title)s: your proposal was selected")
        else:
            text = gettext_lazy("%(title)s: another proposal was selected")
        link_email_send(
            invitation=invitation,
            kind=NotificationKind.RFP_OUTCOME,
            occasion="outcome",
            title=LazyFormat(text, title=rfp.title),
            body=note,
        )
