from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.models import User
from rfps import scoring
from rfps.comparison import comparison_build
from rfps.selectors import rfp_get, score_list
from rfps.services.evaluation import evaluation_submit, score_set
from rfps.services.rfp import RfpStateError, rfp_deadline_scan, round_open
from tests.rfps.conftest import DEADLINE, Event, past_deadline

pytestmark = pytest.mark.django_db


def test_price_scores_lowest_gets_full_marks_others_in_proportion() -> None:
    scores = scoring.price_scores({"a": Decimal(800), "b": Decimal(1000), "c": Decimal(1600)})
    assert scores == {"a": Decimal(10), "b": Decimal("8.00"), "c": Decimal("5.00")}


def test_price_scores_with_a_free_offer() -> None:
    assert scoring.price_scores({"a": Decimal(0), "b": Decimal(5)}) == {
        "a": Decimal(10),
        "b": Decimal("0.00"),
    }


def test_weighted_total_is_weight_times_score_out_of_ten() -> None:
    total = scoring.weighted_total({1: 40, 2: 60}, {1: Decimal(8), 2: Decimal("7.5")})
    assert total == Decimal("77.00")  # 40 x 0.8 + 60 x 0.75
    assert scoring.weighted_total({1: 40, 2: 60}, {1: Decimal(10)}) == Decimal("40.00")


def test_ranking_shares_equal_places() -> None:
    ranks = scoring.ranking({"a": Decimal(70), "b": Decimal(90), "c": Decimal(70), "d": Decimal(1)})
    assert ranks == {"b": 1, "a": 2, "c": 2, "d": 4}


def test_median_of_first_round() -> None:
    assert scoring.median_total([Decimal(1), Decimal(3), Decimal(10)]) == Decimal("3.00")
    assert scoring.median_total([Decimal(1), Decimal(4)]) == Decimal("2.50")


def _closed(event: Event, clock: time_machine.Traveller) -> None:
    event.respond(0, ["50", "200"])  # 7000
    event.respond(1, ["40", "200"])  # 6000
    past_deadline(clock)
    rfp_deadline_scan()


def _score_all(event: Event, member: User, value: str) -> None:
    quality = event.rfp.criteria.get(is_price=False)
    for index in (0, 1):
        score_set(
            rfp=event.rfp,
            by=member,
            invitation=event.invitation(index),
            criterion=quality,
            value=Decimal(value),
            comment="ok",
        )


def test_scoring_before_the_deadline_is_refused(event: Event) -> None:
    event.respond(0, ["50", "200"])
    quality = event.rfp.criteria.get(is_price=False)
    with pytest.raises(RfpStateError):
        score_set(
            rfp=event.rfp,
            by=event.panel[0],
            invitation=event.invitation(0),
            criterion=quality,
            value=Decimal(5),
        )


def test_only_panel_members_score(event: Event, clock: time_machine.Traveller) -> None:
    _closed(event, clock)
    quality = event.rfp.criteria.get(is_price=False)
    with pytest.raises(PermissionDenied):
        score_set(
            rfp=event.rfp,
            by=event.owner,
            invitation=event.invitation(0),
            criterion=quality,
            value=Decimal(5),
        )


def test_price_is_not_scored_by_hand_and_scores_stay_in_range(
    event: Event, clock: time_machine.Traveller
) -> None:
    _closed(event, clock)
    price = event.rfp.criteria.get(is_price=True)
    quality = event.rfp.criteria.get(is_price=False)
    with pytest.raises(ValidationError):
        score_set(
            rfp=event.rfp,
            by=event.panel[0],
            invitation=event.invitation(0),
            criterion=price,
            value=Decimal(5),
        )
    with pytest.raises(ValidationError):
        score_set(
            rfp=event.rfp,
            by=event.panel[0],
            invitation=event.invitation(0),
            criterion=quality,
            value=Decimal(11),
        )
    with pytest.raises(ValidationError):  # no proposal from the third supplier
        score_set(
            rfp=event.rfp,
            by=event.panel[0],
            invitation=event.invitation(2),
            criterion=quality,
            value=Decimal(5),
        )


def test_members_see_others_scores_only_after_submitting_their_own(
    event: Event, clock: time_machine.Traveller
) -> None:
    _closed(event, clock)
    pia, pete = event.panel
    _score_all(event, pia, "8")
    _score_all(event, pete, "6")
    assert {s.evaluation.evaluator for s in score_list(user=pia, rfp=event.rfp)} == {pia}
    evaluation_submit(rfp=event.rfp, by=pia)
    # Pete has not submitted: Pia's submitted scores stay hidden from him.
    assert {s.evaluation.evaluator for s in score_list(user=pete, rfp=event.rfp)} == {pete}
    # Pia sees only submitted sheets of others: Pete's draft scores stay hidden from her too.
    assert {s.evaluation.evaluator for s in score_list(user=pia, rfp=event.rfp)} == {pia}
    evaluation_submit(rfp=event.rfp, by=pete)
    assert {s.evaluation.evaluator for s in score_list(user=pete, rfp=event.rfp)} == {pia, pete}
    assert {s.evaluation.evaluator for s in score_list(user=pia, rfp=event.rfp)} == {pia, pete}
    # The owner, not on the panel, sees submitted sheets.
    assert score_list(user=event.owner, rfp=event.rfp).count() == 4
    with pytest.raises(RfpStateError):
        _score_all(event, pia, "1")


def test_submitting_needs_every_cell(event: Event, clock: time_machine.Traveller) -> None:
    _closed(event, clock)
    quality = event.rfp.criteria.get(is_price=False)
    score_set(
        rfp=event.rfp,
        by=event.panel[0],
        invitation=event.invitation(0),
        criterion=quality,
        value=Decimal(5),
    )
    with pytest.raises(ValidationError):
        evaluation_submit(rfp=event.rfp, by=event.panel[0])


def test_comparison_weights_price_and_panel_average(
    event: Event, clock: time_machine.Traveller
) -> None:
    _closed(event, clock)
    quality = event.rfp.criteria.get(is_price=False)
    pia, pete = event.panel
    # Supplier 00 (7000): quality 9 and 7 → 8; supplier 01 (6000): 5 and 5.
    for member, values in ((pia, ("9", "5")), (pete, ("7", "5"))):
        for index, value in zip((0, 1), values, strict=True):
            score_set(
                rfp=event.rfp,
                by=member,
                invitation=event.invitation(index),
                criterion=quality,
                value=Decimal(value),
            )
        evaluation_submit(rfp=event.rfp, by=member)
    rfp = rfp_get(user=event.owner, pk=event.rfp.pk)
    comparison = comparison_build(user=event.owner, rfp=rfp)
    columns = {c.invitation.supplier.name: c for c in comparison.columns}
    first, second = columns["Supplier 00"], columns["Supplier 01"]
    price = rfp.criteria.get(is_price=True)
    assert second.scores[price.pk] == Decimal(10)
    assert first.scores[price.pk] == Decimal("8.57")  # 10 x 6000 / 7000
    assert first.scores[quality.pk] == Decimal("8.00")
    # 40 x 0.857 + 60 x 0.8 = 82.28; 40 x 1 + 60 x 0.5 = 70
    assert first.weighted == Decimal("82.28") and second.weighted == Decimal("70.00")
    assert (first.rank, second.rank) == (1, 2)
    chair = rfp.lines.first()
    assert comparison.best_price[chair.pk] == Decimal(40)
    assert comparison.submitted_evaluations == 2


def test_comparison_hides_the_panels_scores_from_a_member_who_has_not_submitted(
    event: Event, clock: time_machine.Traveller
) -> None:
    _closed(event, clock)
    pia, pete = event.panel
    _score_all(event, pete, "9")
    evaluation_submit(rfp=event.rfp, by=pete)
    quality = event.rfp.criteria.get(is_price=False)
    rfp = rfp_get(user=pia, pk=event.rfp.pk)
    column = comparison_build(user=pia, rfp=rfp).columns[0]
    assert column.scores[quality.pk] is None
    owner_view = comparison_build(user=event.owner, rfp=rfp_get(user=event.owner, pk=rfp.pk))
    assert owner_view.columns[0].scores[quality.pk] == Decimal("9.00")
    _score_all(event, pia, "5")
    evaluation_submit(rfp=event.rfp, by=pia)
    column = comparison_build(user=pia, rfp=rfp).columns[0]
    assert column.scores[quality.pk] == Decimal("7.00")


def test_price_score_follows_the_latest_offer_after_a_negotiation_round(
    event: Event, clock: time_machine.Traveller
) -> None:
    _closed(event, clock)  # 00 offers 7000, 01 offers 6000
    pia, pete = event.panel
    for member in (pia, pete):
        _score_all(event, member, "8")
        evaluation_submit(rfp=event.rfp, by=member)
    second = DEADLINE + timedelta(days=3)
    round_open(rfp=event.rfp, by=event.owner, shortlist=[event.invitation(0)], deadline=second)
    event.respond(0, ["30", "200"])  # 00 comes down to 5000, sealed until the new deadline
    price = event.rfp.criteria.get(is_price=True)

    def columns() -> dict[str, Any]:
        rfp = rfp_get(user=event.owner, pk=event.rfp.pk)
        return {
            c.invitation.supplier.name: c
            for c in comparison_build(user=event.owner, rfp=rfp).columns
        }

    sealed = columns()
    assert sealed["Supplier 00"].total == Decimal("7000.00")  # round two is not read yet
    assert sealed["Supplier 01"].scores[price.pk] == Decimal(10)

    past_deadline(clock, second)
    opened = columns()
    lowered, other = opened["Supplier 00"], opened["Supplier 01"]
    assert lowered.total == Decimal("5000.00") and lowered.movement == Decimal("-2000.00")
    assert [r.total for r in lowered.history] == [Decimal("7000.00"), Decimal("5000.00")]
    assert lowered.scores[price.pk] == Decimal(10)
    assert other.scores[price.pk] == Decimal("8.33")  # 10 x 5000 / 6000
    # The panel's sheets, submitted after round one, still count: 40 x 1 + 60 x 0.8 = 88.
    assert lowered.weighted == Decimal("88.00") and (lowered.rank, other.rank) == (1, 2)
