from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.audit import audited
from core.constraints import FieldCheckConstraint
from core.feed import CANCELLED, in_feed
from meetings.choices import IN_PERSON_KINDS, CommitmentSide, CommitmentStatus, MeetingKind
from suppliers.choices import Segment
from suppliers.models import Contact, Supplier


@audited()
@in_feed("meetings", deleted_as=CANCELLED)  # calling one off deletes it
class Meeting(models.Model):
    """A meeting with a supplier: who was there on both sides, what was said and decided."""

    supplier = models.ForeignKey(
        Supplier, verbose_name=_("supplier"), on_delete=models.CASCADE, related_name="meetings"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=MeetingKind.choices)
    starts_at = models.DateTimeField(_("time"), default=timezone.now)
    location = models.CharField(_("location"), max_length=200, blank=True)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    outcome = models.TextField(_("outcome"), blank=True)
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("logged by"),
        on_delete=models.PROTECT,
        related_name="logged_meetings",
    )
    our_attendees = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("our attendees"),
        related_name="meetings_attended",
        blank=True,
    )
    their_attendees = models.ManyToManyField(
        Contact, verbose_name=_("their attendees"), related_name="meetings_attended", blank=True
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["-starts_at", "-id"]
        indexes = [
            models.Index(fields=["supplier", "-starts_at"], name="meeting_supplier_time_idx"),
            models.Index(fields=["updated_at", "id"], name="meeting_updated_idx"),
            models.Index(fields=["starts_at"], name="meeting_time_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=MeetingKind.values), name="meetings_meeting_kind_valid"
            )
        ]

    def __str__(self) -> str:
        return self.subject or f"{self.get_kind_display()} · {self.supplier}"

    def get_absolute_url(self) -> str:
        return reverse("meetings:meeting_detail", args=[self.pk])

    @property
    def in_person(self) -> bool:
        return self.kind in IN_PERSON_KINDS


@audited()
@in_feed("commitments", ended=(CANCELLED, "{row}.status = 'cancelled'"))
class Commitment(models.Model):
    """A promise made to or by a supplier, usually in a meeting, tracked until it is kept.
    Whether it is overdue follows from its due date and status; it is never stored."""

    supplier = models.ForeignKey(
        Supplier,
        verbose_name=_("supplier"),
        on_delete=models.CASCADE,
        related_name="commitments",
    )
    meeting = models.ForeignKey(
        Meeting,
        verbose_name=_("meeting"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="commitments",
    )
    description = models.CharField(_("what was promised"), max_length=500)
    side = models.CharField(_("side"), max_length=10, choices=CommitmentSide.choices)
    owner_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("our owner"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="commitments",
    )
    owner_contact = models.ForeignKey(
        Contact,
        verbose_name=_("their owner"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="commitments",
    )
    due_date = models.DateField(_("due date"))
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=CommitmentStatus.choices,
        default=CommitmentStatus.OPEN,
    )
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("completed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("cancelled by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("commitment")
        verbose_name_plural = _("commitments")
        ordering = ["due_date", "id"]
        indexes = [
            models.Index(
                fields=["due_date", "id"],
                condition=Q(status=CommitmentStatus.OPEN),
                name="commitment_open_due_idx",
            ),
            models.Index(fields=["supplier", "status"], name="commitment_supplier_idx"),
            models.Index(fields=["updated_at", "id"], name="commitment_updated_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(side=CommitmentSide.OURS, owner_contact__isnull=True)
                    | Q(side=CommitmentSide.THEIRS, owner_user__isnull=True)
                ),
                name="meetings_commitment_owner_matches_side",
                violation_error_message=_(
                    "Our commitments are owned by one of our people, theirs by one of their "
                    "contacts."
                ),
            ),
            models.CheckConstraint(
                condition=Q(owner_user__isnull=False) | Q(owner_contact__isnull=False),
                name="meetings_commitment_has_owner",
                violation_error_message=_("Every commitment has an owner."),
            ),
            # Done records when and by whom it was completed; cancelled, when and by whom it
            # was cancelled; open, neither.
            models.CheckConstraint(
                condition=Q(
                    status=CommitmentStatus.OPEN,
                    completed_at__isnull=True,
                    completed_by__isnull=True,
                    cancelled_at__isnull=True,
                    cancelled_by__isnull=True,
                )
                | Q(
                    status=CommitmentStatus.DONE,
                    completed_at__isnull=False,
                    cancelled_at__isnull=True,
                    cancelled_by__isnull=True,
                )
                | Q(
                    status=CommitmentStatus.CANCELLED,
                    cancelled_at__isnull=False,
                    completed_at__isnull=True,
                    completed_by__isnull=True,
                ),
                name="meetings_commitment_closing_recorded",
                violation_error_message=_(
                    "A done commitment records its completion, a cancelled one its "
                    "cancellation, an open one neither."
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.description

    @property
    def is_open(self) -> bool:
        return self.status == CommitmentStatus.OPEN

    @property
    def is_cancelled(self) -> bool:
        return self.status == CommitmentStatus.CANCELLED

    @property
    def closed_at(self) -> Any:
        return self.completed_at or self.cancelled_at

    @property
    def closed_by(self) -> Any:
        return self.completed_by if self.status == CommitmentStatus.DONE else self.cancelled_by

    @property
    def owner(self) -> Any:
        return self.owner_user if self.side == CommitmentSide.OURS else self.owner_contact

    def is_overdue(self, today: Any = None) -> bool:
        today = today or timezone.localdate()
        return self.status == CommitmentStatus.OPEN and self.due_date < today


@audited()
class EngagementPolicy(models.Model):
    """How often we must meet the suppliers of a segment, and how often in person."""

    segment = models.CharField(_("segment"), max_length=20, choices=Segment.choices, unique=True)
    # Integers kept at 1 or more by the constraints below, whose message a form shows.
    max_days_between_meetings = models.IntegerField(
        _("most days between meetings"), null=True, blank=True
    )
    max_days_between_in_person = models.IntegerField(
        _("most days between in-person meetings"),
        null=True,
        blank=True,
        help_text=_("Empty: no in-person meeting is required."),
    )
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("engagement policy")
        verbose_name_plural = _("engagement policies")
        ordering = ["segment"]
        # At least a day, or none: "0 days" would make every supplier overdue at once.
        constraints = [
            FieldCheckConstraint(
                field=name,
                condition=Q(**{f"{name}__isnull": True}) | Q(**{f"{name}__gte": 1}),
                name=f"meetings_policy_{name}_at_least_1",
                violation_error_message=_("Give at least 1 day, or leave it empty."),
            )
            for name in ("max_days_between_meetings", "max_days_between_in_person")
        ]

    def __str__(self) -> str:
        return str(Segment(self.segment).label)
