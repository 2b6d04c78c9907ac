"""Issue 15's review defects, each through the surface where it was found.

A supplier's first review is due one cadence after it became active (its lifecycle status
changed to active, or it was created active), never for a period before it existed: so a
supplier added today has no review that is overdue, and no escalation, on its first day. And a
corrective action plan's severity is its escalation's severity."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import User
from accounts.roles import Role
from accounts.services import api_token_create
from escalations.choices import EscalationReason, Severity, StepKind
from escalations.models import Escalation
from notifications.choices import NotificationKind
from notifications.models import Notification
from reviews.models import CorrectiveActionPlan, Review
from reviews.scheduling import review_cadence_scan
from suppliers.models import Supplier
from tests.factories import SupplierFactory
from tests.reviews.conftest import Setup, score_all

pytestmark = pytest.mark.django_db


def at(day: date, hour: int = 6) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def _reviews(supplier: Supplier) -> list[tuple[date, date, date]]:
    return list(
        Review.objects.filter(supplier=supplier)
        .order_by("period_start")
        .values_list("period_start", "period_end", "due_date")
    )


def _nothing_overdue_or_escalated(supplier: Supplier) -> bool:
    return not (
        Escalation.objects.filter(supplier=supplier).exists()
        or Notification.objects.filter(kind=NotificationKind.REVIEW_OVERDUE).exists()
    )


def _page(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _erp(integration: User) -> APIClient:
    client = APIClient()
    _token, key = api_token_create(user=integration, name="ERP sync")
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


# --- 1. the first review is due one cadence after the supplier became active ------------------


def test_a_supplier_the_erp_imports_active_today_gets_no_overdue_review_nor_escalation(
    integration: User,
) -> None:
    # On 2 April the ERP imports a half-yearly (leverage) supplier, already active. H2 2025
    # ended long before it existed; its review would be due 30 January, two months overdue.
    with time_machine.travel(at(date(2026, 4, 2)), tick=False):
        response = _erp(integration).post(
            "/api/v1/suppliers/bulk-upsert/",
            [
                {
                    "external_id": "ERP-NEW",
                    "name": "Newco",
                    "segment": "leverage",
                    "status": "active",
                }
            ],
            format="json",
        )
        assert response.status_code == 200, response.json()
        supplier = Supplier.objects.get(external_id="ERP-NEW")

        assert review_cadence_scan() == 0

    assert _reviews(supplier) == []
    assert _nothing_overdue_or_escalated(supplier)


def test_the_erp_imported_supplier_is_first_reviewed_one_cadence_after_it_came(
    integration: User,
) -> None:
    with time_machine.travel(at(date(2026, 4, 2)), tick=False):
        _erp(integration).post(
            "/api/v1/suppliers/bulk-upsert/",
            [
                {
                    "external_id": "ERP-NEW",
                    "name": "Newco",
                    "segment": "leverage",
                    "status": "active",
                }
            ],
            format="json",
        )
    supplier = Supplier.objects.get(external_id="ERP-NEW")

    # H1 2026 would be due 30 July, under six months after 2 April: not yet.
    with time_machine.travel(at(date(2026, 7, 1)), tick=False):
        assert review_cadence_scan() == 0
    # H2 2026 is due 30 January 2027, more than a cadence after it became active.
    with time_machine.travel(at(date(2027, 1, 1)), tick=False):
        assert review_cadence_scan() == 1
    assert _reviews(supplier) == [(date(2026, 7, 1), date(2026, 12, 31), date(2027, 1, 30))]


def test_a_prospect_the_erp_activates_is_reviewed_from_that_day(integration: User) -> None:
    erp = _erp(integration)
    row = {"external_id": "ERP-P", "name": "Prospect Oy", "segment": "strategic"}
    with time_machine.travel(at(date(2025, 5, 1)), tick=False):
        erp.post("/api/v1/suppliers/bulk-upsert/", [row], format="json")
    with time_machine.travel(at(date(2026, 3, 1)), tick=False):
        response = erp.post(
            "/api/v1/suppliers/bulk-upsert/", [row | {"status": "active"}], format="json"
        )
        assert response.json()["updated"] == 1, response.json()
    supplier = Supplier.objects.get(external_id="ERP-P")

    # Q1 would be due 30 April, under three months after 1 March; Q2 (due 30 July) is first.
    with time_machine.travel(at(date(2026, 4, 2)), tick=False):
        assert review_cadence_scan() == 0
    with time_machine.travel(at(date(2026, 7, 1)), tick=False):
        assert review_cadence_scan() == 1
    assert _reviews(supplier) == [(date(2026, 4, 1), date(2026, 6, 30), date(2026, 7, 30))]


def test_a_supplier_added_on_the_page_and_activated_later_is_reviewed_from_its_activation(
    make_user: Callable[..., User],
) -> None:
    manager = make_user(Role.PROCUREMENT_MANAGER, username="procurement")
    # Added on the page as a prospect last autumn; becomes active on 15 February.
    with time_machine.travel(at(date(2025, 10, 1)), tick=False):
        response = _page(manager).post(
            reverse("suppliers:supplier_create"),
            {"name": "Quarterly Steel", "segment": "strategic", "risk_level": "low"}
            | {"default_currency": "EUR"},
        )
        assert response.status_code == 302, response.content.decode()
    supplier = Supplier.objects.get(name="Quarterly Steel")
    with time_machine.travel(at(date(2026, 2, 15)), tick=False):
        response = _page(manager).post(
            reverse("suppliers:supplier_change_status", args=[supplier.pk]), {"status": "active"}
        )
        assert response.status_code == 302, response.content.decode()
    assert Supplier.objects.get(pk=supplier.pk).status == "active"

    # Q1's review would be due 30 April, under three months after 15 February.
    with time_machine.travel(at(date(2026, 4, 2)), tick=False):
        assert review_cadence_scan() == 0
    with time_machine.travel(at(date(2026, 5, 20)), tick=False):
        review_cadence_scan()
    assert _reviews(supplier) == []
    assert _nothing_overdue_or_escalated(supplier)
    # Q2's is the first: due 30 July.
    with time_machine.travel(at(date(2026, 7, 1)), tick=False):
        assert review_cadence_scan() == 1
    assert _reviews(supplier) == [(date(2026, 4, 1), date(2026, 6, 30), date(2026, 7, 30))]


def test_a_supplier_added_over_the_api_and_activated_today_gets_no_review_of_the_past(
    procurement_manager: User,
) -> None:
    api = APIClient()
    api.force_authenticate(procurement_manager)
    with time_machine.travel(at(date(2026, 4, 2)), tick=False):
        created = api.post(
            "/api/v1/suppliers/",
            {"name": "Api Gmbh", "segment": "leverage", "country": "DE"},
            format="json",
        )
        assert created.status_code == 201, created.json()
        pk = created.json()["id"]
        changed = api.post(
            f"/api/v1/suppliers/{pk}/change-status/", {"status": "active"}, format="json"
        )
        assert changed.status_code == 200, changed.json()

        review_cadence_scan()

    supplier = Supplier.objects.get(pk=pk)
    assert _reviews(supplier) == []
    assert _nothing_overdue_or_escalated(supplier)


def test_a_supplier_active_for_years_is_reviewed_as_before(setup: Setup) -> None:
    # The fixture's supplier has been active since 2025.
    with time_machine.travel(at(date(2026, 4, 2)), tick=False):
        assert review_cadence_scan() == 1
    assert _reviews(setup.supplier) == [(date(2026, 1, 1), date(2026, 3, 31), date(2026, 4, 30))]


def test_a_supplier_that_comes_back_is_reviewed_from_its_return(
    make_user: Callable[..., User],
) -> None:
    manager = make_user(Role.PROCUREMENT_MANAGER, username="procurement")
    with time_machine.travel(at(date(2024, 3, 1)), tick=False):
        supplier = SupplierFactory(segment="strategic", status="active")
    status_url = reverse("suppliers:supplier_change_status", args=[supplier.pk])
    with time_machine.travel(at(date(2025, 6, 1)), tick=False):
        _page(manager).post(status_url, {"status": "offboarded"})
    with time_machine.travel(at(date(2026, 3, 20)), tick=False):
        response = _page(manager).post(status_url, {"status": "active", "reason": "New contract"})
        assert response.status_code == 302, response.content.decode()
    assert Supplier.objects.get(pk=supplier.pk).status == "active"

    with time_machine.travel(at(date(2026, 4, 2)), tick=False):
        assert review_cadence_scan() == 0
    assert _nothing_overdue_or_escalated(supplier)


def test_the_scan_of_many_suppliers_keeps_its_query_count(
    django_assert_max_num_queries: Callable[..., object],
) -> None:
    """The activation is read in the scan's own query, not once per supplier."""
    with time_machine.travel(at(date(2026, 4, 2)), tick=False):
        for _ in range(5):
            SupplierFactory(segment="strategic", status="active")
        with django_assert_max_num_queries(12):  # type: ignore[operator]
            assert review_cadence_scan() == 0


# --- 5. a plan's severity is its escalation's -------------------------------------------------


@pytest.fixture
def poor_plan(setup: Setup, make_review: Callable[..., Review]) -> CorrectiveActionPlan:
    """A submitted poor review of Q1 with its plan (medium) and its open escalation."""
    from reviews.services import review_submit

    review = make_review()
    score_all(review, setup.owner, 3)
    score_all(review, setup.backup, 2)
    review_submit(review=review, by=setup.owner)
    plan = CorrectiveActionPlan.objects.get(review=review)
    assert plan.severity == Severity.MEDIUM
    assert Escalation.objects.get(reason=EscalationReason.POOR_REVIEW).severity == plan.severity
    return plan


def _poor_review_escalation() -> Escalation:
    return Escalation.objects.get(reason=EscalationReason.POOR_REVIEW)


@pytest.mark.parametrize("role", ["procurement", "owner"])
def test_changing_the_plans_severity_on_the_page_changes_its_escalations(
    poor_plan: CorrectiveActionPlan, setup: Setup, role: str
) -> None:
    user = setup.manager if role == "procurement" else setup.owner
    response = _page(user).post(
        reverse("reviews:plan_detail", args=[poor_plan.pk]),
        {
            "problem": poor_plan.problem,
            "severity": Severity.CRITICAL,
            "root_cause": "Worn tooling",
            "supplier_response": "",
        },
    )

    assert response.status_code == 302, response.content.decode()
    escalation = _poor_review_escalation()
    assert escalation.severity == Severity.CRITICAL
    step = escalation.steps.get(kind=StepKind.SEVERITY)
    assert step.actor == user
    assert step.text == "Medium → Critical"  # stored as facts, rendered for the reader
    timeline = _page(setup.owner).get(escalation.get_absolute_url()).content.decode()
    assert "Severity changed" in timeline and "Medium → Critical" in timeline


def test_changing_the_plans_severity_over_the_api_changes_its_escalations(
    poor_plan: CorrectiveActionPlan, setup: Setup
) -> None:
    api = APIClient()
    api.force_authenticate(setup.owner)

    response = api.post(
        f"/api/v1/corrective-action-plans/{poor_plan.pk}/change/",
        {"severity": "low"},
        format="json",
    )

    assert response.status_code == 200, response.json()
    assert _poor_review_escalation().severity == Severity.LOW


def test_a_raised_severity_shortens_the_time_to_acknowledge(
    poor_plan: CorrectiveActionPlan, setup: Setup, settings: object
) -> None:
    from reviews.services import plan_update

    before = _poor_review_escalation().acknowledge_by
    plan_update(plan=poor_plan, by=setup.owner, severity=Severity.CRITICAL)

    escalation = _poor_review_escalation()
    hours = settings.ESCALATION_ACKNOWLEDGE_HOURS  # type: ignore[attr-defined]
    assert hours[Severity.CRITICAL] < hours[Severity.MEDIUM]
    assert escalation.acknowledge_by < before


def test_an_unchanged_severity_records_no_step(
    poor_plan: CorrectiveActionPlan, setup: Setup
) -> None:
    from reviews.services import plan_update

    plan_update(plan=poor_plan, by=setup.owner, severity=poor_plan.severity, root_cause="Tools")

    assert not _poor_review_escalation().steps.filter(kind=StepKind.SEVERITY).exists()


def test_a_resolved_escalation_keeps_its_severity(
    poor_plan: CorrectiveActionPlan, setup: Setup
) -> None:
    from escalations.services import escalation_resolve
    from reviews.services import plan_update

    escalation_resolve(escalation=_poor_review_escalation(), by=setup.manager, note="Handled")

    plan_update(plan=poor_plan, by=setup.owner, severity=Severity.CRITICAL)

    escalation = _poor_review_escalation()
    assert escalation.severity == Severity.MEDIUM
    assert not escalation.steps.filter(kind=StepKind.SEVERITY).exists()


def test_an_executive_cannot_change_the_severity(
    poor_plan: CorrectiveActionPlan, executive: User
) -> None:
    api = APIClient()
    api.force_authenticate(executive)

    response = api.post(
        f"/api/v1/corrective-action-plans/{poor_plan.pk}/change/",
        {"severity": "low"},
        format="json",
    )

    assert response.status_code in (403, 404)
    assert _poor_review_escalation().severity == Severity.MEDIUM


def test_an_unknown_severity_is_refused_and_changes_nothing(
    poor_plan: CorrectiveActionPlan, setup: Setup
) -> None:
    api = APIClient()
    api.force_authenticate(setup.owner)

    response = api.post(
        f"/api/v1/corrective-action-plans/{poor_plan.pk}/change/",
        {"severity": "apocalyptic"},
        format="json",
    )

    assert response.status_code == 400
    assert _poor_review_escalation().severity == Severity.MEDIUM


# --- One rule in one place: allowed actions (issue 15, item 1) ----------------------------


def _api(user: User) -> APIClient:
    api = APIClient()
    api.force_authenticate(user)
    return api


def test_a_verified_plan_is_closed_to_changes_over_the_api_as_on_the_page(
    poor_plan: CorrectiveActionPlan, setup: Setup, make_review: Callable[..., Review]
) -> None:
    from reviews.services import plan_verify
    from tests.reviews.conftest import Q2

    make_review(Q2)
    plan_verify(plan=poor_plan, by=setup.owner, effective=True, note="Line 2 fixed")

    response = _api(setup.owner).post(
        f"/api/v1/corrective-action-plans/{poor_plan.pk}/change/",
        {"root_cause": "Rewritten after the fact"},
        format="json",
    )

    assert response.status_code == 409, response.json()
    assert response.json()["error"]["code"] == "plan_closed"
    poor_plan.refresh_from_db()
    assert poor_plan.root_cause != "Rewritten after the fact"
    page = _page(setup.owner).get(reverse("reviews:plan_detail", args=[poor_plan.pk]))
    assert 'name="root_cause"' not in page.content.decode()


def test_an_integration_account_cannot_own_a_corrective_action(
    poor_plan: CorrectiveActionPlan,
    setup: Setup,
    integration: User,
) -> None:
    from django.core.exceptions import ValidationError

    from reviews.services import action_add

    response = _api(setup.owner).post(
        f"/api/v1/corrective-action-plans/{poor_plan.pk}/add-action/",
        {"description": "Sync it", "due_date": "2026-06-30", "owner_user": integration.pk},
        format="json",
    )
    assert response.status_code == 400, response.json()
    with pytest.raises(ValidationError) as error:
        action_add(
            plan=poor_plan,
            by=setup.owner,
            description="Sync it",
            due_date=date(2026, 6, 30),
            owner_user=integration,
        )
    assert "owner_user" in error.value.message_dict
    page = _page(setup.owner).get(reverse("reviews:plan_detail", args=[poor_plan.pk]))
    assert f'value="{integration.pk}"' not in page.content.decode()
    assert not poor_plan.actions.exists()


def test_the_api_says_which_actions_each_person_may_take_on_a_review(
    setup: Setup, make_review: Callable[..., Review], make_user: Callable[..., User]
) -> None:
    review = make_review()
    carol = make_user(Role.ACCOUNT_MANAGER, username="carol")
    executive = make_user(Role.EXECUTIVE, username="erin")

    def actions(user: User) -> list[str] | int:
        response = _api(user).get(f"/api/v1/reviews/{review.pk}/")
        return response.json()["allowed_actions"] if response.status_code == 200 else 404

    assert actions(setup.owner) == ["invite", "score", "submit"]
    assert actions(setup.backup) == ["score"]  # a rater, not its manager
    assert actions(setup.manager) == ["invite", "submit"]  # manages it, is no rater
    assert actions(executive) == []  # reads everything, changes nothing
    assert actions(carol) == 404
    score_all(review, setup.owner, 4)
    _api(setup.owner).post(f"/api/v1/reviews/{review.pk}/submit/", {}, format="json")
    assert actions(setup.owner) == []
    assert actions(setup.manager) == ["reopen"]


def test_the_action_owner_may_mark_it_done_and_sees_only_that(
    poor_plan: CorrectiveActionPlan, setup: Setup, make_user: Callable[..., User]
) -> None:
    from reviews.services import action_add

    dave = make_user(Role.ACCOUNT_MANAGER, username="dave")
    action = action_add(
        plan=poor_plan,
        by=setup.owner,
        description="Audit line 2",
        due_date=date(2026, 6, 30),
        owner_user=dave,
    )

    detail = _api(dave).get(f"/api/v1/corrective-action-plans/{poor_plan.pk}/").json()

    assert detail["allowed_actions"] == []
    assert detail["actions"][0]["allowed_actions"] == ["cancel", "complete"]
    page = _page(dave).get(reverse("reviews:plan_detail", args=[poor_plan.pk])).content.decode()
    assert reverse("reviews:action_status", args=[action.pk]) in page
    assert reverse("reviews:action_add", args=[poor_plan.pk]) not in page
