"""The escalation a poor review raises, and when it ends: it stays open until the corrective
action plan is verified as effective at a later review (or someone resolves it by hand). A
better later review alone does not close it, nor does a plan found not effective. The plan's
page and API record show the escalation and its status."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.utils import translation
from rest_framework.test import APIClient

from accounts.models import User
from escalations.choices import EscalationReason, EscalationStatus
from escalations.models import Escalation
from reviews.models import CorrectiveActionPlan, Review
from reviews.services import plan_verify, review_submit
from tests.reviews.conftest import Q1, Q2, Setup, score_all

pytestmark = pytest.mark.django_db
KEEPS_OPEN = "It stays open until this plan is verified as effective at a later review"


def _poor(setup: Setup, make_review: Callable[..., Review]) -> CorrectiveActionPlan:
    review = make_review(Q1)
    score_all(review, setup.owner, 2)  # 25: very poor
    review_submit(review=review, by=setup.owner)
    return CorrectiveActionPlan.objects.get(review=review)


def _escalation() -> Escalation:
    return Escalation.objects.get(reason=EscalationReason.POOR_REVIEW)


def _api_plan(user: User, plan: CorrectiveActionPlan) -> dict[str, object]:
    client = APIClient()
    client.force_authenticate(user)
    response = client.get(f"/api/v1/corrective-action-plans/{plan.pk}/")
    assert response.status_code == 200
    return dict(response.json())


def _page(user: User, plan: CorrectiveActionPlan) -> str:
    client = Client()
    client.force_login(user)
    return client.get(plan.get_absolute_url()).content.decode()


def test_a_better_later_review_alone_leaves_the_escalation_open(
    setup: Setup, make_review: Callable[..., Review]
) -> None:
    plan = _poor(setup, make_review)
    later = make_review(Q2)
    score_all(later, setup.owner, 5)
    review_submit(review=later, by=setup.owner)

    escalation = _escalation()
    assert escalation.status == EscalationStatus.OPEN
    html = _page(setup.owner, plan)
    assert escalation.get_absolute_url() in html and KEEPS_OPEN in html
    data = _api_plan(setup.owner, plan)
    assert (data["escalation"], data["escalation_status"]) == (escalation.pk, "open")


def test_a_plan_found_not_effective_leaves_the_escalation_open(
    setup: Setup, make_review: Callable[..., Review]
) -> None:
    plan = _poor(setup, make_review)
    make_review(Q2)
    plan_verify(plan=plan, by=setup.owner, effective=False, note="Still late")

    assert _escalation().status == EscalationStatus.OPEN
    assert _api_plan(setup.manager, plan)["escalation_status"] == "open"


def test_verifying_the_plan_as_effective_resolves_the_escalation_and_says_so(
    setup: Setup, make_review: Callable[..., Review]
) -> None:
    plan = _poor(setup, make_review)
    make_review(Q2)
    plan_verify(plan=plan, by=setup.owner, effective=True, note="Defects down")

    escalation = _escalation()
    assert escalation.status == EscalationStatus.RESOLVED
    assert escalation.resolution_code == "plan_verified_effective"
    with translation.override("en"):
        assert "verified as effective" in escalation.resolution_text
    html = _page(setup.owner, plan)
    assert escalation.get_absolute_url() in html and KEEPS_OPEN not in html
    assert _api_plan(setup.owner, plan)["escalation_status"] == "resolved"


def test_a_plan_without_an_escalation_shows_none(
    setup: Setup, make_review: Callable[..., Review]
) -> None:
    plan = _poor(setup, make_review)
    Escalation.objects.all().delete()
    assert _api_plan(setup.owner, plan)["escalation"] is None
    assert "The escalation of the poor review" not in _page(setup.owner, plan)


def test_an_action_s_owner_opens_the_plan_and_marks_it_done_without_seeing_the_review(
    setup: Setup, make_review: Callable[..., Review], make_user: Callable[..., User]
) -> None:
    from accounts.roles import Role
    from notifications.models import Notification
    from reviews.services import action_add

    plan = _poor(setup, make_review)
    carol = make_user(Role.ACCOUNT_MANAGER, username="carol")  # quality engineer, say
    dave = make_user(Role.ACCOUNT_MANAGER, username="dave")
    action = action_add(
        plan=plan, by=setup.owner, description="New tooling", due_date=Q2[0], owner_user=carol
    )
    told = Notification.objects.get(recipient=carol)
    assert told.url == plan.get_absolute_url()

    client = Client()
    client.force_login(carol)
    assert "New tooling" in client.get(plan.get_absolute_url()).content.decode()
    assert client.get(plan.review.get_absolute_url()).status_code == 404
    done = client.post(f"/reviews/actions/item/{action.pk}/status/", {"status": "done"})
    assert done.status_code == 302
    action.refresh_from_db()
    assert action.status == "done"
    assert _api_plan(carol, plan)["id"] == plan.pk

    outsider = Client()
    outsider.force_login(dave)
    assert outsider.get(plan.get_absolute_url()).status_code == 404
    assert (
        outsider.post(f"/reviews/actions/item/{action.pk}/status/", {"status": "open"}).status_code
        == 404
    )
