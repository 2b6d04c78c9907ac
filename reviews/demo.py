"""Demo reviews: six quarters of delivery lines and reviews for the active strategic and
leverage demo suppliers, their answers to our survey, the latest quarter's review open for its
owner, and one supplier (Schwaben Elektronik) sliding into "poor" with an open corrective
action plan. Safe to run again."""

from __future__ import annotations

import importlib
import random
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal

from django.apps import apps as django_apps
from django.db import transaction
from django.utils import timezone

from reviews.choices import CriterionSource, RaterRole
from reviews.models import (
    Criterion,
    DeliveryLine,
    Rater,
    Review,
    SupplierSurvey,
    SurveyAnswer,
)
from reviews.scheduling import last_ended_period
from reviews.services import (
    action_add,
    current_template,
    review_create,
    review_stakeholders,
    review_submit,
    scores_save,
)
from suppliers.models import Supplier

SLIDING = "Schwaben Elektronik"
QUARTERS = 6
LINES_A_QUARTER = 12


def _quarters(today: date) -> list[tuple[date, date]]:
    """The last QUARTERS quarters that ended, oldest first."""
    periods: list[tuple[date, date]] = []
    day = today
    for _ in range(QUARTERS):
        start, end = last_ended_period(day, 3)
        periods.append((start, end))
        day = start
    return list(reversed(periods))


def _ensure_defaults() -> None:
    """The default template and policies of migration 0002, for a database whose rows were
    flushed since it migrated (as transactional tests do)."""
    defaults = importlib.import_module("reviews.migrations.0002_default_template_and_policies")
    defaults.create_defaults(django_apps, None)


def seed() -> Iterator[str]:
    if DeliveryLine.objects.filter(order_ref__startswith="DEMO-").exists():
        return
    _ensure_defaults()
    rng = random.Random(7)  # noqa: S311 - demo data, not security
    quarters = _quarters(timezone.localdate())
    suppliers = list(
        Supplier.objects.filter(
            external_id__startswith="DEMO-", status="active", segment__in=["strategic", "leverage"]
        ).order_by("external_id")
    )
    reviews = 0
    for supplier in suppliers:
        with transaction.atomic():
            reviews += _seed_supplier(supplier, quarters, rng)
    yield f"created {reviews} reviews over {QUARTERS} quarters with delivery lines and surveys"


def _level(supplier: Supplier, index: int, rng: random.Random) -> float:
    """How well the supplier does in the quarter, 1..5: steady for most, sliding for one."""
    if supplier.name == SLIDING:
        return [4.2, 4.0, 3.6, 3.0, 2.6, 2.2][index]
    return rng.uniform(3.6, 4.7)


def _seed_supplier(
    supplier: Supplier, quarters: list[tuple[date, date]], rng: random.Random
) -> int:
    owner, others = review_stakeholders(supplier)
    if owner is None:
        return 0
    template = current_template("Standard")
    rated = list(Criterion.objects.filter(template=template, source=CriterionSource.RATED))
    count = 0
    for index, (start, end) in enumerate(quarters):
        level = _level(supplier, index, rng)
        _deliveries(supplier, start, end, level, rng)
        if index == len(quarters) - 1:
            continue  # the latest quarter: its review is open, created below
        review = Review.objects.create(
            supplier=supplier,
            template=template,
            period_start=start,
            period_end=end,
            due_date=end + timedelta(days=30),
            owner=owner,
        )
        Rater.objects.create(review=review, user=owner, role=RaterRole.OWNER)
        for user in others:
            Rater.objects.create(review=review, user=user, role=RaterRole.STAKEHOLDER)
        for user in [owner, *others]:
            scores = {
                c.pk: (max(1, min(5, round(level + rng.uniform(-0.7, 0.7)))), "") for c in rated
            }
            scores_save(review=review, by=user, scores=scores)
        review_submit(review=review, by=owner, summary="Quarterly review with the supplier.")
        _survey(review, rng)
        count += 1
    start, end = quarters[-1]
    review = review_create(
        supplier=supplier, period_start=start, period_end=end, due_date=end + timedelta(days=30)
    )
    count += 1
    if supplier.name == SLIDING:
        _sliding_plan(supplier, owner)
    return count


def _deliveries(
    supplier: Supplier, start: date, end: date, level: float, rng: random.Random
) -> None:
    lines = []
    span = (end - start).days
    good = (level - 1) / 4  # the chance a line is on time and in full
    for number in range(LINES_A_QUARTER):
        promised = start + timedelta(days=rng.randrange(span))
        ordered = Decimal(rng.choice([50, 100, 200, 500]))
        late = rng.random() > good + 0.35
        short = rng.random() > good + 0.45
        received = ordered - (ordered / 10 if short else 0)
        rejected = (received / 20).quantize(Decimal(1)) if rng.random() > good + 0.2 else 0
        lines.append(
            DeliveryLine(
                supplier=supplier,
                order_ref=f"DEMO-{supplier.pk}-{start:%Y%m}",
                line_ref=str(number + 1),
                promised_date=promised,
                received_date=promised + timedelta(days=rng.randint(1, 9) if late else 0),
                quantity_ordered=ordered,
                quantity_received=received,
                quantity_rejected=Decimal(rejected),
            )
        )
    DeliveryLine.objects.bulk_create(lines)


def _survey(review: Review, rng: random.Random) -> None:
    contact = review.supplier.contacts.filter(is_primary=True).exclude(email="").first()
    if contact is None or rng.random() < 0.3:
        return
    sent = timezone.now() - timedelta(days=(timezone.localdate() - review.period_end).days)
    survey = SupplierSurvey.objects.create(
        review=review,
        supplier=review.supplier,
        contact=contact,
        email=contact.email,
        sent_at=sent,
        expires_at=sent + timedelta(days=30),
    )
    SurveyAnswer.objects.create(
        survey=survey,
        communication=rng.randint(3, 5),
        payment=rng.randint(2, 5),
        forecasting=rng.randint(2, 4),
        collaboration=rng.randint(3, 5),
        answered_at=sent + timedelta(days=rng.randint(1, 10)),
    )


def _sliding_plan(supplier: Supplier, owner: object) -> None:
    plan = supplier.action_plans.filter(status="open").order_by("-created_at").first()
    if plan is None:
        return
    contact = supplier.contacts.filter(is_primary=True).first()
    plan.root_cause = "A new SMT line ramped up without enough trained operators."
    plan.supplier_response = "Agreed: training plan and an extra quality inspector."
    plan.save(update_fields=["root_cause", "supplier_response"])
    today = timezone.localdate()
    action_add(
        plan=plan,
        by=owner,  # type: ignore[arg-type]
        description="Train the SMT line operators and audit the line",
        due_date=today + timedelta(days=21),
        owner_contact=contact,
    )
    action_add(
        plan=plan,
        by=owner,  # type: ignore[arg-type]
        description="Weekly delivery call until OTIF is above 90%",
        due_date=today + timedelta(days=45),
        owner_user=owner,  # type: ignore[arg-type]
    )
