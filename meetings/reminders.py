"""The commitment scan: what is due is chased, and what stays overdue is escalated.

For our side: the owner is reminded on the due date and again COMMITMENT_REMINDER_DAYS later;
COMMITMENT_ESCALATION_DAYS after the due date an escalation is raised at level 1. For their
side: the supplier's key-account owner is reminded on the due date to chase their contact.
Every reminder has a dedupe key, so the scan may run as often as it likes.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.text import LazyFormat
from escalations.choices import EscalationReason, Severity
from escalations.models import Escalation
from escalations.services import escalation_raise, level_recipient
from meetings.choices import CommitmentSide, CommitmentStatus
from meetings.models import Commitment
from notifications.choices import NotificationKind
from notifications.services import notification_create

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


def commitment_reminders_scan(*, today: date | None = None) -> int:
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
    due = commitment.due_date.isoformat()
    url = commitment.supplier.get_absolute_url()
    if commitment.side == CommitmentSide.THEIRS:
        chaser = level_recipient(supplier=commitment.supplier, level=1)
        if chaser is not None:
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
                url=url,
            )
        return
    owner = commitment.owner_user
    if owner is None:
        return
    if late < settings.COMMITMENT_REMINDER_DAYS:
        # Not when a scan first sees it later than that (a commitment logged late, a beat
        # that was down): "due today" would be untrue, and the overdue reminder says it.
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
    else:
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
    if late >= settings.COMMITMENT_ESCALATION_DAYS and not _escalated_for_due_date(commitment):
        escalation_raise(
            supplier=commitment.supplier,
            subject=commitment,
            reason=EscalationReason.OVERDUE_COMMITMENT,
            severity=Severity.MEDIUM,
            summary=str(
                LazyFormat(
                    _("“%(what)s” for %(supplier)s is %(days)s days overdue"),
                    what=commitment.description,
                    supplier=commitment.supplier.name,
                    days=late,
                )
            ),
        )


def _escalated_for_due_date(commitment: Commitment) -> bool:
    """Whether this due date was escalated already. One resolved by hand while the commitment
    stays open is not raised again at the next scan; a new due date may be escalated anew."""
    return Escalation.objects.filter(
        content_type=ContentType.objects.get_for_model(Commitment),
        object_id=commitment.pk,
        reason=EscalationReason.OVERDUE_COMMITMENT,
        raised_at__date__gte=commitment.due_date,
    ).exists()
