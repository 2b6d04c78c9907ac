"""The renewal decision of a contract's term: upcoming → under review → decided (renew,
renegotiate or terminate) → done (``RENEWAL_TRANSITIONS``); every move records who and when.
Renewing or terminating a contract closes its term's decision with ``close_decision``."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from contracts.choices import RENEWAL_TRANSITIONS, ContractStatus, RenewalChoice, RenewalStage
from contracts.models import Contract, RenewalDecision, RenewalStep
from contracts.permissions import may_decide_renewal
from core.exceptions import DomainError
from escalations.choices import EscalationReason
from escalations.messages import (
    contract_renewed_or_terminated_resolution,
    renewal_decided_resolution,
)
from escalations.services import escalation_resolve_for


class RenewalTransitionError(DomainError):
    code = "invalid_renewal_transition"


def _decision_for(contract: Contract, term_end: date) -> RenewalDecision:
    decision, _created = RenewalDecision.objects.select_for_update().get_or_create(
        contract=contract, term_end=term_end
    )
    return decision


@transaction.atomic
def renewal_decision_advance(
    *, contract: Contract, by: User, stage: str, decision: str = "", note: str = ""
) -> RenewalDecision:
    """Moves the current term's renewal decision one stage on: upcoming → under review →
    decided (renew, renegotiate or terminate) → done; each move records who and when. Asking
    for the stage it is at already changes nothing (a form sent twice)."""
    if not may_decide_renewal(by, contract):
        raise PermissionDenied
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    if contract.status != ContractStatus.ACTIVE or contract.end_date is None:
        raise RenewalTransitionError(_("Only an active contract with an end date is renewed."))
    if contract.terminates_on is not None:
        raise RenewalTransitionError(
            _("The contract terminates on %(day)s: there is no renewal to decide.")
            % {"day": contract.terminates_on.isoformat()}
        )
    renewal = _decision_for(contract, contract.end_date)
    if stage == renewal.stage and decision in ("", renewal.decision):
        return renewal
    if stage not in RENEWAL_TRANSITIONS[renewal.stage]:
        raise RenewalTransitionError(
            _("The decision is at “%(current)s”: it cannot move to “%(stage)s”.")
            % {"current": renewal.get_stage_display(), "stage": stage}
        )
    if stage == RenewalStage.DECIDED and decision not in RenewalChoice.values:
        raise ValidationError({"decision": _("Choose renew, renegotiate or terminate.")})
    if stage == RenewalStage.DECIDED:
        renewal.decision = decision
    _move(renewal, stage=stage, by=by, note=note)
    if stage == RenewalStage.DECIDED:
        escalation_resolve_for(
            subject=contract,
            reason=EscalationReason.CONTRACT_RENEWAL,
            note=renewal_decided_resolution(decision=renewal.decision),
        )
    return renewal


def _move(renewal: RenewalDecision, *, stage: str, by: User | None, note: str = "") -> None:
    renewal.stage = stage
    renewal.updated_at = timezone.now()
    renewal.save(update_fields=["stage", "decision", "updated_at"])
    RenewalStep.objects.create(
        renewal=renewal, stage=stage, decision=renewal.decision, note=note.strip(), actor=by
    )


def close_decision(contract: Contract, *, term_end: date, decision: str, by: User | None) -> None:
    """A renewal or termination carries out the term's decision: it is done, with a step."""
    renewal = _decision_for(contract, term_end)
    if renewal.stage == RenewalStage.DONE:
        return
    renewal.decision = renewal.decision or decision
    _move(renewal, stage=RenewalStage.DONE, by=by)
    escalation_resolve_for(
        subject=contract,
        reason=EscalationReason.CONTRACT_RENEWAL,
        note=contract_renewed_or_terminated_resolution(),
    )
