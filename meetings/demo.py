"""Demo meetings: 18 months of them for the demo suppliers, with commitments on both sides
(some overdue) and a few key suppliers only one of our people meets. Safe to run again."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import datetime, timedelta

from django.utils import timezone

from accounts.models import User
from meetings.choices import CommitmentSide, CommitmentStatus, MeetingKind
from meetings.models import Commitment, Meeting
from suppliers.models import Contact, Supplier

# Meetings a year, by segment: key suppliers are met often.
MEETINGS_A_YEAR = {"strategic": 14, "leverage": 7, "bottleneck": 5, "routine": 2}
SUBJECTS = {
    MeetingKind.IN_PERSON: ["Plant visit", "Relationship dinner", "Product roadmap"],
    MeetingKind.VIDEO_CALL: ["Delivery follow-up", "Forecast alignment", "Quality check-in"],
    MeetingKind.PHONE_CALL: ["Urgent shortage", "Price question", "Invoice dispute"],
    MeetingKind.QUARTERLY_BUSINESS_REVIEW: ["Quarterly business review"],
    MeetingKind.SITE_AUDIT: ["Quality audit", "Sustainability audit"],
    MeetingKind.OTHER: ["Trade fair"],
}
OUR_PROMISES = [
    "Share the 12-month volume forecast",
    "Confirm the new payment terms",
    "Introduce our engineering lead",
    "Send feedback on the samples",
]
THEIR_PROMISES = [
    "Send the corrective action plan",
    "Quote for the 2027 volumes",
    "Share the capacity plan for Q3",
    "Provide the ISO 14001 certificate",
]
DEMO_NOTES = "Discussed delivery performance and next quarter's volumes."
# Key suppliers that only one of our people meets, so the single-threaded list shows them.
SINGLE_THREADED = {"Shenzhen PCB Works", "Sheffield Alloys", "Milano Tessuti"}


def seed() -> Iterator[str]:
    if Meeting.objects.filter(notes=DEMO_NOTES).exists():
        return
    rng = random.Random(18)  # noqa: S311 - demo data, not security
    now = timezone.now()
    people = list(User.objects.filter(username__in=["account", "sofia", "lukas", "procurement"]))
    executive = User.objects.get(username="executive")
    suppliers = Supplier.objects.filter(
        external_id__startswith="DEMO-", status__in=["active", "suspended", "onboarding"]
    ).prefetch_related("contacts", "ownerships__user")
    meetings = commitments = 0
    for supplier in suppliers:
        owners = [o.user for o in supplier.ownerships.all() if o.until is None and o.user in people]
        others = [person for person in people if person not in owners]
        regulars = [*owners, rng.choice(others)] if owners else rng.sample(people, k=2)
        if supplier.name in SINGLE_THREADED:
            regulars = regulars[:1]
        contacts = list(supplier.contacts.all())
        count = round(MEETINGS_A_YEAR[supplier.segment] * 1.5)
        for _ in range(count):
            starts_at = now - timedelta(days=rng.uniform(2, 548), hours=rng.randint(0, 8))
            kind = rng.choice(list(MeetingKind))
            ours = rng.sample(regulars, k=rng.randint(1, len(regulars)))
            sponsor_joins = supplier.segment == "strategic" and supplier.name not in SINGLE_THREADED
            if kind == MeetingKind.QUARTERLY_BUSINESS_REVIEW and sponsor_joins:
                ours.append(executive)  # the sponsor joins the strategic reviews
            meeting = Meeting.objects.create(
                supplier=supplier,
                kind=kind,
                starts_at=starts_at,
                subject=rng.choice(SUBJECTS[kind]),
                location=""
                if kind in {MeetingKind.VIDEO_CALL, MeetingKind.PHONE_CALL}
                else "On site",
                notes=DEMO_NOTES,
                outcome="Agreed next steps.",
                logged_by=ours[0],
            )
            meeting.our_attendees.set(ours)
            meeting.their_attendees.set(
                rng.sample(contacts, k=min(len(contacts), rng.randint(1, 2)))
            )
            meetings += 1
            if rng.random() < 0.5:
                commitments += _commitments(rng, meeting, ours[0], contacts, now)
    yield f"created {meetings} meetings and {commitments} commitments over 18 months"


def _commitments(
    rng: random.Random, meeting: Meeting, owner: User, contacts: list[Contact], now: datetime
) -> int:
    created = 0
    for side in (CommitmentSide.OURS, CommitmentSide.THEIRS):
        if side == CommitmentSide.THEIRS and not contacts:
            continue
        due = (meeting.starts_at + timedelta(days=rng.randint(7, 45))).date()
        # Promises past their date were mostly kept; a few are overdue.
        done = due < now.date() and rng.random() < 0.93
        Commitment.objects.create(
            supplier=meeting.supplier,
            meeting=meeting,
            description=rng.choice(OUR_PROMISES if side == CommitmentSide.OURS else THEIR_PROMISES),
            side=side,
            owner_user=owner if side == CommitmentSide.OURS else None,
            owner_contact=rng.choice(contacts) if side == CommitmentSide.THEIRS else None,
            due_date=due,
            status=CommitmentStatus.DONE if done else CommitmentStatus.OPEN,
            completed_at=meeting.starts_at + timedelta(days=rng.randint(3, 40)) if done else None,
            completed_by=owner if done else None,
            created_by=owner,
        )
        created += 1
    return created
