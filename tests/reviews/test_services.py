"""Reviews through their services: creation with raters, independent scoring, submitting and
locking, reopening, template versions, and the consequences of a poor result."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from escalations.choices import EscalationReason
from escalations.models import Escalation
from notifications.choices import NotificationKind
from notifications.models import Notification
from reviews.choices import PlanStatus, RaterRole, ReviewStatus
from reviews.models import (
    CorrectiveActionPlan,
    Criterion,
    CriterionResult,
    Review,
    ScorecardTemplate,
)
from reviews.services import (
    ReviewLockedError,
    ReviewNotRaterError,
    action_add,
    plan_verify,
    rater_invite,
    review_compute,
    review_reopen,
    review_submit,
    scores_save,
    template_revise,
    template_rows,
)
from suppliers.models import Supplier
from tests.reviews.conftest import Q1, Q2, Setup, deliver, rated, score_all

pytestmark = pytest.mark.django_db


def test_a_review_is_assigned_to_the_owner_with_other_key_account_people_invited(
    setup: Setup, make_review: Callable[..., Review]
) -> None:
    review = make_review()
    assert review.owner == setup.owner
    assert review.status == ReviewStatus.SCHEDULED
    assert review.template.name == "Standard" and review.template.is_current
    raters = {rater.user: rater.role for rater in review.raters.all()}
    assert raters == {setup.owner: RaterRole.OWNER, setup.backup: RaterRole.STAKEHOLDER}
    assigned = Notification.objects.filter(kind=NotificationKind.REVIEW_ASSIGNED)
    assert {n.recipient for n in assigned} == {setup.owner, setup.backup}


def test_two_raters_score_independently_and_the_median_counts(
    setup: Setup, make_review: Callable[..., Review]
) -> None:
    review = make_review()
    quality = rated(review)[0]
    scores_save(review=review, by=setup.owner, scores={quality.pk: (5, "great")})
    scores_save(review=review, by=setup.backup, scores={quality.pk: (2, "")})
    # Each rater's own score stays theirs: bob's save did not touch alice's.
    assert sorted(review.raters.values_list("scores__score", flat=True)) == [2, 5]
    outcome = next(o for o in review_compute(review).outcomes if o.criterion_id == quality.pk)
    assert outcome.median == Decimal("3.5")
    assert outcome.score == Decimal("62.5")
    assert outcome.rater_count == 2
    review.refresh_from_db()
    assert review.status == ReviewStatus.IN_PROGRESS


def test_only_raters_may_score(
    setup: Setup, make_review: Callable[..., Review], make_user: Callable[..., object]
) -> None:
    from accounts.roles import Role

    review = make_review()
    carol = make_user(Role.ACCOUNT_MANAGER, username="carol")
    with pytest.raises(ReviewNotRaterError):
        scores_save(review=review, by=carol, scores={rated(review)[0].pk: (3, "")})


def test_a_score_outside_1_to_5_is_refused(
    setup: Setup, make_review: Callable[..., Review]
) -> None:
    review = make_review()
    with pytest.raises(ValidationError):
        scores_save(review=review, by=setup.owner, scores={rated(review)[0].pk: (6, "")})


def test_a_kpi_criterion_cannot_be_scored_by_hand(
    setup: Setup, make_review: Callable[..., Review]
) -> None:
    review = make_review()
    delivery = Criterion.objects.get(template=review.template, key="delivery")
    with pytest.raises(ValidationError):
        scores_save(review=review, by=setup.owner, scores={delivery.pk: (5, "")})


def test_submitting_stores_the_result_and_locks(
    setup: Setup, make_review: Callable[..., Review]
) -> None:
    review = make_review()
    score_all(review, setup.owner, 4)
    score_all(review, setup.backup, 4)
    deliver(setup.supplier, "1")  # on time in full: OTIF 100%, delivery scores 100
    review = review_submit(review=review, by=setup.owner)
    # Rated criteria (80% of the weight) score 75, delivery (20%) 100: 80.
    assert review.overall_score == Decimal("80.00")
    assert review.standing == "excellent"
    assert review.is_partial is False
    assert review.status == ReviewStatus.SUBMITTED
    assert CriterionResult.objects.filter(review=review).count() == 7
    with pytest.raises(ReviewLockedError):
        score_all(review, setup.owner, 1)
    with pytest.raises(ReviewLockedError):
        review_submit(review=review, by=setup.owner)


def test_without_delivery_data_the_review_is_partial_not_perfect(
    setup: Setup, make_review: Callable[..., Review]
) -> None:
    review = make_review()
    score_all(review, setup.owner, 3)
    review = review_submit(review=review, by=setup.owner)
    assert review.is_partial is True
    assert review.overall_score == Decimal("50.00")  # not pulled up by a "perfect" delivery
    delivery = CriterionResult.objects.get(review=review, criterion__key="delivery")
    assert delivery.score is None and delivery.effective_weight == 0


def test_a_review_nobody_scored_has_no_score_and_no_standing(
    setup: Setup, make_review: Callable[..., Review]
) -> None:
    review = review_submit(review=make_review(), by=setup.owner)
    assert review.overall_score is None and review.standing is None and review.is_partial


def test_only_the_owner_or_a_procurement_manager_may_submit(
    setup: Setup, make_review: Callable[..., Review]
) -> None:
    review = make_review()
    with pytest.raises(PermissionDenied):
        review_submit(review=review, by=setup.backup)
    review_submit(review=review, by=setup.manager)


def test_a_procurement_manager_reopens_with_a_reason(
    setup: Setup, make_review: Callable[..., Review]
) -> None:
    review = make_review()
    score_all(review, setup.owner, 4)
    review_submit(review=review, by=setup.owner)
    with pytest.raises(PermissionDenied):
        review_reopen(review=review, by=setup.owner, reason="typo")
    with pytest.raises(ValidationError):
        review_reopen(review=review, by=setup.manager, reason="  ")
    review = review_reopen(review=review, by=setup.manager, reason="Wrong quality score")
    assert review.status == ReviewStatus.IN_PROGRESS
    assert review.reopen_reason == "Wrong quality score"
    assert review.overall_score is None
    score_all(review, setup.owner, 2)  # editable again
    assert review_submit(review=review, by=setup.owner).overall_score == Decimal("25.00")


def test_reopening_an_open_review_is_refused(
    setup: Setup, make_review: Callable[..., Review]
) -> None:
    with pytest.raises(ReviewLockedError):
        review_reopen(review=make_review(), by=setup.manager, reason="why")


def test_a_poor_review_opens_a_plan_and_an_escalation(
    setup: Setup, make_review: Callable[..., Review]
) -> None:
    review = make_review()
    score_all(review, setup.owner, 3)
    score_all(review, setup.backup, 2)  # median 2.5: 37.5, poor
    review = review_submit(review=review, by=setup.owner)
    assert review.standing == "poor"
    plan = CorrectiveActionPlan.objects.get(review=review)
    assert plan.status == PlanStatus.OPEN and plan.severity == "medium"
    escalation = Escalation.objects.get(reason=EscalationReason.POOR_REVIEW)
    assert escalation.supplier == setup.supplier and escalation.object_id == review.pk
    assert Notification.objects.filter(
        kind=NotificationKind.CORRECTIVE_ACTION, recipient=setup.owner
    ).exists()
    setup.supplier.refresh_from_db()
    assert setup.supplier.excluded_from_rfps is False  # poor, not very poor


def test_very_poor_excludes_from_rfps_until_a_later_review_lifts_it(
    setup: Setup, make_review: Callable[..., Review]
) -> None:
    first = make_review(Q1)
    score_all(first, setup.owner, 1)
    review_submit(review=first, by=setup.owner)
    setup.supplier.refresh_from_db()
    assert setup.supplier.excluded_from_rfps is True
    assert CorrectiveActionPlan.objects.get(review=first).severity == "high"

    second = make_review(Q2)
    score_all(second, setup.owner, 4)
    review_submit(review=second, by=setup.owner)
    setup.supplier.refresh_from_db()
    assert setup.supplier.excluded_from_rfps is False


def test_an_older_review_submitted_late_does_not_override_the_newer_standing(
    setup: Setup, make_review: Callable[..., Review]
) -> None:
    old, new = make_review(Q1), make_review(Q2)
    score_all(new, setup.owner, 5)
    review_submit(review=new, by=setup.owner)
    score_all(old, setup.owner, 1)
    review_submit(review=old, by=setup.owner)
    assert Supplier.objects.get(pk=setup.supplier.pk).excluded_from_rfps is False


def test_a_plan_gets_actions_and_is_verified_at_the_next_review(
    setup: Setup, make_review: Callable[..., Review]
) -> None:
    first = make_review(Q1)
    score_all(first, setup.owner, 2)
    review_submit(review=first, by=setup.owner)
    plan = CorrectiveActionPlan.objects.get(review=first)
    action = action_add(
        plan=plan,
        by=setup.owner,
        description="Fix the line",
        due_date=date(2026, 5, 1),
        owner_user=setup.backup,
    )
    assert Notification.objects.filter(
        kind=NotificationKind.CORRECTIVE_ACTION, recipient=setup.backup
    ).exists()
    assert action.status == "open"
    with pytest.raises(ValidationError):  # not before a later review exists
        plan_verify(plan=plan, by=setup.owner, effective=True, note="better")
    second = make_review(Q2)
    plan = plan_verify(plan=plan, by=setup.owner, effective=True, note="Defects down")
    assert plan.status == PlanStatus.VERIFIED and plan.verified_in == second
    assert (
        not Escalation.objects.filter(reason=EscalationReason.POOR_REVIEW)
        .exclude(status="resolved")
        .exists()
    )


def test_an_action_needs_an_owner(setup: Setup, make_review: Callable[..., Review]) -> None:
    review = make_review()
    score_all(review, setup.owner, 1)
    review_submit(review=review, by=setup.owner)
    with pytest.raises(ValidationError):
        action_add(
            plan=review.action_plan, by=setup.owner, description="x", due_date=date(2026, 5, 1)
        )


def test_inviting_another_rater(
    setup: Setup, make_review: Callable[..., Review], make_user: Callable[..., object]
) -> None:
    from accounts.roles import Role

    review = make_review()
    carol = make_user(Role.ACCOUNT_MANAGER, username="carol")
    rater_invite(review=review, user=carol, by=setup.owner)
    with pytest.raises(ValidationError):
        rater_invite(review=review, user=carol, by=setup.owner)
    with pytest.raises(PermissionDenied):
        rater_invite(review=review, user=setup.manager, by=setup.backup)


# --- Template versions ------------------------------------------------------------------


def test_changing_a_template_makes_a_new_version_and_reviews_keep_theirs(
    setup: Setup, make_review: Callable[..., Review]
) -> None:
    started = make_review(Q1)
    v1 = started.template
    criteria, bands = template_rows(v1)
    criteria[0].weight = Decimal(25)
    criteria[1].weight = Decimal(15)
    v2 = template_revise(template=v1, criteria=criteria, bands=bands, by=setup.manager)
    assert (v2.name, v2.version, v2.is_current) == ("Standard", 2, True)
    v1.refresh_from_db()
    assert v1.is_current is False
    started.refresh_from_db()
    assert started.template == v1
    assert make_review(Q2).template == v2
    assert Criterion.objects.get(template=v1, key="quality").weight == 20
    assert Criterion.objects.get(template=v2, key="quality").weight == 25


def test_a_version_whose_weights_do_not_add_up_is_refused(setup: Setup) -> None:
    v1 = ScorecardTemplate.objects.get(name="Standard", version=1)
    criteria, bands = template_rows(v1)
    criteria[0].weight = Decimal(30)
    with pytest.raises(ValidationError):
        template_revise(template=v1, criteria=criteria, bands=bands, by=setup.manager)
    bands[1].lower = Decimal(25)
    criteria[0].weight = Decimal(20)
    with pytest.raises(ValidationError):
        template_revise(template=v1, criteria=criteria, bands=bands, by=setup.manager)
    assert ScorecardTemplate.objects.filter(name="Standard").count() == 1


def test_only_procurement_managers_change_templates(setup: Setup) -> None:
    v1 = ScorecardTemplate.objects.get(name="Standard", version=1)
    criteria, bands = template_rows(v1)
    with pytest.raises(PermissionDenied):
        template_revise(template=v1, criteria=criteria, bands=bands, by=setup.owner)


def test_a_very_poor_supplier_is_refused_by_rfps_and_synced_until_a_better_review(
    setup: Setup, make_review: Callable[..., Review]
) -> None:
    from datetime import timedelta

    from django.utils import timezone
    from rest_framework.test import APIClient

    from rfps.services import InviteeInput, RfpInput, rfp_create

    def invite() -> object:
        data = RfpInput(
            title="Steel 2027",
            owner=setup.manager,
            currency="EUR",
            deadline=timezone.now() + timedelta(days=30),
            invitees=[InviteeInput(Supplier.objects.get(pk=setup.supplier.pk))],
        )
        return rfp_create(by=setup.manager, data=data)

    def synced_since(moment: object) -> list[str]:
        client = APIClient()
        client.force_authenticate(setup.manager)
        response = client.get("/api/v1/suppliers/", {"updated_since": moment})
        assert response.status_code == 200
        return [row["external_id"] for row in response.json()["results"]]

    first = make_review(Q1)
    score_all(first, setup.owner, 1)
    before = timezone.now().isoformat()
    review_submit(review=first, by=setup.owner)
    with pytest.raises(ValidationError, match="very poor review"):
        invite()
    assert synced_since(before) == [setup.supplier.external_id]  # the ERP sees the flag change

    second = make_review(Q2)
    score_all(second, setup.owner, 3)  # 50: average
    review_submit(review=second, by=setup.owner)
    assert invite().invitations.count() == 1
