"""Benefits of a contract: what was promised at award, and what each period realised."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from contracts.models import Benefit, BenefitRealisation, Contract
from contracts.permissions import may_record_realisation
from contracts.services.contracts import _require, _require_worker


@transaction.atomic
def benefit_create(
    *,
    by: User,
    contract: Contract,
    kind: str,
    expected_amount: Decimal,
    note: str = "",
    gain_share_percent: Decimal | None = None,
) -> Benefit:
    """A benefit promised for the contract, in the contract's currency."""
    _require_worker(by, contract)
    benefit = Benefit(
        contract=contract,
        kind=kind,
        expected_amount=expected_amount,
        note=note.strip(),
        gain_share_percent=gain_share_percent,
    )
    benefit.full_clean()
    benefit.save()
    return benefit


@transaction.atomic
def benefit_realisation_record(
    *,
    by: User,
    benefit: Benefit,
    period_start: date,
    period_end: date,
    amount: Decimal,
    note: str = "",
) -> BenefitRealisation:
    """Records what the benefit brought in a period that has ended; recording the same period
    (same start) again corrects it (the audit keeps the earlier figure). Periods of a benefit
    never overlap: each day's benefit counts once."""
    _require(may_record_realisation(by, benefit))
    errors: dict[str, str] = {}
    if period_end < period_start:
        errors["period_end"] = _("A period cannot end before it starts.")
    elif period_end > timezone.localdate():
        errors["period_end"] = _(
            "The period has not ended yet: record what it brought once it has."
        )
    if errors:
        raise ValidationError(errors)
    Benefit.objects.select_for_update().filter(pk=benefit.pk).first()  # one writer at a time
    overlapping = (
        BenefitRealisation.objects.filter(
            benefit=benefit, period_start__lte=period_end, period_end__gte=period_start
        )
        .exclude(period_start=period_start)
        .order_by("period_start")
        .first()
    )
    if overlapping is not None:
        raise ValidationError(
            {
                "period_start": _(
                    "This period overlaps %(start)s to %(end)s, recorded already: "
                    "each day counts once."
                )
                % {
                    "start": overlapping.period_start.isoformat(),
                    "end": overlapping.period_end.isoformat(),
                }
            }
        )
    realisation = (
        BenefitRealisation.objects.select_for_update()
        .filter(benefit=benefit, period_start=period_start)
        .first()
    ) or BenefitRealisation(benefit=benefit, period_start=period_start)
    realisation.period_end = period_end
    realisation.amount = amount
    realisation.note = note.strip()
    realisation.recorded_by = by
    realisation.recorded_at = timezone.now()
    realisation.full_clean(validate_unique=False)
    realisation.save()
    Benefit.objects.filter(pk=benefit.pk).update(updated_at=timezone.now())
    return realisation
