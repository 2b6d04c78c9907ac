from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.models import User
from contracts.models import Benefit
from notifications.choices import NotificationKind
from notifications.models import Notification
from rfps.choices import BaselineKind, RfpStatus
from rfps.services.award import rfp_award
from rfps.services.rfp import RfpStateError, rfp_deadline_scan, round_open
from tests.rfps.conftest import DEADLINE, Event, past_deadline

pytestmark = pytest.mark.django_db


def _closed(event: Event, clock: time_machine.Traveller) -> None:
    event.respond(0, ["50", "200"])  # 7000
    event.respond(1, ["40", "200"])  # 6000
    event.respond(2, ["60", "300"])  # 9000
    past_deadline(clock)
    rfp_deadline_scan()


def test_award_creates_a_draft_contract_and_the_expected_saving(
    event: Event, clock: time_machine.Traveller
) -> None:
    _closed(event, clock)
    winner = event.invitation(1)
    award = rfp_award(rfp=event.rfp, by=event.owner, invitation=winner, rationale="Best value")
    contract = award.contract
    assert contract is not None
    assert contract.status == "draft"
    assert contract.supplier == winner.supplier
    assert (contract.value, contract.currency) == (Decimal("6000.00"), "EUR")
    lines = list(contract.lines.order_by("position"))
    assert [(line.description, line.quantity, line.unit_price) for line in lines] == [
        ("Chair", Decimal(100), Decimal(40)),
        ("Desk", Decimal(10), Decimal(200)),
    ]
    # The median of the first round (6000, 7000, 9000) is 7000: a saving of 1000.
    assert award.baseline_kind == BaselineKind.FIRST_ROUND_MEDIAN
    benefit = Benefit.objects.get(contract=contract)
    assert (benefit.kind, benefit.expected_amount) == ("savings", Decimal("1000.00"))
    event.rfp.refresh_from_db()
    assert event.rfp.status == RfpStatus.AWARDED
    outcomes = Notification.objects.filter(kind=NotificationKind.RFP_OUTCOME)
    assert outcomes.count() == 3
    selected = outcomes.get(email_to=winner.contact.email)
    assert "selected" in selected.title and "another" not in selected.title


def test_award_after_negotiation_uses_the_lowered_price(
    event: Event, clock: time_machine.Traveller
) -> None:
    _closed(event, clock)
    second = DEADLINE + timedelta(days=5)
    round_open(rfp=event.rfp, by=event.owner, shortlist=[event.invitation(0)], deadline=second)
    event.respond(0, ["30", "200"])  # 5000
    past_deadline(clock, second)
    rfp_deadline_scan()
    award = rfp_award(
        rfp=event.rfp,
        by=event.owner,
        invitation=event.invitation(0),
        rationale="Lowest after negotiation",
    )
    assert award.contract.value == Decimal("5000.00")
    assert award.expected_saving == Decimal("2000.00")  # median 7000 - 5000


def test_a_single_offer_is_measured_against_the_budget(
    make_event: Callable[..., Event], clock: time_machine.Traveller
) -> None:
    event = make_event(budget=Decimal(8000))
    event.respond(0, ["50", "200"])
    past_deadline(clock)
    rfp_deadline_scan()
    award = rfp_award(
        rfp=event.rfp, by=event.owner, invitation=event.invitation(0), rationale="Only offer"
    )
    assert award.baseline_kind == BaselineKind.BUDGET
    assert Benefit.objects.get(contract=award.contract).expected_amount == Decimal("1000.00")


def test_no_saving_no_benefit(
    make_event: Callable[..., Event], clock: time_machine.Traveller
) -> None:
    event = make_event(budget=Decimal(5000))
    event.respond(0, ["50", "200"])
    past_deadline(clock)
    rfp_deadline_scan()
    award = rfp_award(
        rfp=event.rfp,
        by=event.owner,
        invitation=event.invitation(0),
        rationale="Over budget but needed",
    )
    assert award.expected_saving == Decimal("-2000.00")
    assert not Benefit.objects.filter(contract=award.contract).exists()


def test_award_needs_a_rationale_a_closed_rfp_and_a_proposal(
    event: Event, clock: time_machine.Traveller, account_manager: User
) -> None:
    event.respond(0, ["50", "200"])
    with pytest.raises(RfpStateError):
        rfp_award(rfp=event.rfp, by=event.owner, invitation=event.invitation(0), rationale="x")
    past_deadline(clock)
    rfp_deadline_scan()
    with pytest.raises(ValidationError) as error:
        rfp_award(rfp=event.rfp, by=event.owner, invitation=event.invitation(0), rationale=" ")
    assert "rationale" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        rfp_award(rfp=event.rfp, by=event.owner, invitation=event.invitation(2), rationale="x")
    assert "invitation" in error.value.message_dict
    with pytest.raises(PermissionDenied):
        rfp_award(rfp=event.rfp, by=account_manager, invitation=event.invitation(0), rationale="x")
    rfp_award(rfp=event.rfp, by=event.owner, invitation=event.invitation(0), rationale="ok")
    with pytest.raises(RfpStateError):
        rfp_award(rfp=event.rfp, by=event.owner, invitation=event.invitation(0), rationale="ok")
