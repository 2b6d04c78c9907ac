"""Review pages: my reviews, the review form (guidance, KPI evidence, previous scores), scoring
and submitting through the page, reopening, the scorecard with its chart, corrective actions,
the supplier page's panel; who sees what; query counts at two sizes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from accounts.roles import Role
from reviews.models import CorrectiveActionPlan, Review, SurveyAnswer
from reviews.services import review_create, review_submit
from tests.factories import OwnershipFactory, SupplierFactory
from tests.reviews.conftest import Q1, Q2, Setup, deliver, rated, score_all

pytestmark = pytest.mark.django_db


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_my_reviews_lists_what_waits_for_me(
    setup: Setup, make_review: Callable[..., Review]
) -> None:
    review = make_review()
    page = client_for(setup.backup).get("/reviews/mine/")
    assert page.status_code == 200
    assert review.get_absolute_url() in page.content.decode()
    score_all(review, setup.backup, 3)
    page = client_for(setup.backup).get("/reviews/mine/")
    assert review.get_absolute_url() not in page.content.decode()  # bob has scored
    assert (
        review.get_absolute_url() in client_for(setup.owner).get("/reviews/mine/").content.decode()
    )


def test_the_review_form_shows_guidance_evidence_and_the_previous_scores(
    setup: Setup, make_review: Callable[..., Review]
) -> None:
    first = make_review(Q1)
    score_all(first, setup.owner, 2)
    review_submit(review=first, by=setup.owner)
    second = make_review(Q2)
    deliver(setup.supplier, "1", promised=date(2026, 5, 1), received=date(2026, 5, 3))
    html = client_for(setup.owner).get(second.get_absolute_url()).content.decode()
    assert "Frequent defects" in html  # guidance for a 1 in quality
    assert "On time in full" in html and "0.00" in html  # evidence: the one line was late
    assert "Previous:" in html and "25" in html
    assert 'name="score_' in html


def test_scoring_and_submitting_through_the_page(
    setup: Setup, make_review: Callable[..., Review]
) -> None:
    review = make_review()
    data = {f"score_{c.pk}": "4" for c in rated(review)}
    data[f"score_{rated(review)[0].pk}"] = "none"
    data[f"comment_{rated(review)[1].pk}"] = "Always on budget"
    response = client_for(setup.owner).post(f"/reviews/{review.pk}/scores/", data)
    assert response.status_code == 302
    response = client_for(setup.owner).post(f"/reviews/{review.pk}/submit/", {"summary": "Good"})
    assert response.status_code == 302
    review.refresh_from_db()
    assert review.status == "submitted" and review.is_partial  # quality: no data, no OTIF data
    assert review.summary == "Good"
    page = client_for(setup.owner).get(review.get_absolute_url()).content.decode()
    assert 'name="score_' not in page  # locked


def test_a_bad_score_keeps_what_was_typed(setup: Setup, make_review: Callable[..., Review]) -> None:
    review = make_review()
    c = rated(review)
    response = client_for(setup.owner).post(
        f"/reviews/{review.pk}/scores/", {f"score_{c[0].pk}": "9", f"comment_{c[0].pk}": "typed"}
    )
    assert response.status_code == 400
    assert "typed" in response.content.decode()
    assert not review.raters.filter(scores__isnull=False).exists()


def test_someone_else_s_review_is_a_404(
    setup: Setup, make_review: Callable[..., Review], make_user: Callable[..., User]
) -> None:
    review = make_review()
    carol = make_user(Role.ACCOUNT_MANAGER, username="carol")
    assert client_for(carol).get(review.get_absolute_url()).status_code == 404
    assert client_for(carol).post(f"/reviews/{review.pk}/submit/", {}).status_code == 404
    assert client_for(carol).get(f"/reviews/suppliers/{setup.supplier.pk}/").status_code == 200
    assert f"/reviews/{review.pk}/" not in client_for(carol).get("/reviews/").content.decode()


def test_reopen_through_the_page(setup: Setup, make_review: Callable[..., Review]) -> None:
    review = make_review()
    review_submit(review=review, by=setup.owner)
    assert (
        client_for(setup.owner).post(f"/reviews/{review.pk}/reopen/", {"reason": "x"}).status_code
        == 403
    )
    assert (
        client_for(setup.manager).post(f"/reviews/{review.pk}/reopen/", {"reason": ""}).status_code
        == 400
    )
    assert (
        client_for(setup.manager)
        .post(f"/reviews/{review.pk}/reopen/", {"reason": "Typo"})
        .status_code
        == 302
    )
    review.refresh_from_db()
    assert review.status == "in_progress"


def test_the_scorecard_has_a_chart_with_a_text_alternative_and_a_breakdown(
    setup: Setup, make_review: Callable[..., Review]
) -> None:
    for period, value in ((Q1, 2), (Q2, 4)):
        review = make_review(period)
        score_all(review, setup.owner, value)
        review_submit(review=review, by=setup.owner)
    html = client_for(setup.owner).get(f"/reviews/suppliers/{setup.supplier.pk}/").content.decode()
    assert "<svg" in html and 'role="img"' in html and "<desc" in html
    assert "2026-03: 25.00; 2026-06: 75.00" in html
    assert "<polyline" in html
    assert "Quality" in html and "Sustainability" in html


def test_corrective_action_pages(setup: Setup, make_review: Callable[..., Review]) -> None:
    review = make_review()
    score_all(review, setup.owner, 2)
    review_submit(review=review, by=setup.owner)
    plan = CorrectiveActionPlan.objects.get()
    assert (
        plan.get_absolute_url() in client_for(setup.owner).get("/reviews/actions/").content.decode()
    )
    client = client_for(setup.owner)
    response = client.post(
        f"/reviews/actions/{plan.pk}/add/",
        {"description": "New tooling", "due_date": "2026-06-01", "owner_user": setup.backup.pk},
    )
    assert response.status_code == 302
    assert "New tooling" in client.get(plan.get_absolute_url()).content.decode()
    response = client.post(
        f"/reviews/actions/{plan.pk}/",
        {
            "problem": "Defects",
            "severity": "high",
            "root_cause": "Tooling",
            "supplier_response": "",
        },
    )
    assert response.status_code == 302
    plan.refresh_from_db()
    assert (plan.root_cause, plan.severity) == ("Tooling", "high")


def test_the_supplier_page_shows_their_rating_beside_ours(
    setup: Setup, make_review: Callable[..., Review]
) -> None:
    review = make_review()
    score_all(review, setup.owner, 1)
    review_submit(review=review, by=setup.owner)
    SurveyAnswer.objects.create(
        survey=review.survey, communication=4, payment=2, forecasting=3, collaboration=5
    )
    html = client_for(setup.owner).get(setup.supplier.get_absolute_url()).content.decode()
    assert "Their rating of us" in html and "3.50 / 5" in html
    assert "0.00 / 100" in html
    assert "Not to be invited to RFPs" in html


def _supplier_with_reviews(setup: Setup, count: int) -> None:
    for index in range(count):
        supplier = SupplierFactory(segment="strategic")
        OwnershipFactory(supplier=supplier, user=setup.owner, role="owner")
        review = review_create(
            supplier=supplier, period_start=Q1[0], period_end=Q1[1], due_date=date(2026, 4, 30)
        )
        if index % 2:
            score_all(review, setup.owner, 2)
            review_submit(review=review, by=setup.owner)
        if index % 4 == 0:
            _new_template_version(setup)


def _new_template_version(setup: Setup) -> None:
    from reviews.models import ScorecardTemplate
    from reviews.services import template_revise, template_rows

    current = ScorecardTemplate.objects.get(is_current=True)
    criteria, bands = template_rows(current)
    template_revise(template=current, criteria=criteria, bands=bands, by=setup.manager)


@pytest.mark.parametrize(
    "url",
    [
        "/reviews/",
        "/reviews/mine/",
        "/reviews/actions/",
        "/reviews/?overdue=true",
        "/reviews/templates/",
    ],
)
def test_list_pages_run_a_fixed_number_of_queries(setup: Setup, url: str) -> None:
    counts = []
    for size in (2, 8):
        _supplier_with_reviews(setup, size)
        client = client_for(setup.owner)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_the_scorecard_runs_a_fixed_number_of_queries(setup: Setup) -> None:
    counts = []
    periods = [(date(2025, m, 1), date(2025, m + 2, 28)) for m in (1, 4, 7, 10)] + [Q1, Q2]
    for batch in (periods[:2], periods[2:]):
        for start, end in batch:
            review = review_create(
                supplier=setup.supplier, period_start=start, period_end=end, due_date=end
            )
            score_all(review, setup.owner, 3)
            review_submit(review=review, by=setup.owner)
        client = client_for(setup.owner)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/reviews/suppliers/{setup.supplier.pk}/").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_the_overdue_filter_the_dashboard_links_to(
    setup: Setup, make_review: Callable[..., Review]
) -> None:
    old, new = make_review(Q1), make_review(Q2)
    Review.objects.filter(pk=old.pk).update(due_date=date(2020, 1, 1))
    Review.objects.filter(pk=new.pk).update(due_date=date(2099, 1, 1))
    html = client_for(setup.manager).get("/reviews/?overdue=1").content.decode()
    assert old.get_absolute_url() in html and new.get_absolute_url() not in html
    assert "Overdue" in html


def _template_post(template_pk: int, client: Client, **changes: str) -> Any:
    from dataclasses import asdict

    from reviews.models import ScorecardTemplate
    from reviews.services import template_rows

    criteria, bands = template_rows(ScorecardTemplate.objects.get(pk=template_pk))
    data: dict[str, Any] = {
        "criteria-TOTAL_FORMS": len(criteria),
        "criteria-INITIAL_FORMS": len(criteria),
        "bands-TOTAL_FORMS": len(bands),
        "bands-INITIAL_FORMS": len(bands),
    }
    for index, criterion in enumerate(criteria):
        for name, value in asdict(criterion).items():
            value = "\n".join(value) if name == "guidance" else value
            data[f"criteria-{index}-{name}"] = "" if value is None else value
    for index, band in enumerate(bands):
        for name, value in asdict(band).items():
            data[f"bands-{index}-{name}"] = value
    data.update(changes)
    return client.post(f"/reviews/templates/{template_pk}/", data)


def test_a_procurement_manager_makes_a_new_template_version_on_the_page(setup: Setup) -> None:
    from reviews.models import ScorecardTemplate

    v1 = ScorecardTemplate.objects.get(name="Standard", version=1)
    assert client_for(setup.owner).get(f"/reviews/templates/{v1.pk}/").status_code == 200
    assert _template_post(v1.pk, client_for(setup.owner)).status_code == 403
    bad = _template_post(v1.pk, client_for(setup.manager), **{"criteria-0-weight": "30"})
    assert bad.status_code == 400 and "110" in bad.content.decode()
    response = _template_post(
        v1.pk,
        client_for(setup.manager),
        **{"criteria-0-weight": "30", "criteria-1-weight": "10"},
    )
    assert response.status_code == 302
    v2 = ScorecardTemplate.objects.get(name="Standard", is_current=True)
    assert v2.version == 2
    assert v2.criteria.get(key="quality").weight == 30
    assert v2.criteria.get(key="quality").guidance == v1.criteria.get(key="quality").guidance


def test_an_empty_score_form_saves_nothing(
    setup: Setup, make_review: Callable[..., Review]
) -> None:
    review = make_review()
    response = client_for(setup.backup).post(f"/reviews/{review.pk}/scores/", {})
    assert response.status_code == 400
    assert "Score at least one criterion" in response.content.decode()
    assert review.raters.get(user=setup.backup).scored_at is None


def test_inviting_someone_twice_shows_why_on_the_page(
    setup: Setup, make_review: Callable[..., Review], make_user: Callable[..., User]
) -> None:
    review = make_review()
    carol = make_user(Role.ACCOUNT_MANAGER, username="carol")
    url = f"/reviews/{review.pk}/raters/"
    assert client_for(setup.owner).post(url, {"user": carol.pk}).status_code == 302
    again = client_for(setup.owner).post(url, {"user": carol.pk})
    assert again.status_code == 400
    assert "invited to this review already" in again.content.decode()
    assert review.raters.filter(user=carol).count() == 1


def test_submitting_a_locked_review_again_through_the_page_is_a_conflict(
    setup: Setup, make_review: Callable[..., Review]
) -> None:
    review = make_review()
    score_all(review, setup.owner, 4)
    url = f"/reviews/{review.pk}/submit/"
    assert client_for(setup.owner).post(url, {"summary": "First"}).status_code == 302
    assert client_for(setup.owner).post(url, {"summary": "Second"}).status_code == 409
    review.refresh_from_db()
    assert review.summary == "First"


def test_a_plan_is_given_actions_and_verified_through_its_page(
    setup: Setup, make_review: Callable[..., Review]
) -> None:
    from escalations.models import Escalation

    review = make_review(Q1)
    score_all(review, setup.owner, 2)
    review_submit(review=review, by=setup.owner)
    plan = CorrectiveActionPlan.objects.get()
    client = client_for(setup.owner)
    no_owner = client.post(
        f"/reviews/actions/{plan.pk}/add/", {"description": "Tooling", "due_date": "2026-06-01"}
    )
    assert no_owner.status_code == 400
    assert "An action has an owner" in no_owner.content.decode()
    assert not plan.actions.exists()

    verify = f"/reviews/actions/{plan.pk}/verify/"
    make_review(Q2)
    assert client.post(verify, {"effective": "true", "note": ""}).status_code == 400
    response = client.post(verify, {"effective": "true", "note": "Defects down"})
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.status == "verified"
    assert Escalation.objects.get().status == "resolved"
    again = client.post(verify, {"effective": "false", "note": "Changed my mind"})
    assert again.status_code == 409
    plan.refresh_from_db()
    assert plan.status == "verified"


def test_reviews_on_the_supplier_page_and_scorecard_by_who_is_looking(
    setup: Setup, make_review: Callable[..., Review], make_user: Callable[..., User]
) -> None:
    """Alice owns Acme; carol rates its Q1 review without owning it; dave is another account
    manager; the executive sees every review."""
    from reviews.services import rater_invite

    carol = make_user(Role.ACCOUNT_MANAGER, username="carol")
    dave = make_user(Role.ACCOUNT_MANAGER, username="dave")
    executive = make_user(Role.EXECUTIVE, username="exec")
    supplier_page = setup.supplier.get_absolute_url()
    scorecard = f"/reviews/suppliers/{setup.supplier.pk}/"

    # Before any review: the owner is told there is none yet, and may open the scorecard.
    html = client_for(setup.owner).get(supplier_page).content.decode()
    assert "no review yet" in html and scorecard in html
    html = client_for(dave).get(supplier_page).content.decode()
    assert "visible to the owners and raters" in html and scorecard not in html

    review = make_review()
    rater_invite(review=review, user=carol, by=setup.owner)
    score_all(review, setup.owner, 2)  # 25: very poor
    review_submit(review=review, by=setup.owner)
    plan_url = CorrectiveActionPlan.objects.get().get_absolute_url()

    for user in (setup.owner, carol, executive):
        html = client_for(user).get(supplier_page).content.decode()
        assert "25.00 / 100" in html and plan_url in html, user
        assert "2026-03: 25.00" in client_for(user).get(scorecard).content.decode(), user
    html = client_for(dave).get(supplier_page).content.decode()
    assert "25.00" not in html and plan_url not in html
    assert "visible to the owners and raters" in html
    assert "Not to be invited to RFPs" in html  # the flag is the supplier's, shown to all
    assert "25.00" not in client_for(dave).get(scorecard).content.decode()
    # Nor does the escalation tell dave the review was poor: he sees only what its subject
    # would show him (issue 14).
    escalations = client_for(dave).get("/api/v1/escalations/").content.decode()
    assert "Escalation about a review of Acme Steel" in escalations
    assert "Poor review" not in escalations and "25.00" not in escalations


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_the_reviews_export_holds_the_reviews_one_rates_and_no_others(
    setup: Setup,
    make_review: Callable[..., Review],
    make_user: Callable[..., User],
    file_format: str,
) -> None:
    from reviews.services import rater_invite
    from tests.reports.test_exports import read_csv, read_xlsx

    carol = make_user(Role.ACCOUNT_MANAGER, username="carol")
    dave = make_user(Role.ACCOUNT_MANAGER, username="dave")
    rater_invite(review=make_review(), user=carol, by=setup.owner)
    read = read_csv if file_format == "csv" else read_xlsx

    def suppliers_exported(user: User) -> list[str]:
        response = client_for(user).get(f"/reports/export/reviews.{file_format}")
        assert response.status_code == 200
        return [row[1] for row in read(response)[1:]]

    assert suppliers_exported(carol) == ["Acme Steel"]
    assert suppliers_exported(setup.owner) == ["Acme Steel"]
    assert suppliers_exported(dave) == []
