"""Scorecard templates and their versions, criteria, standing bands, and review policies."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.audit import audited
from reviews.choices import (
    SCORE_MAX,
    Cadence,
    CriterionSource,
    KpiCode,
    Standing,
)
from suppliers.choices import Segment

PERCENT = [MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))]


@audited()
class ScorecardTemplate(models.Model):
    """One version of a scorecard: weighted criteria and standing bands. Versions are never
    edited once a review uses them; a change makes the next version (services.template_revise),
    and each review keeps the version it was started with."""

    name = models.CharField(_("name"), max_length=100)
    version = models.PositiveIntegerField(_("version"), default=1)
    is_current = models.BooleanField(_("current version"), default=True)
    description = models.TextField(_("description"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("scorecard template")
        verbose_name_plural = _("scorecard templates")
        ordering = ["name", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["name", "version"],
                name="reviews_template_unique_version",
                violation_error_message=_("This version of the template exists already."),
            ),
            models.UniqueConstraint(
                fields=["name"],
                condition=Q(is_current=True),
                name="reviews_template_one_current",
                violation_error_message=_("A template has one current version."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"


class Criterion(models.Model):
    """A weighted criterion of a template version, rated by people or computed from a KPI."""

    template = models.ForeignKey(
        ScorecardTemplate, on_delete=models.CASCADE, related_name="criteria"
    )
    key = models.SlugField(_("key"), max_length=50)
    name = models.CharField(_("name"), max_length=100)
    weight = models.DecimalField(_("weight"), max_digits=5, decimal_places=2, validators=PERCENT)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    source = models.CharField(
        _("source"), max_length=10, choices=CriterionSource.choices, default=CriterionSource.RATED
    )
    # Guidance for each score, 1 to 5: what a 1 looks like, what a 5 looks like.
    guidance = ArrayField(
        models.TextField(blank=True),
        size=SCORE_MAX,
        default=list,
        blank=True,
        verbose_name=_("guidance per score"),
    )
    kpi_code = models.CharField(_("KPI"), max_length=30, choices=KpiCode.choices, blank=True)
    # A KPI maps linearly to 0..100: its value at ``kpi_best`` scores 100, at ``kpi_worst`` 0
    # (best may be below worst: a rejection rate is best at 0).
    kpi_best = models.DecimalField(
        _("KPI value scoring 100"), max_digits=12, decimal_places=4, null=True, blank=True
    )
    kpi_worst = models.DecimalField(
        _("KPI value scoring 0"), max_digits=12, decimal_places=4, null=True, blank=True
    )

    class Meta:
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")
        ordering = ["template", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["template", "key"],
                name="reviews_criterion_unique_key",
                violation_error_message=_("A template has each criterion once."),
            ),
            models.CheckConstraint(
                condition=Q(weight__gt=0, weight__lte=100),
                name="reviews_criterion_weight_range",
                violation_error_message=_("A weight is above 0 and at most 100."),
            ),
            models.CheckConstraint(
                condition=Q(source=CriterionSource.RATED, kpi_code="")
                | (
                    Q(source=CriterionSource.KPI, kpi_best__isnull=False, kpi_worst__isnull=False)
                    & ~Q(kpi_code="")
                    & ~Q(kpi_best=F("kpi_worst"))
                ),
                name="reviews_criterion_kpi_complete",
                violation_error_message=_(
                    "A KPI criterion names its KPI and two different values scoring 100 and 0; "
                    "a rated one names none."
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def guidance_for(self, score: int) -> str:
        return self.guidance[score - 1] if 0 < score <= len(self.guidance) else ""


class StandingBand(models.Model):
    """A band of overall scores of a template version: ``lower`` included, ``upper`` excluded
    (except 100, which belongs to the top band)."""

    template = models.ForeignKey(ScorecardTemplate, on_delete=models.CASCADE, related_name="bands")
    standing = models.CharField(_("standing"), max_length=20, choices=Standing.choices)
    lower = models.DecimalField(_("from"), max_digits=5, decimal_places=2, validators=PERCENT)
    upper = models.DecimalField(_("below"), max_digits=5, decimal_places=2, validators=PERCENT)

    class Meta:
        verbose_name = _("standing band")
        verbose_name_plural = _("standing bands")
        ordering = ["template", "lower"]
        constraints = [
            models.UniqueConstraint(
                fields=["template", "standing"], name="reviews_band_unique_standing"
            ),
            models.CheckConstraint(
                condition=Q(lower__gte=0, upper__lte=100, lower__lt=F("upper")),
                name="reviews_band_range",
                violation_error_message=_("A band runs from a lower to a higher score in 0-100."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_standing_display()} {self.lower}-{self.upper}"


class ReviewPolicy(models.Model):
    """How often the suppliers of a segment are reviewed, with which template, and how long
    the owner has after a period ends to submit its review."""

    segment = models.CharField(_("segment"), max_length=20, choices=Segment.choices, unique=True)
    cadence = models.PositiveSmallIntegerField(_("cadence"), choices=Cadence.choices)
    template_name = models.CharField(
        _("scorecard template"),
        max_length=100,
        help_text=_("New reviews use the current version of the template of this name."),
    )
    due_days = models.PositiveSmallIntegerField(
        _("days to complete"),
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text=_("Days after the period ends by which the review is due."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("review policy")
        verbose_name_plural = _("review policies")
        ordering = ["segment"]

    def __str__(self) -> str:
        return str(Segment(self.segment).label)
