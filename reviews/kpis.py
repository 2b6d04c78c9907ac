"""KPIs from the ERP's delivery lines, computed in SQL, and the KPI evidence of a review.

A line counts for the period its promised date falls in. It is on time in full when it was
received by the promised date and the quantity received less the quantity rejected covers the
quantity ordered; a line not received is neither. The rejection rate is the share of the
quantity received that was rejected. A period with no lines has no value, never 100%.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Count, DecimalField, F, Q, Sum, Value
from django.db.models.functions import Cast, NullIf, Round

from reviews.choices import KpiCode
from reviews.models import DeliveryLine, KpiValue

_RATIO = DecimalField(max_digits=12, decimal_places=4)
COMPUTED = frozenset({KpiCode.OTIF, KpiCode.REJECTION_RATE})


@dataclass
class KpiFigure:
    code: str
    value: Decimal | None
    source: str  # "erp" when pushed, "deliveries" when computed, "" when there is no value
    lines: int = 0

    @property
    def label(self) -> str:
        return str(KpiCode(self.code).label)


def delivery_kpis(
    *, supplier_ids: Iterable[int], period_start: date, period_end: date
) -> dict[int, dict[str, Decimal | int | None]]:
    """Per supplier: lines, OTIF % and rejection rate % over the period, in one query."""
    on_time_in_full = Q(
        received_date__isnull=False,
        received_date__lte=F("promised_date"),
        quantity_received__gte=F("quantity_ordered") + F("quantity_rejected"),
    )
    rows = (
        DeliveryLine.objects.filter(
            supplier_id__in=list(supplier_ids),
            promised_date__gte=period_start,
            promised_date__lte=period_end,
        )
        .values("supplier_id")
        .annotate(
            lines=Count("id"),
            otif=Round(
                Cast(Count("id", filter=on_time_in_full), _RATIO)
                * Value(Decimal(100))
                / NullIf(Cast(Count("id"), _RATIO), Value(Decimal(0))),
                2,
            ),
            rejection_rate=Round(
                Sum("quantity_rejected")
                * Value(Decimal(100))
                / NullIf(Sum("quantity_received"), Value(Decimal(0))),
                2,
            ),
        )
    )
    return {
        row["supplier_id"]: {
            "lines": row["lines"],
            KpiCode.OTIF.value: row["otif"],
            KpiCode.REJECTION_RATE.value: row["rejection_rate"],
        }
        for row in rows
    }


def kpi_figures(*, supplier_id: int, period_start: date, period_end: date) -> list[KpiFigure]:
    """Every KPI with a value for the supplier and period: pushed by the ERP where it did
    (that wins), else computed from delivery lines where it can be."""
    pushed = dict(
        KpiValue.objects.filter(
            supplier_id=supplier_id, period_start=period_start, period_end=period_end
        ).values_list("code", "value")
    )
    computed = delivery_kpis(
        supplier_ids=[supplier_id], period_start=period_start, period_end=period_end
    ).get(supplier_id, {})
    lines = int(computed.get("lines") or 0)
    figures = []
    for code in KpiCode.values:
        if code in pushed:
            figures.append(KpiFigure(code=code, value=pushed[code], source="erp", lines=lines))
        elif code in COMPUTED and computed.get(code) is not None:
            value = computed[code]
            figures.append(
                KpiFigure(code=code, value=Decimal(str(value)), source="deliveries", lines=lines)
            )
        else:
            figures.append(KpiFigure(code=code, value=None, source="", lines=lines))
    return figures
