"""Demo data for the dashboard: each demo supplier's annual spend (in the reporting currency),
so that the Kraljic matrix and "value under contract against spend" are filled. The other panels
read the other apps' demo data. Safe to run again: only suppliers without a figure get one."""

from __future__ import annotations

import random
from collections.abc import Iterator
from decimal import Decimal

from suppliers.models import Supplier

# Spend ranges by segment: strategic and leverage suppliers are where the money goes.
SPEND_RANGES = {
    "strategic": (400_000, 5_000_000),
    "leverage": (150_000, 2_000_000),
    "bottleneck": (8_000, 120_000),
    "routine": (500, 40_000),
}


def seed() -> Iterator[str]:
    suppliers = list(Supplier.objects.filter(annual_spend__isnull=True).order_by("pk"))
    for supplier in suppliers:
        # Seeded by the name, so a supplier gets the same figure on every machine.
        low, high = SPEND_RANGES.get(supplier.segment, SPEND_RANGES["routine"])
        spend = random.Random(supplier.name).randint(low, high)  # noqa: S311 - demo figures
        supplier.annual_spend = Decimal(spend).quantize(Decimal("1000"))
    Supplier.objects.bulk_update(suppliers, ["annual_spend"])
    yield f"gave {len(suppliers)} suppliers an annual spend"
