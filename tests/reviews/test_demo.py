"""The demo reviews: six quarters for the key suppliers, one sliding into "poor" with an open
corrective action plan, the latest quarter open for its owner; safe to run twice."""

from __future__ import annotations

import pytest

import reviews.demo
from reviews.models import CorrectiveActionPlan, DeliveryLine, Review, SurveyAnswer
from tests.demo_snapshot import DemoSnapshot

pytestmark = pytest.mark.django_db


def test_demo_reviews_show_a_supplier_sliding_into_poor_and_run_twice(
    demo_data: DemoSnapshot,
) -> None:
    count, lines = Review.objects.count(), DeliveryLine.objects.count()
    list(reviews.demo.seed())
    assert (Review.objects.count(), DeliveryLine.objects.count()) == (count, lines)
    sliding = list(
        Review.objects.filter(supplier__name=reviews.demo.SLIDING).order_by("period_end")
    )
    assert len(sliding) == 6
    submitted = [r for r in sliding if r.status == "submitted"]
    assert submitted[0].standing in {"average", "excellent"}
    assert submitted[-1].standing == "poor"
    assert submitted[-1].overall_score < submitted[0].overall_score  # type: ignore[operator]
    assert sliding[-1].status == "scheduled" and sliding[-1].owner is not None
    plan = CorrectiveActionPlan.objects.filter(supplier__name=reviews.demo.SLIDING, status="open")
    assert plan.exists() and plan.first().actions.count() == 2  # type: ignore[union-attr]
    assert SurveyAnswer.objects.exists()
