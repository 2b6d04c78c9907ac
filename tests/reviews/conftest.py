"""Fixtures for reviews: a strategic supplier, active since 2025, owned by alice with bob as
backup, a primary contact who gets the survey, and a helper that fills in and submits a
review."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine

from accounts.models import User
from accounts.roles import Role
from reviews.choices import CriterionSource
from reviews.models import Criterion, DeliveryLine, Review
from reviews.services import review_create, scores_save
from suppliers.models import Supplier
from tests.factories import ContactFactory, OwnershipFactory, SupplierFactory

# The fixture's supplier has been active since then: long enough for every period reviewed.
ACTIVE_SINCE = datetime(2025, 1, 1, 6, 0, tzinfo=UTC)
Q1 = (date(2026, 1, 1), date(2026, 3, 31))
Q2 = (date(2026, 4, 1), date(2026, 6, 30))


def ensure_defaults() -> None:
    """The default template and policies, as migration 0002 writes them: a transactional test
    (the browser tests) flushes the database, migrations' data included."""
    from django.apps import apps

    defaults = importlib.import_module("reviews.migrations.0002_default_template_and_policies")
    defaults.create_defaults(apps, None)


@pytest.fixture(autouse=True)
def _review_defaults(db: None) -> None:
    ensure_defaults()


@dataclass
class Setup:
    supplier: Supplier
    owner: User
    backup: User
    manager: User


@pytest.fixture
def setup(make_user: Callable[..., User]) -> Setup:
    manager = make_user(Role.PROCUREMENT_MANAGER, username="procurement")
    owner = make_user(Role.ACCOUNT_MANAGER, username="alice", manager=manager)
    backup = make_user(Role.ACCOUNT_MANAGER, username="bob")
    with time_machine.travel(ACTIVE_SINCE, tick=False):
        supplier = SupplierFactory(segment="strategic", status="active", name="Acme Steel")
    OwnershipFactory(supplier=supplier, user=owner, role="owner")
    OwnershipFactory(supplier=supplier, user=backup, role="backup")
    ContactFactory(supplier=supplier, is_primary=True, email="anna@acme.example.com")
    return Setup(supplier=supplier, owner=owner, backup=backup, manager=manager)


@pytest.fixture
def make_review(setup: Setup) -> Callable[..., Review]:
    def make(period: tuple[date, date] = Q1, supplier: Supplier | None = None) -> Review:
        return review_create(
            supplier=supplier or setup.supplier,
            period_start=period[0],
            period_end=period[1],
            due_date=date(period[1].year, period[1].month, 28),
        )

    return make


def rated(review: Review) -> list[Criterion]:
    return list(
        Criterion.objects.filter(template=review.template, source=CriterionSource.RATED).order_by(
            "position"
        )
    )


def score_all(review: Review, user: User, value: int | None) -> None:
    """The user gives every rated criterion the same score."""
    scores_save(review=review, by=user, scores={c.pk: (value, "") for c in rated(review)})


def deliver(
    supplier: Supplier,
    line: str,
    *,
    promised: date = date(2026, 2, 10),
    received: date | None = date(2026, 2, 10),
    ordered: str = "10",
    got: str = "10",
    rejected: str = "0",
) -> DeliveryLine:
    return DeliveryLine.objects.create(
        supplier=supplier,
        order_ref="PO-1",
        line_ref=line,
        promised_date=promised,
        received_date=received,
        quantity_ordered=Decimal(ordered),
        quantity_received=Decimal(got),
        quantity_rejected=Decimal(rejected),
    )
