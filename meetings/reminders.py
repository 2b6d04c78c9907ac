"""The meetings' periodic scan, in this one place: ``commitment_reminder_scan`` (the beat's
``commitment_reminder_scan_task``) chases what is due and escalates what stays overdue.

For our side: the owner is reminded on the due date ("due today", on that day only) and again
COMMITMENT_REMINDER_DAYS later ("overdue"; at once for one the scan first sees late). For their
side: the supplier's key-account owner is reminded on the due date to chase their contact.
COMMITMENT_ESCALATION_DAYS after the due date, either side's commitment is escalated at level 1,
the key-account owner, and climbs the same ladder. Every reminder has a dedupe key, so the scan
may run as often as it likes.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from core.text import LazyFormat
from escalations.choices import EscalationReason, Severity
from escalations.messages import overdue_commitment_summary
from escalations.models import Escalation
from escalations.services import escalation_raise, level_recipient
from meetings.choices import CommitmentSide, CommitmentStatus
from meetings.models import Commitment
from notifications.choices import NotificationKind
from notifications.models import Notification
from notifications.services import dedupe_key, notification_create

BATCH = 500


def commitments_due(*, today: date, after_id: int = 0) -> list[Commitment]:
    """A batch of open commitments due by today, locked; rows another scan holds are skipped."""
    return list(
        Commitment.objects.filter(
            status=CommitmentStatus.OPEN, due_date__lte=today, pk__gt=after_id
        )
        .select_related("supplier", "owner_user", "owner_contact")
        .select_for_update(skip_locked=True, of=("self",))
        .order_by("pk")[:BATCH]
    )


def commitment_reminder_scan(*, today: date | None = None) -> int:
    """Runs the scan over every open commitment due by today; returns how many were looked
    at. Each batch is its own transaction."""
    today = today or timezone.localdate()
    seen, after_id = 0, 0
    while True:
        with transaction.atomic():
            batch = commitments_due(today=today, after_id=after_id)
            for commitment in batch:
                _remind(commitment, today=today)
        if not batch:
            return seen
        seen += len(batch)
        after_id = batch[-1].pk


def _remind(commitment: Commitment, *, today: date) -> None:
    late = (today - commitment.due_date).days
    theirs = commitment.side == CommitmentSide.THEIRS
    if theirs:
        _chase(commitment)
    else:
        _remind_owner(commitment, late=late)
    if late >= settings.COMMITMENT_ESCALATION_DAYS and not _escalated_for_due_date(commitment):
        # Both sides climb the same ladder: the key-account owner, their manager, the sponsor.
        escalation_raise(
            supplier=commitment.supplier,
            subject=commitment,
            reason=EscalationReason.OVERDUE_COMMITMENT,
            severity=Severity.MEDIUM,
            summary=overdue_commitment_summary(
                what=commitment.description,
                supplier=commitment.supplier.name,
                days=late,
                theirs=theirs,
            ),
        )


def _chase(commitment: Commitment) -> None:
    """Their side: the key-account owner is asked to chase their contact, once per due date."""
    chaser = level_recipient(supplier=commitment.supplier, level=1)
    if chaser is None:
        return
    due = commitment.due_date.isoformat()
    notification_create(
        recipient=chaser,
        kind=NotificationKind.COMMITMENT_CHASE,
        subject=commitment,
        occasion=f"{due}:chase",
        title=LazyFormat(
            _("%(supplier)s promised “%(what)s” by %(due)s: chase them"),
            supplier=commitment.supplier.name,
            what=commitment.description,
            due=due,
        ),
        url=commitment.supplier.get_absolute_url(),
    )


def _remind_owner(commitment: Commitment, *, late: int) -> None:
    """Our side: "due today" on the due date only; "overdue" COMMITMENT_REMINDER_DAYS later,
    or at once when a scan first sees it late (logged late, a beat that was down), because
    "due today" would then be untrue."""
    owner = commitment.owner_user
    if owner is None:
        return
    due = commitment.due_date.isoformat()
    url = commitment.supplier.get_absolute_url()
    if late == 0:
        notification_create(
            recipient=owner,
            kind=NotificationKind.COMMITMENT_DUE,
            subject=commitment,
            occasion=f"{due}:due",
            title=LazyFormat(
                _("Due today: “%(what)s” for %(supplier)s"),
                what=commitment.description,
                supplier=commitment.supplier.name,
            ),
            url=url,
        )
        return
    if late < settings.COMMITMENT_REMINDER_DAYS and _told_due(commitment, owner):
        return
    notification_create(
        recipient=owner,
        kind=NotificationKind.COMMITMENT_OVERDUE,
        subject=commitment,
        occasion=f"{due}:overdue",
        title=LazyFormat(
            _("Overdue since %(due)s: “%(what)s” for %(supplier)s"),
            due=due,
            what=commitment.description,
            supplier=commitment.supplier.name,
        ),
        url=url,
    )


def _told_due(commitment: Commitment, owner: User) -> bool:
    """Whether the owner had the "due today" reminder of this due date."""
    key = dedupe_key(
        recipient=owner,
        kind=NotificationKind.COMMITMENT_DUE,
        subject=commitment,
        occasion=f"{commitment.due_date.isoformat()}:due",
    )
    return Notification.objects.filter(dedupe_key=key).exists()


def _escalated_for_due_date(commitment: Commitment) -> bool:
    """Whether this due date was escalated already. One resolved by hand while the commitment
    stays open is not raised again at the next scan; a new due date may be escalated anew."""
    return Escalation.objects.filter(
        content_type=ContentType.objects.get_for_model(Commitment),
        object_id=commitment.pk,
        reason=EscalationReason.OVERDUE_COMMITMENT,
        raised_at__date__gte=commitment.due_date,
    ).exists()
