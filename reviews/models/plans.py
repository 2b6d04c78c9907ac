"""Corrective action plans opened by poor reviews, and their actions."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.audit import audited
from core.feed import in_feed
from escalations.choices import Severity
from reviews.choices import (
    ActionStatus,
    PlanStatus,
)
from reviews.models.reviews import Review
from suppliers.models import Contact, Supplier


@audited()
@in_feed("corrective-action-plans")
class CorrectiveActionPlan(models.Model):
    """What must change after a poor review, verified at the next one."""

    review = models.OneToOneField(
        Review, verbose_name=_("review"), on_delete=models.CASCADE, related_name="action_plan"
    )
    supplier = models.ForeignKey(
        Supplier,
        verbose_name=_("supplier"),
        on_delete=models.CASCADE,
        related_name="action_plans",
    )
    problem = models.TextField(_("problem"))
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices)
    root_cause = models.TextField(_("root cause"), blank=True)
    supplier_response = models.TextField(_("supplier's response"), blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=PlanStatus.choices, default=PlanStatus.OPEN
    )
    verified_in = models.ForeignKey(
        Review,
        verbose_name=_("verified in review"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="verified_plans",
    )
    verification_note = models.TextField(_("verification"), blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("verified by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("corrective action plan")
        verbose_name_plural = _("corrective action plans")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["supplier", "status"], name="plan_supplier_status_idx"),
            models.Index(fields=["updated_at", "id"], name="plan_updated_idx"),
        ]

    def __str__(self) -> str:
        return str(_("Corrective actions for %(review)s") % {"review": self.review})

    def get_absolute_url(self) -> str:
        return reverse("reviews:plan_detail", args=[self.pk])


@audited()
class CorrectiveAction(models.Model):
    """One action of a plan, with an owner on our side or theirs and a due date."""

    plan = models.ForeignKey(CorrectiveActionPlan, on_delete=models.CASCADE, related_name="actions")
    description = models.CharField(_("action"), max_length=300)
    owner_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner (ours)"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="corrective_actions",
    )
    owner_contact = models.ForeignKey(
        Contact,
        verbose_name=_("owner (theirs)"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="corrective_actions",
    )
    due_date = models.DateField(_("due"))
    status = models.CharField(
        _("status"), max_length=20, choices=ActionStatus.choices, default=ActionStatus.OPEN
    )
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("corrective action")
        verbose_name_plural = _("corrective actions")
        ordering = ["due_date", "id"]

    def __str__(self) -> str:
        return self.description
