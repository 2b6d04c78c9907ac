"""Issue 7's "Done when", walked once end to end through the public surfaces: the cadence task
creates a strategic supplier's next quarterly review for its owner by itself; two stakeholders
score it over the API; delivery lines the ERP pushes show up as evidence on the review form; the
poor result opens a corrective action plan and an escalation; the supplier's contact answers the
survey through the emailed link, without an account, and their rating shows on the supplier
page beside ours."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
import time_machine
from django.core import mail
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import User
from accounts.roles import Role
from escalations.choices import EscalationReason, EscalationStatus
from escalations.models import Escalation
from notifications.choices import NotificationKind
from notifications.models import Notification
from notifications.services import notification_deliver
from reviews.choices import PlanStatus, ReviewStatus
from reviews.models import CorrectiveActionPlan, Review
from reviews.tasks import review_cadence_scan_task
from tests.reviews.conftest import Setup, rated

pytestmark = pytest.mark.django_db
APRIL_2 = datetime(2026, 4, 2, 6, 0, tzinfo=UTC)


def _api(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _page(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _line(supplier: str, line: str, *, received: str, got: str = "10") -> dict[str, object]:
    return {
        "supplier_external_id": supplier,
        "order_ref": "PO-7",
        "line_ref": line,
        "promised_date": "2026-02-10",
        "received_date": received,
        "quantity_ordered": "10",
        "quantity_received": got,
        "quantity_rejected": "0",
    }


@time_machine.travel(APRIL_2, tick=False)
def test_done_when_walked_as_a_new_user_would(setup: Setup, make_user: Callable[..., User]) -> None:
    # Q1 2026 has ended: the beat's task creates the strategic supplier's review by itself.
    assert review_cadence_scan_task.apply().get() == 1
    review = Review.objects.get(supplier=setup.supplier)
    assert (review.period_start, review.period_end) == (date(2026, 1, 1), date(2026, 3, 31))
    assert review.owner == setup.owner
    mine = _page(setup.owner).get("/reviews/mine/").content.decode()
    assert review.get_absolute_url() in mine
    assert Notification.objects.filter(
        kind=NotificationKind.REVIEW_ASSIGNED, recipient=setup.owner
    ).exists()

    # The ERP pushes the quarter's delivery lines: one of four was late, so OTIF is 75%.
    erp = make_user(Role.INTEGRATION, username="erp")
    external_id = setup.supplier.external_id
    lines = [_line(external_id, str(n), received="2026-02-09") for n in range(1, 4)]
    lines.append(_line(external_id, "4", received="2026-02-20"))
    pushed = _api(erp).post("/api/v1/deliveries/bulk-upsert/", lines, format="json")
    assert pushed.status_code == 200 and pushed.json()["created"] == 4, pushed.json()

    # The review form shows it as evidence beside the scores.
    form = _page(setup.owner).get(review.get_absolute_url()).content.decode()
    assert "On time in full" in form and "75.00" in form

    # Two stakeholders score independently over the API: alice 3s, bob 2s.
    for user, value in ((setup.owner, 3), (setup.backup, 2)):
        body = {"scores": [{"criterion": c.pk, "score": value} for c in rated(review)]}
        response = _api(user).post(f"/api/v1/reviews/{review.pk}/scores/", body, format="json")
        assert response.status_code == 200, response.json()

    # The owner submits: rated medians 2.5 (37.5) weigh 80, delivery 75% (50) weighs 20: 40.
    response = _api(setup.owner).post(f"/api/v1/reviews/{review.pk}/submit/", {}, format="json")
    assert response.status_code == 200, response.json()
    result = response.json()
    assert result["status"] == ReviewStatus.SUBMITTED
    assert Decimal(result["overall_score"]) == Decimal("40.00")
    assert result["standing"] == "poor" and result["is_partial"] is False

    # A poor result opens a corrective action plan and an escalation, both shown to the owner.
    plan = CorrectiveActionPlan.objects.get(review=review)
    assert plan.status == PlanStatus.OPEN
    escalation = Escalation.objects.get(reason=EscalationReason.POOR_REVIEW)
    assert escalation.status == EscalationStatus.OPEN and escalation.supplier == setup.supplier
    plan_page = _page(setup.owner).get(plan.get_absolute_url()).content.decode()
    assert escalation.get_absolute_url() in plan_page

    # The supplier's contact answers the emailed survey through its link, with no account.
    # The outbox row holds no usable link (issue 14); the email sent to the contact does.
    survey_mail = Notification.objects.get(kind=NotificationKind.SUPPLIER_SURVEY)
    assert survey_mail.email_to == "anna@acme.example.com"
    assert not survey_mail.url
    notification_deliver(notification_id=survey_mail.pk)
    sent = next(m for m in mail.outbox if m.to == ["anna@acme.example.com"])
    link = urlsplit(re.search(r"https?://\S+/reviews/survey/\S+", sent.body)[0]).path
    anonymous = Client()
    assert anonymous.get(link).status_code == 200
    answer = {"communication": "4", "payment": "2", "forecasting": "3", "collaboration": "5"}
    assert anonymous.post(link, answer).status_code == 200
    assert anonymous.post(link, answer).status_code == 409  # the link works once

    # The supplier page shows their rating of us beside ours of them.
    supplier_page = _page(setup.owner).get(setup.supplier.get_absolute_url()).content.decode()
    assert "Their rating of us" in supplier_page and "3.50 / 5" in supplier_page
    assert "Our rating of them" in supplier_page and "40.00 / 100" in supplier_page
