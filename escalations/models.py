from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.feed import in_feed
from escalations.choices import EscalationReason, EscalationStatus, Level, Severity, StepKind
from escalations.messages import COPY, GENERIC, LEGACY, render
from suppliers.models import Supplier


def _note_text(typed: str, code: str, params: Mapping[str, Any] | None) -> str:
    """A note or resolution in the language active now: ``typed`` when there is no code (text
    as a person typed it), else the recorded facts in words."""
    if not code:
        return typed
    if code == COPY:
        return ""
    return render(code, params)


@in_feed("escalations")
class Escalation(models.Model):
    """A problem with a supplier that someone must act on, climbing a level each time it is
    not acknowledged in time."""

    supplier = models.ForeignKey(
        Supplier, verbose_name=_("supplier"), on_delete=models.CASCADE, related_name="escalations"
    )
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("content_type", "object_id")
    reason = models.CharField(_("reason"), max_length=30, choices=EscalationReason.choices)
    # What it says, as facts: escalations.messages renders them in the reader's language.
    summary_code = models.CharField(_("summary code"), max_length=40, default=LEGACY)
    summary_params = models.JSONField(_("summary facts"), default=dict, blank=True)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices)
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices, default=Level.OWNER)
    status = models.CharField(
        _("status"), max_length=15, choices=EscalationStatus.choices, default=EscalationStatus.OPEN
    )
    acknowledge_by = models.DateTimeField(_("acknowledge by"))
    raised_at = models.DateTimeField(_("raised at"), default=timezone.now)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    # As a person typed it; blank when the system resolved it, which records facts instead
    # (escalations.messages, as a step's note does), rendered in the reader's language.
    resolution = models.TextField(_("resolution"), blank=True)
    resolution_code = models.CharField(_("resolution code"), max_length=40, blank=True)
    resolution_params = models.JSONField(_("resolution facts"), default=dict, blank=True)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("escalation")
        verbose_name_plural = _("escalations")
        ordering = ["-raised_at", "-id"]
        indexes = [
            models.Index(
                fields=["acknowledge_by", "id"],
                condition=Q(status=EscalationStatus.OPEN),
                name="escalation_due_to_climb_idx",
            ),
            models.Index(fields=["supplier", "status"], name="escalation_supplier_idx"),
            models.Index(fields=["updated_at", "id"], name="escalation_updated_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id", "reason"],
                condition=~Q(status=EscalationStatus.RESOLVED),
                name="escalations_one_open_per_object_and_reason",
                violation_error_message=_("This problem is escalated already."),
            ),
            models.CheckConstraint(
                condition=Q(level__gte=1, level__lte=3), name="escalations_level_1_to_3"
            ),
        ]

    def __str__(self) -> str:
        return self.summary

    def get_absolute_url(self) -> str:
        return reverse("escalations:escalation_detail", args=[self.pk])

    @property
    def summary(self) -> str:
        """The full summary, in the language active now (for those who may see the subject)."""
        return render(self.summary_code, self.summary_params)

    @property
    def shown_summary(self) -> str:
        """What escalations.selectors lets the reader see (``shown_message``), in the language
        active now: the full summary, or the generic one when the subject is hidden."""
        shown = getattr(self, "shown_message", None)
        if shown is None:  # not read through a selector: tell no more than the generic one
            content_type = self.content_type
            subject = f"{content_type.app_label}.{content_type.model}"
            shown = {
                "code": GENERIC,
                "params": {"supplier": self.supplier.name, "subject": subject},
            }
        return render(shown.get("code", GENERIC), shown.get("params"))

    @property
    def resolution_text(self) -> str:
        """How it was resolved, in the language active now: as typed, or the facts the system
        recorded in words (for those who may see the subject)."""
        return _note_text(self.resolution, self.resolution_code, self.resolution_params)

    @property
    def shown_resolution(self) -> str:
        """The resolution as escalations.selectors lets the reader see it
        (``shown_resolution_facts``): blank when the subject is hidden, or when the escalation
        was not read through a selector."""
        facts = getattr(self, "shown_resolution_facts", None)
        if not facts:
            return ""
        return _note_text(
            str(facts.get("text") or ""), str(facts.get("code") or ""), facts.get("params")
        )

    @property
    def is_open(self) -> bool:
        """Not yet acknowledged: it climbs when its time is up."""
        return self.status == EscalationStatus.OPEN

    @property
    def is_resolved(self) -> bool:
        return self.status == EscalationStatus.RESOLVED

    @property
    def may_climb(self) -> bool:
        """Below the top of the ladder, so not acknowledging in time sends it a level up."""
        return self.level < Level.EXECUTIVE

    # The labels of what escalations.selectors annotates for the reader (``shown_reason``,
    # ``shown_severity``): blank when the reader may not see the subject.
    @property
    def shown_reason_label(self) -> str:
        value = getattr(self, "shown_reason", None)
        return str(EscalationReason(value).label) if value else ""

    @property
    def shown_severity_label(self) -> str:
        value = getattr(self, "shown_severity", None)
        return str(Severity(value).label) if value else ""


class EscalationStep(models.Model):
    """One thing that happened to an escalation: raised, notified, climbed, acknowledged,
    resolved; with who (None when the system did it) and when."""

    escalation = models.ForeignKey(Escalation, on_delete=models.CASCADE, related_name="steps")
    kind = models.CharField(_("step"), max_length=15, choices=StepKind.choices)
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("to"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    note = models.TextField(_("note"), blank=True)
    # Blank when the note is text as typed; else what the system recorded, as facts
    # (escalations.messages), rendered in the reader's language.
    note_code = models.CharField(_("note code"), max_length=40, blank=True)
    note_params = models.JSONField(_("note facts"), default=dict, blank=True)
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("escalation step")
        verbose_name_plural = _("escalation steps")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.level})"

    @property
    def is_notification(self) -> bool:
        return self.kind == StepKind.NOTIFIED

    @property
    def is_copy(self) -> bool:
        """A notification to someone of a level below the escalation's, for their information."""
        return self.note_code == COPY

    @property
    def text(self) -> str:
        """The note in the language active now: as typed, or the recorded facts in words."""
        return _note_text(self.note, self.note_code, self.note_params)

    @property
    def shown_note(self) -> str:
        """The note as escalations.selectors lets the reader see it (``note_visible``): blank
        when the subject is hidden; a copy reads "copy" (the API's marker)."""
        if self.is_copy:
            return COPY
        if not getattr(self, "note_visible", False):
            return ""
        return self.text
