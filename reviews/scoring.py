"""The arithmetic of a scorecard, kept free of the database so every rule has a plain test.

A rated criterion scores the median of its raters' 1..5 scores, mapped to 0..100 (1 is 0,
5 is 100); a KPI criterion maps its value linearly between the values scoring 0 and 100. A
criterion with no data has no score, never a perfect one: the overall score is the weighted
sum of the criteria that have one, their weights re-normalised to add up to 100, and the
review is partial.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from reviews.choices import SCORE_MAX, SCORE_MIN

HUNDRED = Decimal(100)
CENT = Decimal("0.01")


def median(scores: Iterable[int | None]) -> Decimal | None:
    """The median of the given scores, ignoring "no data"; None when nobody scored."""
    values = sorted(score for score in scores if score is not None)
    if not values:
        return None
    return Decimal(str(statistics.median(values)))


def rated_percent(score: Decimal) -> Decimal:
    """A 1..5 score on 0..100."""
    return (score - SCORE_MIN) * HUNDRED / (SCORE_MAX - SCORE_MIN)


def kpi_percent(value: Decimal, *, best: Decimal, worst: Decimal) -> Decimal:
    """A KPI value on 0..100: ``best`` scores 100, ``worst`` 0, linear between, clamped."""
    share = (value - worst) / (best - worst) * HUNDRED
    return min(HUNDRED, max(Decimal(0), share))


@dataclass
class Outcome:
    """One criterion's part in the overall score."""

    criterion_id: int
    weight: Decimal
    score: Decimal | None  # 0..100, None: no data
    median: Decimal | None = None
    kpi_value: Decimal | None = None
    rater_count: int = 0
    effective_weight: Decimal = Decimal(0)


@dataclass
class Overall:
    score: Decimal | None
    is_partial: bool
    outcomes: list[Outcome]


def overall_score(outcomes: list[Outcome]) -> Overall:
    """The weighted sum of the criteria with data, their weights re-normalised to 100."""
    scored = [outcome for outcome in outcomes if outcome.score is not None]
    total_weight = sum((outcome.weight for outcome in scored), Decimal(0))
    partial = len(scored) < len(outcomes)
    if not scored or total_weight == 0:
        return Overall(score=None, is_partial=True, outcomes=outcomes)
    total = Decimal(0)
    for outcome in scored:
        outcome.effective_weight = (outcome.weight * HUNDRED / total_weight).quantize(
            Decimal("0.001"), rounding=ROUND_HALF_UP
        )
        total += outcome.weight * outcome.score  # type: ignore[operator]
    score = (total / total_weight).quantize(CENT, rounding=ROUND_HALF_UP)
    return Overall(score=score, is_partial=partial, outcomes=outcomes)


def standing_for(
    score: Decimal | None, bands: Sequence[tuple[str, Decimal, Decimal]]
) -> str | None:
    """The band a score falls in: lower bound included, upper excluded, 100 in the top band.
    ``bands`` are (standing, lower, upper)."""
    if score is None:
        return None
    ordered = sorted(bands, key=lambda band: band[1])
    for standing, lower, upper in ordered:
        if lower <= score < upper:
            return standing
    if ordered and score == ordered[-1][2]:
        return ordered[-1][0]
    return None


def check_weights(weights: Sequence[Decimal]) -> None:
    """Weights are each above 0 and add up to exactly 100."""
    if not weights:
        raise ValidationError({"criteria": _("A scorecard has at least one criterion.")})
    if any(weight <= 0 for weight in weights):
        raise ValidationError({"criteria": _("Every weight is above 0.")})
    total = sum(weights, Decimal(0))
    if total != HUNDRED:
        raise ValidationError(
            {"criteria": _("The weights add up to %(total)s, not 100.") % {"total": total}}
        )


def check_bands(bands: Sequence[tuple[str, Decimal, Decimal]]) -> None:
    """Bands cover 0 to 100 without gaps or overlaps, each standing once."""
    if not bands:
        raise ValidationError({"bands": _("A scorecard has at least one standing band.")})
    standings = [band[0] for band in bands]
    if len(set(standings)) != len(standings):
        raise ValidationError({"bands": _("Each standing has one band.")})
    ordered = sorted(bands, key=lambda band: band[1])
    expected = Decimal(0)
    for standing, lower, upper in ordered:
        if lower >= upper:
            raise ValidationError(
                {"bands": _("The band %(band)s ends before it starts.") % {"band": standing}}
            )
        if lower != expected:
            problem = _("overlap") if lower < expected else _("gap")
            raise ValidationError(
                {
                    "bands": _("The bands have a %(problem)s at %(at)s.")
                    % {"problem": problem, "at": min(lower, expected)}
                }
            )
        expected = upper
    if expected != HUNDRED:
        raise ValidationError(
            {"bands": _("The bands end at %(end)s, not 100.") % {"end": expected}}
        )
