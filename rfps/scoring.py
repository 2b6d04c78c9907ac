"""The arithmetic of evaluation, free of the database: price scores from the figures,
weighted totals and the ranking. Scores run from 0 to 10; weighted totals from 0 to 100."""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from statistics import median
from typing import TypeVar

K = TypeVar("K", bound=Hashable)
FULL_MARKS = Decimal(10)
CENT = Decimal("0.01")


def price_scores(totals: Mapping[K, Decimal]) -> dict[K, Decimal]:
    """The lowest total gets full marks, the others in proportion: 10 x lowest / total."""
    if not totals:
        return {}
    lowest = min(totals.values())
    scores: dict[K, Decimal] = {}
    for key, total in totals.items():
        if total == lowest:
            scores[key] = FULL_MARKS
        else:  # total > lowest >= 0, so total > 0
            scores[key] = (FULL_MARKS * lowest / total).quantize(CENT, ROUND_HALF_UP)
    return scores


def weighted_total(weights: Mapping[K, int], scores: Mapping[K, Decimal | None]) -> Decimal:
    """Points out of 100: each criterion's weight (the weights add up to 100) times its score
    out of 10. A criterion not scored counts as zero."""
    points = sum(
        (Decimal(weight) * (scores.get(key) or Decimal(0)) / FULL_MARKS)
        for key, weight in weights.items()
    )
    return Decimal(points).quantize(CENT, ROUND_HALF_UP)


def average(values: Sequence[Decimal]) -> Decimal | None:
    if not values:
        return None
    return (sum(values, Decimal(0)) / len(values)).quantize(CENT, ROUND_HALF_UP)


def ranking(totals: Mapping[K, Decimal]) -> dict[K, int]:
    """1 for the highest total; equal totals share a rank (1, 2, 2, 4)."""
    ordered = sorted(totals.values(), reverse=True)
    return {key: ordered.index(total) + 1 for key, total in totals.items()}


def median_total(totals: Sequence[Decimal]) -> Decimal | None:
    if not totals:
        return None
    return Decimal(median(totals)).quantize(CENT, ROUND_HALF_UP)


def line_amount(quantity: Decimal, unit_price: Decimal) -> Decimal:
    return (quantity * unit_price).quantize(CENT, ROUND_HALF_UP)
