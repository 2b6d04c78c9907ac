"""The reviews' periodic scans, all in this one place: ``review_cadence_scan`` (the beat's
``review_cadence_scan_task``) runs ``review_schedule_scan``, which creates each supplier's next
review once per period, then ``review_reminder_scan``, which reminds and escalates.

Periods are calendar-aligned (quarters, halves, years). When a period ends, the scan creates
each active supplier's review of it, due ``ReviewPolicy.due_days`` later; the unique key on
supplier and period makes a second run (or a second beat) harmless. A supplier's first review
is due one cadence after it became active, never sooner, and never of a period that ended
before: a supplier added today has nothing overdue and nothing escalated on its first day.
Open reviews are reminded 14 and 3 days before the due date; once overdue the owner is
reminded, and REVIEW_ESCALATION_DAYS later the review is escalated.
"""

from __future__ import annotations

import calendar
from datetime import date, datetime, time, timedelta

from django.apps import apps
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.db.models import DateTimeField, Exists, F, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from core.text import LazyFormat
from escalations.choices import EscalationReason, Severity
from escalations.messages import overdue_review_summary
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


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (earlier when negative), at most the month's last day."""
    year, month = divmod(day.year * 12 + day.month - 1 + months, 12)
    last_day = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last_day))


def active_since() -> Coalesce:
    """When the supplier last became active, read from its audit trail: the first event of its
    current run of "active" events (the lifecycle change to active, or its creation when it was
    created active), else its creation. The event's ``updated_at`` is the moment the service
    made the change (every supplier write sets it), on the application's clock like ``today``;
    the trigger's own timestamp is the start of the transaction."""
    # The audit model is made by django-pghistory, which type checkers do not see.
    supplier_event = apps.get_model("suppliers", "SupplierEvent")
    events = supplier_event.objects.filter(pgh_obj_id=OuterRef("pk"))
    last_inactive = (
        supplier_event.objects.filter(pgh_obj_id=OuterRef(OuterRef("pk")))
        .exclude(status=SupplierStatus.ACTIVE)
        .order_by("-pgh_id")
        .values("pgh_id")[:1]
    )
    first_active = (
        events.filter(status=SupplierStatus.ACTIVE, pgh_id__gt=Coalesce(Subquery(last_inactive), 0))
        .order_by("pgh_id")
        .values("updated_at")[:1]
    )
    return Coalesce(Subquery(first_active), F("created_at"), output_field=DateTimeField())


def _reviewable(policy: ReviewPolicy, start: date, end: date) -> QuerySet[Supplier]:
    """The policy's active suppliers that have no review of the period and were active in it
    long enough: its review falls due one cadence or more after they became active."""
    due = end + timedelta(days=policy.due_days)
    last_day = min(end, add_months(due, -policy.cadence))
    # Became active on last_day at the latest, in the site's time zone.
    before = timezone.make_aware(datetime.combine(last_day + timedelta(days=1), time.min))
    has_review = Exists(
        Review.objects.filter(supplier_id=OuterRef("pk"), period_start=start, period_end=end)
    )
    return (
        Supplier.objects.filter(status=SupplierStatus.ACTIVE, segment=policy.segment)
        .exclude(has_review)
        .alias(active_since=active_since())
        .filter(active_since__lt=Value(before, output_field=DateTimeField()))
        .order_by("pk")
    )


def review_schedule_scan(*, today: date | None = None) -> int:
    """Creates the review of the last ended period for every active supplier whose segment has
    an active policy, that has none for that period and that was active long enough (see
    ``_reviewable``); returns how many were created."""
    today = today or timezone.localdate()
    created = 0
    for policy in ReviewPolicy.objects.filter(is_active=True):
        start, end = last_ended_period(today, policy.cadence)
        template = current_template(policy.template_name)
        suppliers = _reviewable(policy, start, end)
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


def review_reminder_scan(*, today: date | None = None) -> int:
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
            summary=overdue_review_summary(supplier=review.supplier.name, days=-days_left),
        )


def _escalated_before(review: Review) -> bool:
    """One escalation per overdue review: one resolved by hand is not raised again."""
    return Escalation.objects.filter(
        content_type=ContentType.objects.get_for_model(Review),
        object_id=review.pk,
        reason=EscalationReason.OVERDUE_REVIEW,
    ).exists()


def review_cadence_scan(*, today: date | None = None) -> int:
    """The periodic scan: creates the reviews of periods that ended, then reminds and
    escalates open ones. Returns how many reviews were created."""
    created = review_schedule_scan(today=today)
    review_reminder_scan(today=today)
    return created
