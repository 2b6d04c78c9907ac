"""An RFP as a procurement manager sets it up: three suppliers with a contact each, two lines,
one question, price (40) and quality (60), a panel of two; and helpers to respond and to move
the clock past the deadline."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import time_machine

from accounts.models import User
from accounts.roles import Role
from rfps.models import Invitation, ProposalRevision, Rfp
from rfps.services.responses import proposal_save_draft, proposal_submit
from rfps.services.rfp import (
    CriterionInput,
    InviteeInput,
    LineInput,
    RfpInput,
    rfp_create,
    rfp_publish,
)
from tests.factories import ContactFactory, SupplierFactory

START = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
DEADLINE = START + timedelta(days=10)


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def clock() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@dataclass
class Event:
    rfp: Rfp
    owner: User
    panel: list[User]
    invitations: list[Invitation]

    def invitation(self, index: int) -> Invitation:
        return Invitation.objects.select_related("rfp", "supplier", "contact").get(
            pk=self.invitations[index].pk
        )

    def respond(self, index: int, prices: list[str], answer: str = "Yes") -> ProposalRevision:
        invitation = self.invitation(index)
        lines = list(self.rfp.lines.all())
        question = self.rfp.questions.get()
        proposal_save_draft(
            invitation=invitation,
            prices={str(line.pk): price for line, price in zip(lines, prices, strict=True)},
            answers={str(question.pk): answer},
        )
        return proposal_submit(invitation=invitation)


def build_rfp(
    owner: User, panel: list[User], suppliers: int = 3, budget: Decimal | None = None
) -> Rfp:
    invitees = []
    for n in range(suppliers):
        supplier = SupplierFactory(name=f"Supplier {n:02d}")
        invitees.append(InviteeInput(supplier, ContactFactory(supplier=supplier)))
    return rfp_create(
        by=owner,
        data=RfpInput(
            title="Office chairs",
            owner=owner,
            currency="EUR",
            deadline=DEADLINE,
            budget=budget,
            lines=[LineInput("Chair", Decimal(100), "pcs"), LineInput("Desk", Decimal(10), "pcs")],
            questions=["Delivery time in weeks?"],
            criteria=[CriterionInput("Price", 40, True), CriterionInput("Quality", 60)],
            invitees=invitees,
            panel=panel,
        ),
    )


@pytest.fixture
def make_event(
    make_user: Callable[..., User], clock: time_machine.Traveller
) -> Callable[..., Event]:
    def make(suppliers: int = 3, budget: Decimal | None = None, publish: bool = True) -> Event:
        owner = User.objects.filter(username="procurement").first() or make_user(
            Role.PROCUREMENT_MANAGER, username="procurement"
        )
        panel = [
            User.objects.filter(username=name).first()
            or make_user(Role.ACCOUNT_MANAGER, username=name)
            for name in ("pia", "pete")
        ]
        rfp = build_rfp(owner, panel, suppliers, budget)
        if publish:
            rfp_publish(rfp=rfp, by=owner)
        rfp.refresh_from_db()
        return Event(rfp, owner, panel, list(rfp.invitations.order_by("supplier__name")))

    return make


@pytest.fixture
def event(make_event: Callable[..., Event]) -> Event:
    return make_event()


def past_deadline(clock: time_machine.Traveller, deadline: datetime = DEADLINE) -> None:
    clock.move_to(deadline + timedelta(minutes=1))
