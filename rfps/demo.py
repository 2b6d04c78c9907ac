"""Demo RFPs, one in each state: a draft, one open for responses (sealed), one closed with
panel scores, one awarded after a negotiation round into a draft contract with its expected
saving, and one cancelled. Responses are submitted at times before their deadline, through the
same services suppliers use. Safe to run again."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from accounts.models import User
from rfps.models import Invitation, Rfp, Round
from rfps.services.award import rfp_award
from rfps.services.evaluation import evaluation_submit, score_set
from rfps.services.responses import proposal_save_draft, proposal_submit
from rfps.services.rfp import (
    CriterionInput,
    InviteeInput,
    LineInput,
    RfpInput,
    rfp_cancel,
    rfp_create,
    rfp_deadline_scan,
    rfp_publish,
    round_open,
)
from suppliers.models import Supplier

MARK = "Demo RFP."
LINES = [
    LineInput("Safety gloves, cut level C", Decimal(5000), "pairs"),
    LineInput("Safety glasses, anti-fog", Decimal(1200), "pcs"),
    LineInput("Hi-vis vests", Decimal(800), "pcs"),
]
QUESTIONS = ["Lead time in weeks from order?", "Which certifications do the products carry?"]
CRITERIA = [
    CriterionInput("Price", 50, True),
    CriterionInput("Quality", 30),
    CriterionInput("Delivery and service", 20),
]
# Unit prices per supplier, per line.
OFFERS = [["2.10", "4.80", "3.20"], ["1.95", "5.10", "3.40"], ["2.40", "4.20", "2.90"]]


def _rfp(
    owner: User, panel: list[User], suppliers: list[Supplier], title: str, deadline: datetime
) -> Rfp:
    invitees = [
        InviteeInput(s, s.contacts.exclude(email="").order_by("-is_primary", "id").first())
        for s in suppliers
    ]
    return rfp_create(
        by=owner,
        data=RfpInput(
            title=title,
            owner=owner,
            currency="EUR",
            deadline=deadline,
            description=f"{MARK} Personal protective equipment for the plants, 12 months.",
            budget=Decimal(25000),
            lines=LINES,
            questions=QUESTIONS,
            criteria=CRITERIA,
            invitees=invitees,
            panel=panel,
        ),
    )


def _respond(invitation: Invitation, prices: list[str], at: datetime) -> None:
    rfp = invitation.rfp
    lines = list(rfp.lines.all())
    replies = ["Four weeks from order.", "CE marking; ISO 9001 and ISO 14001."]
    answers = {str(q.pk): reply for q, reply in zip(rfp.questions.all(), replies, strict=False)}
    proposal_save_draft(
        invitation=invitation,
        prices={str(line.pk): p for line, p in zip(lines, prices, strict=True)},
        answers=answers,
        now=at,
    )
    proposal_submit(invitation=invitation, now=at)


def _backdate(rfp: Rfp, *, published: datetime, deadline: datetime) -> None:
    """Moves a just-published demo RFP into the past, so that its story has happened."""
    Rfp.objects.filter(pk=rfp.pk).update(
        published_at=published, deadline=deadline, created_at=published - timedelta(days=2)
    )
    Round.objects.filter(rfp=rfp, number=1).update(opened_at=published, deadline=deadline)
    Invitation.objects.filter(rfp=rfp).update(invited_at=published)


def _published(
    owner: User, panel: list[User], suppliers: list[Supplier], title: str, days_ago: int
) -> Rfp:
    now = timezone.now()
    rfp = _rfp(owner, panel, suppliers, title, now + timedelta(days=1))
    rfp_publish(rfp=rfp, by=owner)
    _backdate(
        rfp, published=now - timedelta(days=days_ago), deadline=now - timedelta(days=days_ago - 14)
    )
    rfp.refresh_from_db()
    for index, invitation in enumerate(rfp.invitations.select_related("rfp").order_by("id")):
        _respond(invitation, OFFERS[index % 3], now - timedelta(days=days_ago - 7 - index))
    return rfp


def _score(rfp: Rfp, panel: list[User]) -> None:
    criteria = list(rfp.criteria.filter(is_price=False))
    for offset, member in enumerate(panel):
        for index, invitation in enumerate(rfp.invitations.order_by("id")):
            for criterion in criteria:
                value = Decimal(6 + (index + offset + criterion.position) % 4)
                score_set(
                    rfp=rfp,
                    by=member,
                    invitation=invitation,
                    criterion=criterion,
                    value=value,
                    comment="",
                )
        evaluation_submit(rfp=rfp, by=member)


def seed() -> Iterator[str]:
    if Rfp.objects.filter(description__startswith=MARK).exists():
        return
    owner = User.objects.get(username="procurement")
    panel = list(User.objects.filter(username__in=["account", "sofia"]).order_by("username"))
    suppliers = list(
        Supplier.objects.filter(
            external_id__startswith="DEMO-", status="active", excluded_from_rfps=False
        )
        .filter(contacts__email__gt="")
        .distinct()
        .order_by("external_id")[:6]
    )
    now = timezone.now()
    _rfp(owner, panel, suppliers[:3], "Cleaning services 2027", now + timedelta(days=30))
    open_rfp = _rfp(
        owner, panel, suppliers[:3], "Packaging film, annual volume", now + timedelta(days=6)
    )
    rfp_publish(rfp=open_rfp, by=owner)
    first = open_rfp.invitations.select_related("rfp").order_by("id").first()
    if first is not None:
        _respond(first, OFFERS[0], now)  # sealed until its deadline
    closed = _published(owner, panel, suppliers[3:6], "Forklift maintenance", 30)
    rfp_deadline_scan()
    _score(closed, panel)
    awarded = _published(owner, panel, suppliers[:3], "Personal protective equipment", 60)
    rfp_deadline_scan()
    _score(awarded, panel)
    shortlist = list(awarded.invitations.select_related("rfp").order_by("id")[:2])
    round_open(
        rfp=awarded,
        by=owner,
        shortlist=shortlist,
        deadline=now + timedelta(hours=1),
        note="Best and final offer, please.",
    )
    Round.objects.filter(rfp=awarded, number=2).update(
        opened_at=now - timedelta(days=40), deadline=now - timedelta(days=33)
    )
    winner = Invitation.objects.select_related("rfp").get(pk=shortlist[1].pk)  # status reread
    _respond(winner, ["1.85", "4.90", "3.10"], now - timedelta(days=35))
    rfp_deadline_scan()
    award = rfp_award(
        rfp=awarded,
        by=owner,
        invitation=winner,
        rationale="Lowest price after negotiation, good quality scores.",
    )
    cancelled = _rfp(owner, panel, suppliers[3:5], "Canteen furniture", now + timedelta(days=9))
    rfp_publish(rfp=cancelled, by=owner)
    rfp_cancel(rfp=cancelled, by=owner, reason="The canteen project is postponed.")
    yield (
        f"created 5 RFPs (draft, published, closed, awarded, cancelled); "
        f"the award made draft contract {award.contract.number if award.contract else '-'}"
    )
