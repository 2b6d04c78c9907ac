"""Obligations of a contract: what each side signed up to do, and how it went."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from contracts.choices import RECURRENCE_MONTHS, ObligationStatus
from contracts.models import Contract, Obligation
from contracts.permissions import may_record_obligation
from contracts.rules import add_months
from contracts.services.contracts import _require, _require_worker
from core.dates import date_range_message


@transaction.atomic
def obligation_create(
    *,
    by: User,
    contract: Contract,
    party: str,
    description: str,
    metric: str = "",
    target: str = "",
    due_date: date | None = None,
    recurrence: str = "",
) -> Obligation:
    _require_worker(by, contract)
    obligation = Obligation(
        contract=contract,
        party=party,
        description=description.strip(),
        metric=metric.strip(),
        target=target.strip(),
        due_date=due_date,
        recurrence=recurrence or "",
    )
    obligation.full_clean()
    obligation.save()
    return obligation


@transaction.atomic
def obligation_record(
    *, obligation: Obligation, by: User, status: str, evidence_note: str = ""
) -> Obligation:
    """Records how an obligation went. A recurring one that was met or missed moves on to its
    next due date and is open again; what happened stays in its audit history."""
    _require(may_record_obligation(by, obligation))
    obligation = Obligation.objects.select_for_update().get(pk=obligation.pk)
    if status not in ObligationStatus.values:
        raise ValidationError({"status": _("Choose a status.")})
    obligation.status = status
    obligation.evidence_note = evidence_note.strip()
    months = RECURRENCE_MONTHS.get(obligation.recurrence)  # type: ignore[call-overload]
    if months and obligation.due_date and status in (ObligationStatus.MET, ObligationStatus.MISSED):
        next_due = add_months(obligation.due_date, months)
        if next_due is None:
            raise ValidationError({"due_date": date_range_message()})
        obligation.save(update_fields=["status", "evidence_note"])  # the audit keeps this one
        obligation.due_date = next_due
        obligation.status = ObligationStatus.OPEN
    obligation.updated_at = timezone.now()
    obligation.full_clean()
    obligation.save()
    return obligation
