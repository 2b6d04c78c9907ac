"""Reusable query pieces for contracts: the notice date and the derived status in SQL, so that
lists filter and sort on them in the database. They never write."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone

from contracts.choices import ContractPhase, ContractStatus
from core.dates import DateMinusDays

if TYPE_CHECKING:
    from contracts.models import Contract  # noqa: F401


def in_force_q(today: date | None = None) -> Q:
    """Contracts in force on ``today``: active, started (or with no start date) and not yet
    ended (or open-ended), and not past a termination given for a later day (until the scan
    ends it). The one definition of "under contract" for lists and reports."""
    today = today or timezone.localdate()
    return (
        Q(status=ContractStatus.ACTIVE)
        & (Q(start_date__isnull=True) | Q(start_date__lte=today))
        & (Q(end_date__isnull=True) | Q(end_date__gte=today))
        & (Q(terminated_on__isnull=True) | Q(terminated_on__gt=today))
    )


class ContractQuerySet(models.QuerySet["Contract"]):
    def with_notice_date(self) -> ContractQuerySet:
        """Annotates ``last_notice_date``: end date minus notice period, NULL when open-ended
        (as ``Contract.last_notice_date``)."""
        return self.annotate(last_notice_date=DateMinusDays(F("end_date"), F("notice_period_days")))

    def with_phase(self, *, today: date | None = None) -> ContractQuerySet:
        """Annotates ``phase``: the status people see, expiring and expired derived from the
        end date on ``today`` (as ``Contract.phase_on``)."""
        today = today or timezone.localdate()
        soon = today + timedelta(days=settings.CONTRACT_EXPIRING_DAYS)
        active = Q(status=ContractStatus.ACTIVE, end_date__isnull=False)
        return self.annotate(
            phase=Case(
                When(active & Q(end_date__lt=today), then=Value(ContractPhase.EXPIRED.value)),
                When(active & Q(end_date__lte=soon), then=Value(ContractPhase.EXPIRING.value)),
                default=F("status"),
                output_field=models.CharField(),
            )
        )

    def in_phase(self, phases: list[str], *, today: date | None = None) -> ContractQuerySet:
        return self.with_phase(today=today).filter(phase__in=phases)  # type: ignore[misc]

    def notice_within(self, days: int, *, today: date | None = None) -> ContractQuerySet:
        """Active contracts whose last notice day is between today and ``days`` from now."""
        today = today or timezone.localdate()
        return self.with_notice_date().filter(  # type: ignore[misc]
            status=ContractStatus.ACTIVE,
            last_notice_date__gte=today,
            last_notice_date__lte=today + timedelta(days=days),
        )

    def ending_within(self, days: int, *, today: date | None = None) -> ContractQuerySet:
        """Active contracts ending between today and ``days`` from now."""
        today = today or timezone.localdate()
        return self.filter(
            status=ContractStatus.ACTIVE,
            end_date__gte=today,
            end_date__lte=today + timedelta(days=days),
        )

    def with_value_in_reporting_currency(self, *, on: date | None = None) -> ContractQuerySet:
        """Annotates ``value_reporting``: the value at the latest rate on or before ``on``
        (default: the latest rate); NULL when the currency has no rate yet."""
        from contracts.currency import to_reporting_currency

        value = to_reporting_currency(F("value"), "currency", on=on)
        return self.annotate(value_reporting=value)
