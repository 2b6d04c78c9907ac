"""Reviews over the API: visibility per role (alice and bob), submit and reopen actions, own
scores, corrective action plans, the ERP bulk upserts (all or nothing, errors by row and
field), the supplier record's RFP flag, and query counts at two sizes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from accounts.models import User
from accounts.roles import Role
from reviews.models import CorrectiveActionPlan, DeliveryLine, KpiValue, Review
from tests.factories import OwnershipFactory, SupplierFactory
from tests.reviews.conftest import Q1, Q2, Setup, rated, score_all

pytestmark = pytest.mark.django_db
REVIEWS = "/api/v1/reviews/"
DELIVERIES = "/api/v1/deliveries/"
KPIS = "/api/v1/kpi-values/"
PLANS = "/api/v1/corrective-action-plans/"


def signed_in(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def ids(response: Any) -> list[int]:
    assert response.status_code == 200, response.json()
    return [row["id"] for row in response.json()["results"]]


@pytest.fixture
def others(make_user: Callable[..., User]) -> dict[str, User]:
    return {
        "carol": make_user(Role.ACCOUNT_MANAGER, username="carol"),
        "executive": make_user(Role.EXECUTIVE, username="executive"),
        "erp": make_user(Role.INTEGRATION, username="erp"),
    }


def test_reviews_are_visible_to_owners_raters_managers_and_executives_only(
    setup: Setup, make_review: Callable[..., Review], others: dict[str, User]
) -> None:
    review = make_review()
    bobs_supplier = SupplierFactory()
    OwnershipFactory(supplier=bobs_supplier, user=others["carol"], role="owner")
    carols = make_review(supplier=bobs_supplier)
    assert ids(signed_in(setup.owner).get(REVIEWS)) == [review.pk]
    assert ids(signed_in(setup.backup).get(REVIEWS)) == [review.pk]  # key-account backup
    assert ids(signed_in(others["carol"]).get(REVIEWS)) == [carols.pk]
    assert sorted(ids(signed_in(setup.manager).get(REVIEWS))) == sorted([review.pk, carols.pk])
    assert len(ids(signed_in(others["executive"]).get(REVIEWS))) == 2
    assert ids(signed_in(others["erp"]).get(REVIEWS)) == []  # none submitted yet
    assert signed_in(others["carol"]).get(f"{REVIEWS}{review.pk}/").status_code == 404


def test_the_erp_pulls_submitted_review_results_only(
    setup: Setup, make_review: Callable[..., Review], others: dict[str, User]
) -> None:
    """PRODUCT.md: the ERP pulls review results; work in progress stays with the raters."""
    from reviews.services import review_submit

    in_progress = make_review()
    supplier = SupplierFactory()
    OwnershipFactory(supplier=supplier, user=setup.owner, role="owner")
    submitted = make_review(supplier=supplier)
    score_all(submitted, setup.owner, 4)
    review_submit(review=submitted, by=setup.owner)
    client = signed_in(others["erp"])

    assert ids(client.get(REVIEWS)) == [submitted.pk]
    result = client.get(f"{REVIEWS}{submitted.pk}/").json()
    assert (result["status"], result["overall_score"]) == ("submitted", "75.00")
    assert client.get(f"{REVIEWS}{in_progress.pk}/").status_code == 404
    assert client.post(f"{REVIEWS}{submitted.pk}/reopen/", {"reason": "x"}).status_code == 403


def test_an_invited_rater_sees_the_review_without_owning_the_supplier(
    setup: Setup, make_review: Callable[..., Review], others: dict[str, User]
) -> None:
    from reviews.services import rater_invite

    review = make_review()
    rater_invite(review=review, user=others["carol"], by=setup.owner)
    assert ids(signed_in(others["carol"]).get(REVIEWS)) == [review.pk]


def test_scores_then_submit_over_the_api(setup: Setup, make_review: Callable[..., Review]) -> None:
    review = make_review()
    criteria = rated(review)
    body = {"scores": [{"criterion": c.pk, "score": 2, "comment": "slow"} for c in criteria]}
    response = signed_in(setup.owner).post(f"{REVIEWS}{review.pk}/scores/", body, format="json")
    assert response.status_code == 200, response.json()
    assert {row["score"] for row in response.json()} == {2}
    response = signed_in(setup.owner).post(f"{REVIEWS}{review.pk}/submit/", {}, format="json")
    assert response.status_code == 200, response.json()
    data = response.json()
    assert data["status"] == "submitted"
    assert Decimal(data["overall_score"]) == Decimal("25.00")
    assert data["standing"] == "very_poor" and data["is_partial"] is True
    assert len(data["results"]) == 7
    again = signed_in(setup.owner).post(f"{REVIEWS}{review.pk}/submit/", {}, format="json")
    assert again.status_code == 409 and again.json()["error"]["code"] == "review_locked"
    # Very poor: the supplier's API record carries the flag.
    supplier = signed_in(setup.manager).get(f"/api/v1/suppliers/{setup.supplier.pk}/").json()
    assert supplier["excluded_from_rfps"] is True
    plan = signed_in(setup.owner).get(PLANS).json()["results"]
    assert [row["review"] for row in plan] == [review.pk]


def test_bad_scores_are_refused_with_field_errors(
    setup: Setup, make_review: Callable[..., Review]
) -> None:
    review = make_review()
    client = signed_in(setup.owner)
    url = f"{REVIEWS}{review.pk}/scores/"
    c = rated(review)[0]
    for body in (
        {"scores": [{"criterion": c.pk, "score": 6}]},
        {"scores": [{"criterion": c.pk, "score": "good"}]},
        {"scores": [{"criterion": 999999, "score": 3}]},
        {"scores": "all fives"},
        {},
    ):
        response = client.post(url, body, format="json")
        assert response.status_code == 400, (body, response.json())
    assert not review.raters.filter(scores__isnull=False).exists()


def test_a_non_rater_cannot_score_and_an_executive_cannot_write(
    setup: Setup, make_review: Callable[..., Review], others: dict[str, User]
) -> None:
    review = make_review()
    c = rated(review)[0]
    body = {"scores": [{"criterion": c.pk, "score": 3}]}
    assert (
        signed_in(setup.manager)
        .post(f"{REVIEWS}{review.pk}/scores/", body, format="json")
        .status_code
        == 403
    )
    assert (
        signed_in(others["executive"])
        .post(f"{REVIEWS}{review.pk}/submit/", {}, format="json")
        .status_code
        == 403
    )
    assert (
        signed_in(setup.backup).post(f"{REVIEWS}{review.pk}/submit/", {}, format="json").status_code
        == 403
    )


def test_reopen_needs_a_procurement_manager_and_a_reason(
    setup: Setup, make_review: Callable[..., Review]
) -> None:
    review = make_review()
    score_all(review, setup.owner, 4)
    signed_in(setup.owner).post(f"{REVIEWS}{review.pk}/submit/", {}, format="json")
    url = f"{REVIEWS}{review.pk}/reopen/"
    assert signed_in(setup.owner).post(url, {"reason": "x"}, format="json").status_code == 403
    assert signed_in(setup.manager).post(url, {}, format="json").status_code == 400
    response = signed_in(setup.manager).post(url, {"reason": "Typo"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "in_progress"


def test_overdue_filter(setup: Setup, make_review: Callable[..., Review]) -> None:
    old, new = make_review(Q1), make_review(Q2)
    Review.objects.filter(pk=old.pk).update(due_date=date(2020, 1, 1))
    Review.objects.filter(pk=new.pk).update(due_date=date(2099, 1, 1))
    assert ids(signed_in(setup.manager).get(f"{REVIEWS}?overdue=true")) == [old.pk]
    assert ids(signed_in(setup.manager).get(f"{REVIEWS}?overdue=false")) == [new.pk]
    assert ids(signed_in(setup.manager).get(f"{REVIEWS}?overdue=1")) == [old.pk]


def test_templates_are_readable_with_criteria_and_bands(setup: Setup) -> None:
    data = signed_in(setup.owner).get("/api/v1/review-templates/").json()["results"]
    assert data[0]["name"] == "Standard"
    assert sum(Decimal(c["weight"]) for c in data[0]["criteria"]) == 100
    assert [b["standing"] for b in data[0]["bands"]] == [
        "very_poor",
        "poor",
        "average",
        "excellent",
    ]


def test_plan_actions_over_the_api(setup: Setup, make_review: Callable[..., Review]) -> None:
    review = make_review()
    score_all(review, setup.owner, 2)
    signed_in(setup.owner).post(f"{REVIEWS}{review.pk}/submit/", {}, format="json")
    plan = CorrectiveActionPlan.objects.get()
    client = signed_in(setup.owner)
    response = client.post(
        f"{PLANS}{plan.pk}/change/", {"root_cause": "Worn tooling"}, format="json"
    )
    assert response.status_code == 200 and response.json()["root_cause"] == "Worn tooling"
    response = client.post(
        f"{PLANS}{plan.pk}/add-action/",
        {"description": "Replace tooling", "due_date": "2026-06-01", "owner_user": setup.backup.pk},
        format="json",
    )
    assert response.status_code == 200, response.json()
    action = response.json()["actions"][0]
    response = client.post(
        f"{PLANS}{plan.pk}/action-status/",
        {"action": action["id"], "status": "done"},
        format="json",
    )
    assert response.json()["actions"][0]["status"] == "done"
    missing = client.post(
        f"{PLANS}{plan.pk}/add-action/",
        {"description": "x", "due_date": "2026-06-01"},
        format="json",
    )
    assert missing.status_code == 400


# --- ERP bulk upserts -------------------------------------------------------------------


def _line(**fields: Any) -> dict[str, Any]:
    return {
        "supplier_external_id": "ERP-A",
        "order_ref": "PO-1",
        "line_ref": "10",
        "promised_date": "2026-02-10",
        "received_date": "2026-02-09",
        "quantity_ordered": 10,
        "quantity_received": "10",
        "quantity_rejected": 0,
        **fields,
    }


def test_deliveries_bulk_upsert_creates_updates_and_leaves_unchanged(
    setup: Setup, others: dict[str, User]
) -> None:
    SupplierFactory(external_id="ERP-A")
    client = signed_in(others["erp"])
    first = client.post(f"{DELIVERIES}bulk-upsert/", [_line(), _line(line_ref="20")], format="json")
    assert first.status_code == 200, first.json()
    assert first.json()["created"] == 2
    line = DeliveryLine.objects.get(line_ref="10")
    stamp = line.updated_at
    again = client.post(
        f"{DELIVERIES}bulk-upsert/",
        [_line(), _line(line_ref="20", quantity_rejected=2)],
        format="json",
    )
    assert (again.json()["unchanged"], again.json()["updated"]) == (1, 1)
    line.refresh_from_db()
    assert line.updated_at == stamp
    assert DeliveryLine.objects.get(line_ref="20").quantity_rejected == 2


def test_a_batch_with_bad_rows_writes_nothing_and_lists_every_problem(
    setup: Setup, others: dict[str, User]
) -> None:
    SupplierFactory(external_id="ERP-A")
    rows = [
        _line(),
        _line(line_ref="2", supplier_external_id="NOPE"),
        _line(line_ref="3", promised_date="10/02/2026"),
        _line(line_ref="4", quantity_rejected=11),
        _line(line_ref="5", quantity_ordered="many"),
        _line(),  # the same key as row 0
        {"supplier_external_id": "ERP-A", "order_ref": "PO-1"},
        "not an object",
        _line(line_ref="9", colour="red"),
    ]
    response = signed_in(others["erp"]).post(f"{DELIVERIES}bulk-upsert/", rows, format="json")
    assert response.status_code == 400
    problems = {(e["row"], e["field"]) for e in response.json()["error"]["errors"]}
    assert {
        (1, "supplier_external_id"),
        (2, "promised_date"),
        (3, "quantity_rejected"),
        (4, "quantity_ordered"),
        (5, "line_ref"),
        (6, "line_ref"),
        (6, "promised_date"),
        (7, None),
        (8, "colour"),
    } <= problems
    assert not DeliveryLine.objects.exists()


def test_bulk_upserts_need_the_erp_or_a_procurement_manager(setup: Setup) -> None:
    response = signed_in(setup.owner).post(f"{DELIVERIES}bulk-upsert/", [], format="json")
    assert response.status_code == 403


def test_too_many_rows_are_refused(setup: Setup, others: dict[str, User]) -> None:
    response = signed_in(others["erp"]).post(
        f"{DELIVERIES}bulk-upsert/", [{}] * 5001, format="json"
    )
    assert response.status_code == 413


def test_kpi_values_bulk_upsert_and_evidence(
    setup: Setup, make_review: Callable[..., Review], others: dict[str, User]
) -> None:
    row = {
        "supplier_external_id": setup.supplier.external_id,
        "code": "otif",
        "period_start": "2026-01-01",
        "period_end": "2026-03-31",
        "value": "87.5",
    }
    client = signed_in(others["erp"])
    response = client.post(f"{KPIS}bulk-upsert/", [row], format="json")
    assert response.status_code == 200, response.json()
    assert KpiValue.objects.get().value == Decimal("87.5")
    bad = client.post(
        f"{KPIS}bulk-upsert/",
        [{**row, "code": "happiness", "period_end": "2025-01-01"}],
        format="json",
    )
    assert {(e["row"], e["field"]) for e in bad.json()["error"]["errors"]} == {
        (0, "code"),
        (0, "period_end"),
    }
    review = make_review(Q1)
    score_all(review, setup.owner, 5)
    data = signed_in(setup.owner).post(f"{REVIEWS}{review.pk}/submit/", {}, format="json").json()
    delivery = next(r for r in data["results"] if r["criterion_key"] == "delivery")
    assert Decimal(delivery["kpi_value"]) == Decimal("87.5")
    assert Decimal(delivery["score"]) == Decimal("75.00")  # 87.5 between 50 (0) and 100 (100)


def test_deliveries_are_listed_by_supplier(setup: Setup, others: dict[str, User]) -> None:
    SupplierFactory(external_id="ERP-A")
    signed_in(others["erp"]).post(f"{DELIVERIES}bulk-upsert/", [_line()], format="json")
    assert len(ids(signed_in(setup.manager).get(f"{DELIVERIES}?supplier_external_id=ERP-A"))) == 1
    assert ids(signed_in(setup.manager).get(f"{DELIVERIES}?supplier_external_id=ERP-B")) == []


@pytest.mark.parametrize("url", [DELIVERIES, KPIS])
def test_delivery_evidence_is_visible_as_reviews_are(
    setup: Setup,
    make_review: Callable[..., Review],
    others: dict[str, User],
    make_user: Callable[..., User],
    url: str,
) -> None:
    """Alice owns Acme; carol owns nothing but rates Acme's review; dave owns nothing and rates
    nothing; Bolt is nobody's. The ERP and those who see every review read it all."""
    from reviews.services import rater_invite

    bolt = SupplierFactory(external_id="ERP-A")
    dave = make_user(Role.ACCOUNT_MANAGER, username="dave")
    rater_invite(review=make_review(), user=others["carol"], by=setup.owner)
    for supplier in (setup.supplier, bolt):
        DeliveryLine.objects.create(
            supplier=supplier,
            order_ref="PO-1",
            line_ref="1",
            promised_date=date(2026, 2, 1),
            quantity_ordered=1,
        )
        KpiValue.objects.create(
            supplier=supplier,
            code="otif",
            period_start=date(2026, 1, 1),
            period_end=date(2026, 3, 31),
            value=90,
        )

    def suppliers_seen_by(user: User) -> list[int]:
        response = signed_in(user).get(url)
        assert response.status_code == 200
        return sorted(row["supplier"] for row in response.json()["results"])

    everything = sorted([setup.supplier.pk, bolt.pk])
    assert suppliers_seen_by(setup.owner) == [setup.supplier.pk]
    assert suppliers_seen_by(setup.backup) == [setup.supplier.pk]
    assert suppliers_seen_by(others["carol"]) == [setup.supplier.pk]
    assert suppliers_seen_by(dave) == []
    assert suppliers_seen_by(setup.manager) == everything
    assert suppliers_seen_by(others["executive"]) == everything
    assert suppliers_seen_by(others["erp"]) == everything


# --- Query counts -----------------------------------------------------------------------


def _make_reviews(setup: Setup, count: int) -> None:
    from reviews.services import review_create, review_submit

    for index in range(count):
        supplier = SupplierFactory(segment="strategic")
        OwnershipFactory(supplier=supplier, user=setup.owner, role="owner")
        review = review_create(
            supplier=supplier, period_start=Q1[0], period_end=Q1[1], due_date=date(2026, 4, 30)
        )
        if index % 2:
            score_all(review, setup.owner, 3)
            review_submit(review=review, by=setup.owner)


@pytest.mark.parametrize("url", [REVIEWS, PLANS, "/api/v1/review-scores/"])
def test_list_endpoints_run_a_fixed_number_of_queries(setup: Setup, url: str) -> None:
    counts = []
    for size in (2, 8):
        _make_reviews(setup, size)
        client = signed_in(setup.owner)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_raters_see_only_their_own_scores_until_the_review_is_submitted(
    setup: Setup, make_review: Callable[..., Review]
) -> None:
    review = make_review()
    score_all(review, setup.owner, 4)
    score_all(review, setup.backup, 2)
    url = f"/api/v1/review-scores/?review={review.pk}"

    def scores_seen_by(user: User) -> set[int]:
        response = signed_in(user).get(url)
        assert response.status_code == 200
        return {row["score"] for row in response.json()["results"]}

    assert scores_seen_by(setup.owner) == {4}
    assert scores_seen_by(setup.backup) == {2}
    assert scores_seen_by(setup.manager) == set()
    from reviews.services import review_submit

    review_submit(review=review, by=setup.owner)
    assert scores_seen_by(setup.backup) == {2, 4}
    assert scores_seen_by(setup.manager) == {2, 4}


def test_someone_else_s_plan_is_a_404(
    setup: Setup, make_review: Callable[..., Review], others: dict[str, User]
) -> None:
    review = make_review()
    score_all(review, setup.owner, 1)
    signed_in(setup.owner).post(f"{REVIEWS}{review.pk}/submit/", {}, format="json")
    plan = CorrectiveActionPlan.objects.get()
    carol = signed_in(others["carol"])
    assert carol.get(f"{PLANS}{plan.pk}/").status_code == 404
    assert ids(carol.get(PLANS)) == []
    response = carol.post(f"{PLANS}{plan.pk}/change/", {"root_cause": "x"}, format="json")
    assert response.status_code == 404
    assert Client_get_status(others["carol"], plan.get_absolute_url()) == 404


def Client_get_status(user: User, url: str) -> int:
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client.get(url).status_code


def _erp_rows(count: int, offset: int, owner: User) -> None:
    supplier = SupplierFactory()
    OwnershipFactory(supplier=supplier, user=owner, role="owner")
    for index in range(count):
        DeliveryLine.objects.create(
            supplier=supplier,
            order_ref=f"PO-{offset}",
            line_ref=str(index),
            promised_date=date(2026, 2, 1),
            quantity_ordered=1,
        )
        KpiValue.objects.create(
            supplier=supplier,
            code="otif",
            period_start=date(2025, 1, 1) + timedelta(days=index),
            period_end=date(2026, 1, 1),
            value=90,
        )


@pytest.mark.parametrize("url", [DELIVERIES, KPIS, "/api/v1/review-templates/"])
def test_erp_and_template_lists_run_a_fixed_number_of_queries(setup: Setup, url: str) -> None:
    from reviews.models import ScorecardTemplate
    from reviews.services import template_revise, template_rows

    counts = []
    for size in (2, 8):
        _erp_rows(size, size, setup.owner)
        for _ in range(size // 2):
            current = ScorecardTemplate.objects.get(is_current=True)
            criteria, bands = template_rows(current)
            template_revise(template=current, criteria=criteria, bands=bands, by=setup.manager)
        client = signed_in(User.objects.get(pk=setup.owner.pk))  # roles not yet read
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200 and response.json()["results"]
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
