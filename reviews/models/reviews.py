"""Reviews of a supplier's performance, their raters, scores and results."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.audit import audited
from core.feed import in_feed
from reviews.choices import (
    SCORE_MAX,
    SCORE_MIN,
    RaterRole,
    ReviewStatus,
    Standing,
)
from reviews.models.scorecards import Criterion, ScorecardTemplate
from suppliers.models import Supplier

ONE_TO_FIVE = [MinValueValidator(SCORE_MIN), MaxValueValidator(SCORE_MAX)]


@audited()
@in_feed("reviews")
class Review(models.Model):
    """A supplier's performance review for one period, scored on one template version."""

    supplier = models.ForeignKey(
        Supplier, verbose_name=_("supplier"), on_delete=models.CASCADE, related_name="reviews"
    )
    template = models.ForeignKey(
        ScorecardTemplate,
        verbose_name=_("scorecard"),
        on_delete=models.PROTECT,
        related_name="reviews",
    )
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period to"))
    due_date = models.DateField(_("due"))
    status = models.CharField(
        _("status"), max_length=20, choices=ReviewStatus.choices, default=ReviewStatus.SCHEDULED
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="owned_reviews",
    )
    overall_score = models.DecimalField(
        _("overall score"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    # Null until scored (or when nothing had data): "no standing" is not a band.
    standing = models.CharField(  # noqa: DJ001
        _("standing"), max_length=20, choices=Standing.choices, null=True, blank=True
    )
    is_partial = models.BooleanField(
        _("partial"),
        default=False,
        help_text=_("Some criteria had no data; the others' weights were re-normalised."),
    )
    summary = models.TextField(_("summary"), blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    reopened_at = models.DateTimeField(_("reopened at"), null=True, blank=True)
    reopened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reopened by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    reopen_reason = models.TextField(_("reason for reopening"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        ordering = ["-period_end", "-id"]
        indexes = [
            models.Index(fields=["supplier", "-period_end"], name="review_supplier_period_idx"),
            models.Index(
                fields=["due_date", "id"],
                condition=~Q(status=ReviewStatus.SUBMITTED),
                name="review_open_due_idx",
            ),
            models.Index(fields=["owner", "status"], name="review_owner_status_idx"),
            models.Index(fields=["updated_at", "id"], name="review_updated_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["supplier", "period_start", "period_end"],
                name="reviews_one_per_supplier_period",
                violation_error_message=_("This supplier has a review for this period already."),
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")),
                name="reviews_review_period_order",
                violation_error_message=_("A period cannot end before it starts."),
            ),
            models.CheckConstraint(
                condition=Q(overall_score__isnull=True)
                | Q(overall_score__gte=0, overall_score__lte=100),
                name="reviews_review_score_range",
            ),
            models.CheckConstraint(
                condition=Q(status__in=ReviewStatus.values), name="reviews_review_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status=ReviewStatus.SUBMITTED) | Q(submitted_at__isnull=False),
                name="reviews_review_submitted_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.supplier} · {self.period_start:%Y-%m-%d} - {self.period_end:%Y-%m-%d}"

    def get_absolute_url(self) -> str:
        return reverse("reviews:review_detail", args=[self.pk])

    @property
    def is_submitted(self) -> bool:
        """Submitted, so locked, with its result: for display; what may be done is asked of
        ``reviews.permissions.review_actions``."""
        return self.status == ReviewStatus.SUBMITTED

    def is_overdue(self, today: object = None) -> bool:
        day = today or timezone.localdate()
        return self.status != ReviewStatus.SUBMITTED and self.due_date < day  # type: ignore[operator]


class Rater(models.Model):
    """Someone invited to score a review, independently of the others."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="raters")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("rater"),
        on_delete=models.PROTECT,
        related_name="review_invitations",
    )
    role = models.CharField(_("role"), max_length=20, choices=RaterRole.choices)
    invited_at = models.DateTimeField(_("invited at"), default=timezone.now)
    scored_at = models.DateTimeField(_("scored at"), null=True, blank=True)

    class Meta:
        verbose_name = _("rater")
        verbose_name_plural = _("raters")
        ordering = ["review", "role", "id"]
        indexes = [models.Index(fields=["user", "review"], name="rater_user_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["review", "user"],
                name="reviews_rater_once",
                violation_error_message=_("This person is invited to this review already."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} on {self.review_id}"


@audited()
class ReviewScore(models.Model):
    """One rater's score of one criterion: 1 to 5, or no score (no data)."""

    rater = models.ForeignKey(Rater, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="+")
    # Null: the rater has no basis to judge; it never counts as any score.
    score = models.PositiveSmallIntegerField(
        _("score"), null=True, blank=True, validators=ONE_TO_FIVE
    )
    comment = models.TextField(_("evidence or comment"), blank=True)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        ordering = ["rater", "criterion__position"]
        constraints = [
            models.UniqueConstraint(
                fields=["rater", "criterion"],
                name="reviews_score_once_per_rater",
                violation_error_message=_("This rater scored this criterion already."),
            ),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__gte=SCORE_MIN, score__lte=SCORE_MAX),
                name="reviews_score_1_to_5",
                violation_error_message=_("A score is from 1 to 5."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.criterion}: {self.score}"


class CriterionResult(models.Model):
    """A criterion's outcome in a submitted review: the median of its raters or the KPI,
    on 0..100, and the weight it carried after re-normalising. Null score: no data."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="results")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="+")
    median = models.DecimalField(
        _("median score"), max_digits=3, decimal_places=1, null=True, blank=True
    )
    kpi_value = models.DecimalField(
        _("KPI value"), max_digits=12, decimal_places=4, null=True, blank=True
    )
    score = models.DecimalField(
        _("score (0-100)"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    effective_weight = models.DecimalField(
        _("weight used"), max_digits=6, decimal_places=3, default=Decimal(0)
    )
    rater_count = models.PositiveSmallIntegerField(_("raters"), default=0)

    class Meta:
        verbose_name = _("criterion result")
        verbose_name_plural = _("criterion results")
        ordering = ["review", "criterion__position", "criterion_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["review", "criterion"], name="reviews_result_once_per_criterion"
            )
        ]

    def __str__(self) -> str:
        return f"{self.criterion}: {self.score}"
