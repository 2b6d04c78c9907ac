"""The scorecard arithmetic: medians, weighting, no data, bands and their boundaries."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from reviews import scoring
from reviews.scoring import Outcome

D = Decimal
BANDS = [
    ("very_poor", D(0), D(30)),
    ("poor", D(30), D(50)),
    ("average", D(50), D(80)),
    ("excellent", D(80), D(100)),
]


def test_median_of_odd_and_even_counts_ignores_no_data() -> None:
    assert scoring.median([5, 1, 3]) == D(3)
    assert scoring.median([4, 2]) == D(3)
    assert scoring.median([2, 5, None, None]) == D("3.5")


def test_median_of_nothing_is_no_data_not_a_score() -> None:
    assert scoring.median([]) is None
    assert scoring.median([None, None]) is None


def test_rated_scores_map_one_to_zero_and_five_to_hundred() -> None:
    assert scoring.rated_percent(D(1)) == 0
    assert scoring.rated_percent(D(3)) == 50
    assert scoring.rated_percent(D(5)) == 100


def test_kpi_maps_linearly_and_clamps_either_direction() -> None:
    assert scoring.kpi_percent(D(75), best=D(100), worst=D(50)) == 50
    assert scoring.kpi_percent(D(40), best=D(100), worst=D(50)) == 0
    # Lower is better for a rejection rate.
    assert scoring.kpi_percent(D(1), best=D(0), worst=D(4)) == 75
    assert scoring.kpi_percent(D(9), best=D(0), worst=D(4)) == 0


def test_overall_is_the_weighted_sum() -> None:
    result = scoring.overall_score(
        [Outcome(1, D(60), D(100)), Outcome(2, D(30), D(50)), Outcome(3, D(10), D(0))]
    )
    assert result.score == D("75.00")
    assert result.is_partial is False
    assert [o.effective_weight for o in result.outcomes] == [D(60), D(30), D(10)]


def test_no_data_is_left_out_and_the_weights_renormalised() -> None:
    result = scoring.overall_score(
        [Outcome(1, D(20), D(100)), Outcome(2, D(30), D(50)), Outcome(3, D(50), None)]
    )
    # (20*100 + 30*50) / 50 = 70, not (20*100 + 30*50 + 50*100) / 100 = 85.
    assert result.score == D("70.00")
    assert result.is_partial is True
    assert [o.effective_weight for o in result.outcomes] == [D(40), D(60), D(0)]


def test_nothing_scored_has_no_overall_score() -> None:
    result = scoring.overall_score([Outcome(1, D(100), None)])
    assert result.score is None
    assert result.is_partial is True


@pytest.mark.parametrize(
    ("score", "standing"),
    [
        (D(0), "very_poor"),
        (D("29.99"), "very_poor"),
        (D(30), "poor"),
        (D("49.99"), "poor"),
        (D(50), "average"),
        (D("79.99"), "average"),
        (D(80), "excellent"),
        (D(100), "excellent"),
    ],
)
def test_band_boundaries(score: Decimal, standing: str) -> None:
    assert scoring.standing_for(score, BANDS) == standing


def test_no_score_has_no_standing() -> None:
    assert scoring.standing_for(None, BANDS) is None


def test_weights_must_add_up_to_100() -> None:
    scoring.check_weights([D(60), D(40)])
    with pytest.raises(ValidationError, match="99"):
        scoring.check_weights([D(60), D(39)])
    with pytest.raises(ValidationError):
        scoring.check_weights([D(100), D(0)])


@pytest.mark.parametrize(
    ("bands", "problem"),
    [
        ([("a", D(0), D(50)), ("b", D(40), D(100))], "overlap"),
        ([("a", D(0), D(40)), ("b", D(50), D(100))], "gap"),
        ([("a", D(10), D(100))], "gap"),
        ([("a", D(0), D(90))], "not 100"),
        ([("a", D(0), D(50)), ("a", D(50), D(100))], "one band"),
    ],
)
def test_bands_must_cover_0_to_100_without_overlap(
    bands: list[tuple[str, Decimal, Decimal]], problem: str
) -> None:
    with pytest.raises(ValidationError, match=problem):
        scoring.check_bands(bands)


def test_default_bands_are_valid() -> None:
    scoring.check_bands(BANDS)
