"""The review events: submitted, the supplier's standing changed, a corrective action plan
opened after a poor review and verified at a later one."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from reviews.models import CorrectiveActionPlan, Review
from reviews.services import plan_verify, review_submit
from tests.reviews.conftest import (  # noqa: F401
    Q1,
    Q2,
    Setup,
    _review_defaults,
    make_review,
    score_all,
    setup,
)
from webhooks.models import Endpoint, Event

pytestmark = pytest.mark.django_db

URL = "http://127.0.0.1:9/hooks"


def test_review_standing_and_plan_events(
    setup: Setup,  # noqa: F811
    make_review: Callable[..., Review],  # noqa: F811
    make_endpoint: Callable[..., Endpoint],
) -> None:
    make_endpoint(URL)
    poor = make_review(Q1)
    score_all(poor, setup.owner, 2)  # very poor
    review_submit(review=poor, by=setup.owner)
    plan = CorrectiveActionPlan.objects.get(review=poor)
    later = make_review(Q2)
    score_all(later, setup.owner, 5)
    review_submit(review=later, by=setup.owner)
    plan_verify(plan=plan, by=setup.manager, effective=True, note="Fixed", review=later)

    kinds = list(Event.objects.order_by("id").values_list("type", flat=True))
    assert kinds.count("review.submitted") == 2
    assert kinds.count("plan.opened") == 1
    assert kinds.count("plan.verified") == 1
    standings = Event.objects.filter(type="supplier.standing_changed").order_by("id")
    assert [
        (e.payload["data"]["previous_standing"], e.payload["data"]["standing"]) for e in standings
    ] == [
        (None, poor.__class__.objects.get(pk=poor.pk).standing),
        (Review.objects.get(pk=poor.pk).standing, Review.objects.get(pk=later.pk).standing),
    ]
    submitted = Event.objects.filter(type="review.submitted").first()
    assert submitted is not None
    assert submitted.payload["data"]["supplier_id"] == setup.supplier.pk
    assert "overall_score" not in submitted.payload["data"]  # confidential
    verified = Event.objects.get(type="plan.verified").payload["data"]
    assert (verified["id"], verified["effective"]) == (plan.pk, True)
