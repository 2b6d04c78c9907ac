"""The customer-of-choice survey's answers in the API: read-only, for whoever reads the
portfolio (as the supplier and scorecard pages show them), filterable, fixed queries."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from accounts.models import User
from accounts.roles import Role
from accounts.services import api_token_create
from reviews.models import Review, SupplierSurvey, SurveyAnswer
from reviews.services.surveys import survey_answer
from tests.factories import ContactFactory, SupplierFactory
from tests.reviews.conftest import Q2, Setup

pytestmark = pytest.mark.django_db
ANSWERS = "/api/v1/survey-answers/"


def _answer(review: Review, **scores: int) -> SurveyAnswer:
    values = {"communication": 4, "payment": 2, "forecasting": 3, "collaboration": 5, **scores}
    return survey_answer(survey=SupplierSurvey.objects.get(review=review), **values)


def test_answers_are_listed_with_their_scores(
    api_client: APIClient, setup: Setup, make_review: Callable[..., Review]
) -> None:
    review = make_review()
    answer = _answer(review, comment="Forecasts come late.")
    api_client.force_authenticate(setup.owner)

    rows = api_client.get(ANSWERS).json()["results"]

    assert rows == [
        {
            "id": answer.pk,
            "supplier": setup.supplier.pk,
            "review": review.pk,
            "sent_at": rows[0]["sent_at"],
            "answered_at": rows[0]["answered_at"],
            "communication": 4,
            "payment": 2,
            "forecasting": 3,
            "collaboration": 5,
            "average": "3.50",
            "comment": "Forecasts come late.",
        }
    ]
    detail = api_client.get(f"{ANSWERS}{answer.pk}/")
    assert detail.status_code == 200 and detail.json()["id"] == answer.pk


def test_an_unanswered_survey_is_not_listed(
    api_client: APIClient, setup: Setup, make_review: Callable[..., Review]
) -> None:
    make_review()
    api_client.force_authenticate(setup.manager)

    assert api_client.get(ANSWERS).json()["results"] == []


def test_answers_filter_by_supplier_and_moment(
    api_client: APIClient, setup: Setup, make_review: Callable[..., Review]
) -> None:
    other = SupplierFactory(segment="strategic", status="active")
    ContactFactory(supplier=other, is_primary=True)
    ours = _answer(make_review())
    theirs = _answer(make_review(period=Q2, supplier=other))
    api_client.force_authenticate(setup.manager)

    def ids(**params: object) -> list[int]:
        response = api_client.get(ANSWERS, params)
        assert response.status_code == 200, response.content
        return [row["id"] for row in response.json()["results"]]

    assert ids() == [theirs.pk, ours.pk]
    assert ids(supplier=setup.supplier.pk) == [ours.pk]
    assert ids(answered_since=theirs.answered_at.isoformat()) == [theirs.pk]
    bad = api_client.get(ANSWERS, {"answered_since": "0167-08-28T02:35:12-21:08"})
    assert bad.status_code == 400 and "answered_since" in bad.json()["error"]["fields"]


def test_who_reads_the_portfolio_reads_answers_and_nobody_writes_them(
    api_client: APIClient,
    setup: Setup,
    make_review: Callable[..., Review],
    make_user: Callable[..., User],
) -> None:
    answer = _answer(make_review())
    for user in (setup.backup, make_user(Role.EXECUTIVE), make_user(Role.INTEGRATION)):
        api_client.force_authenticate(user)
        assert [row["id"] for row in api_client.get(ANSWERS).json()["results"]] == [answer.pk]
    api_client.force_authenticate(setup.manager)
    assert api_client.post(ANSWERS, {"communication": 1}).status_code == 405
    assert api_client.delete(f"{ANSWERS}{answer.pk}/").status_code == 405

    api_client.force_authenticate(make_user(Role.ADMINISTRATOR))
    assert api_client.get(ANSWERS).status_code in (200, 403)
    api_client.force_authenticate(None)
    assert api_client.get(ANSWERS).status_code == 401


def test_a_token_reads_answers_with_the_reviews_scope(
    api_client: APIClient, setup: Setup, make_review: Callable[..., Review], integration: User
) -> None:
    _answer(make_review())
    _token, reviews = api_token_create(user=integration, name="ERP", scopes=["reviews:read"])
    _token, others = api_token_create(user=integration, name="other", scopes=["suppliers:read"])

    assert api_client.get(ANSWERS, headers={"authorization": f"Token {reviews}"}).status_code == 200
    refused = api_client.get(ANSWERS, headers={"authorization": f"Token {others}"})
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "missing_scope"


def test_the_list_runs_the_same_queries_for_few_and_many(
    api_client: APIClient, setup: Setup, make_review: Callable[..., Review]
) -> None:
    _answer(make_review())
    api_client.force_authenticate(setup.manager)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert api_client.get(ANSWERS, {"page_size": 200}).status_code == 200
        return len(captured)

    queries()  # the caller's roles are read once, on the first request
    few = queries()
    for _ in range(4):
        supplier = SupplierFactory(segment="strategic", status="active")
        ContactFactory(supplier=supplier, is_primary=True)
        _answer(make_review(supplier=supplier))

    assert len(api_client.get(ANSWERS).json()["results"]) == 5
    assert queries() == few
