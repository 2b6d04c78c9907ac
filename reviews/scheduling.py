"""The review cadence: each supplier's next review created once per period, and reminders.

Periods are calendar-aligned (quarters, halves, years). When a period ends, the scan creates
each active supplier's review of it, due ``ReviewPolicy.due_days`` later; the unique key on
supplier and period makes a second run (or a second beat) harmless. Open reviews are reminded
14 and 3 days before the due date; once overdue the owner is reminded, and
REVIEW_ESCALATION_DAYS later the review is escalated.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from core.text import LazyFormat
from escalations.choices import EscalationReason, Severity
from escalations.models import Escalation
from escalations.services import escalation_raise, level_recipient
from notifications.choices import NotificationKind
from notifications.services import notification_create
from reviews.choices import ReviewStatus
from reviews.models import Rater, Review, ReviewPolicy
from reviews.services import current_template, review_create
from suppliers.choices import SupplierStatus
from suppliers.models import Supplier

BATCH = 500
REMINDER_DAYS = (14, 3)


def period_containing(day: date, months: int) -> tuple[date, date]:
    """The calendar-aligned period of ``months`` months that contains ``day``."""
    first_month = (day.month - 1) // months * months + 1
    start = date(day.year, first_month, 1)
    next_month = first_month + months
    end = date(day.year + (next_month - 1) // 12, (next_month - 1) % 12 + 1, 1)
    return start, end - timedelta(days=1)


def last_ended_period(today: date, months: int) -> tuple[date, date]:
    """The most recent period that ended before today."""
    current_start, _end = period_containing(today, months)
    return period_containing(current_start - timedelta(days=1), months)


def reviews_schedule(*, today: date | None = None) -> int:
    """Creates the review of the last ended period for every active supplier whose segment has
    an active policy and that has none for that period; returns how many were created."""
    today = today or timezone.localdate()
    created = 0
    for policy in ReviewPolicy.objects.filter(is_active=True):
        start, end = last_ended_period(today, policy.cadence)
        template = current_template(policy.template_name)
        has_review = Exists(
            Review.objects.filter(supplier_id=OuterRef("pk"), period_start=start, period_end=end)
        )
        suppliers = (
            Supplier.objects.filter(status=SupplierStatus.ACTIVE, segment=policy.segment)
            .exclude(has_review)
            .order_by("pk")
        )
        for supplier in suppliers.iterator(chunk_size=BATCH):
            try:
                with transaction.atomic():
                    review_create(
                        supplier=supplier,
                        period_start=start,
                        period_end=end,
                        due_date=end + timedelta(days=policy.due_days),
                        template=template,
                    )
            except IntegrityError:
                continue  # another scan created it a moment ago
            created += 1
    return created


def _open_reviews_due(*, today: date, after_id: int) -> list[Review]:
    horizon = today + timedelta(days=max(REMINDER_DAYS))
    return list(
        Review.objects.exclude(status=ReviewStatus.SUBMITTED)
        .filter(due_date__lte=horizon, pk__gt=after_id)
        .select_related("supplier", "owner")
        .select_for_update(skip_locked=True, of=("self",))
        .order_by("pk")[:BATCH]
    )


def review_reminders_scan(*, today: date | None = None) -> int:
    """Reminds and escalates every open review near or past its due date; each batch is its
    own transaction and every reminder has a dedupe key. Returns how many were looked at."""
    today = today or timezone.localdate()
    seen, after_id = 0, 0
    while True:
        with transaction.atomic():
            batch = _open_reviews_due(today=today, after_id=after_id)
            for review in batch:
                _remind(review, today=today)
        if not batch:
            return seen
        seen += len(batch)
        after_id = batch[-1].pk


def _pending_raters(review: Review) -> list[User]:
    return [
        rater.user
        for rater in Rater.objects.filter(review=review, scored_at__isnull=True).select_related(
            "user"
        )
        if rater.user.is_active
    ]


def _remind(review: Review, *, today: date) -> None:
    days_left = (review.due_date - today).days
    due = review.due_date.isoformat()
    owner = review.owner or level_recipient(supplier=review.supplier, level=1)
    if days_left >= 0:
        # The nearest reminder only: a review first seen 2 days out gets the 3-day one.
        window = min(days for days in REMINDER_DAYS if days >= days_left)
        recipients = {user.pk: user for user in _pending_raters(review)}
        if owner is not None:
            recipients[owner.pk] = owner
        for user in recipients.values():
            notification_create(
                recipient=user,
                kind=NotificationKind.REVIEW_DUE,
                subject=review,
                occasion=f"{due}:due-{window}",
                title=LazyFormat(
                    _("Review of %(supplier)s due in %(days)s days (%(due)s)")
                    if days_left
                    else _("Review of %(supplier)s due today (%(due)s)"),
                    supplier=review.supplier.name,
                    days=days_left,
                    due=due,
                ),
                url=review.get_absolute_url(),
            )
        return
    if owner is not None:
        notification_create(
            recipient=owner,
            kind=NotificationKind.REVIEW_OVERDUE,
            subject=review,
            occasion=f"{due}:overdue",
            title=LazyFormat(
                _("Overdue since %(due)s: the review of %(supplier)s"),
                due=due,
                supplier=review.supplier.name,
            ),
            url=review.get_absolute_url(),
        )
    if -days_left >= settings.REVIEW_ESCALATION_DAYS and not _escalated_before(review):
        escalation_raise(
            supplier=review.supplier,
            subject=review,
            reason=EscalationReason.OVERDUE_REVIEW,
            severity=Severity.MEDIUM,
            summary=str(
                LazyFormat(
                    _("The review of %(supplier)s is %(days)s days overdue"),
                    supplier=review.supplier.name,
                    days=-days_left,
                )
            ),
        )


def _escalated_before(review: Review) -> bool:
    """One escalation per overdue review: one resolved by hand is not raised again."""
    return Escalation.objects.filter(
        content_type=ContentType.objects.get_for_model(Review),
        object_id=review.pk,
        reason=EscalationReason.OVERDUE_REVIEW,
    ).exists()


def review_cadence_run(*, today: date | None = None) -> int:
    """The periodic scan: creates the reviews of periods that ended, then reminds and
    escalates open ones. Returns how many reviews were created."""
    created = reviews_schedule(today=today)
    review_reminders_scan(today=today)
    return created
