from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.audit import audited
from escalations.choices import Severity
from reviews.choices import (
    SCORE_MAX,
    SCORE_MIN,
    ActionStatus,
    Cadence,
    CriterionSource,
    KpiCode,
    PlanStatus,
    RaterRole,
    ReviewStatus,
    Standing,
)
from suppliers.choices import Segment
from suppliers.models import Contact, Supplier

PERCENT = [MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))]
ONE_TO_FIVE = [MinValueValidator(SCORE_MIN), MaxValueValidator(SCORE_MAX)]


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


@audited()
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
    def is_locked(self) -> bool:
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


@audited()
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


class DeliveryLine(models.Model):
    """A purchase-order line as delivered, pushed by the ERP; the source of OTIF and the
    rejection rate."""

    supplier = models.ForeignKey(
        Supplier, verbose_name=_("supplier"), on_delete=models.CASCADE, related_name="deliveries"
    )
    order_ref = models.CharField(_("order"), max_length=100)
    line_ref = models.CharField(_("line"), max_length=100)
    promised_date = models.DateField(_("promised"))
    received_date = models.DateField(_("received"), null=True, blank=True)
    quantity_ordered = models.DecimalField(_("ordered"), max_digits=14, decimal_places=3)
    quantity_received = models.DecimalField(
        _("received"), max_digits=14, decimal_places=3, default=Decimal(0)
    )
    quantity_rejected = models.DecimalField(
        _("rejected"), max_digits=14, decimal_places=3, default=Decimal(0)
    )
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("delivery line")
        verbose_name_plural = _("delivery lines")
        ordering = ["-promised_date", "id"]
        indexes = [
            models.Index(fields=["supplier", "promised_date"], name="delivery_supplier_date_idx"),
            models.Index(fields=["updated_at", "id"], name="delivery_updated_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["supplier", "order_ref", "line_ref"],
                name="reviews_delivery_unique_line",
                violation_error_message=_("This order line exists already."),
            ),
            models.CheckConstraint(
                condition=Q(quantity_ordered__gt=0),
                name="reviews_delivery_ordered_positive",
                violation_error_message=_("The quantity ordered is above 0."),
            ),
            models.CheckConstraint(
                condition=Q(quantity_received__gte=0, quantity_rejected__gte=0)
                & Q(quantity_rejected__lte=F("quantity_received")),
                name="reviews_delivery_quantities",
                violation_error_message=_(
                    "Quantities are not negative, and no more is rejected than was received."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order_ref}/{self.line_ref}"


class KpiValue(models.Model):
    """A KPI the ERP computed itself for a supplier and period; it wins over our own figure."""

    supplier = models.ForeignKey(
        Supplier, verbose_name=_("supplier"), on_delete=models.CASCADE, related_name="kpi_values"
    )
    code = models.CharField(_("KPI"), max_length=30, choices=KpiCode.choices)
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period to"))
    value = models.DecimalField(_("value"), max_digits=12, decimal_places=4)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("KPI value")
        verbose_name_plural = _("KPI values")
        ordering = ["supplier", "code", "-period_end"]
        indexes = [models.Index(fields=["updated_at", "id"], name="kpivalue_updated_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["supplier", "code", "period_start", "period_end"],
                name="reviews_kpi_value_unique",
                violation_error_message=_("This KPI has a value for this period already."),
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")),
                name="reviews_kpi_period_order",
                violation_error_message=_("A period cannot end before it starts."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_code_display()} {self.value}"


class SupplierSurvey(models.Model):
    """The survey sent to the supplier's primary contact with a review cycle: how we are as
    a customer. Reached through a signed, expiring link; answered once."""

    review = models.OneToOneField(Review, on_delete=models.CASCADE, related_name="survey")
    supplier = models.ForeignKey(
        Supplier, verbose_name=_("supplier"), on_delete=models.CASCADE, related_name="surveys"
    )
    contact = models.ForeignKey(
        Contact, verbose_name=_("contact"), on_delete=models.SET_NULL, null=True, blank=True
    )
    email = models.EmailField(_("email"))
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))

    class Meta:
        verbose_name = _("supplier survey")
        verbose_name_plural = _("supplier surveys")
        ordering = ["-sent_at", "-id"]
        indexes = [models.Index(fields=["supplier", "-sent_at"], name="survey_supplier_idx")]

    def __str__(self) -> str:
        return f"{self.supplier} · {self.sent_at:%Y-%m-%d}"


class SurveyAnswer(models.Model):
    """The supplier's one answer to a survey, 1 to 5 per question."""

    survey = models.OneToOneField(SupplierSurvey, on_delete=models.CASCADE, related_name="answer")
    communication = models.PositiveSmallIntegerField(_("communication"), validators=ONE_TO_FIVE)
    payment = models.PositiveSmallIntegerField(_("payment"), validators=ONE_TO_FIVE)
    forecasting = models.PositiveSmallIntegerField(_("forecasting"), validators=ONE_TO_FIVE)
    collaboration = models.PositiveSmallIntegerField(_("collaboration"), validators=ONE_TO_FIVE)
    comment = models.TextField(_("comment"), blank=True, max_length=5000)
    answered_at = models.DateTimeField(_("answered at"), default=timezone.now)

    class Meta:
        verbose_name = _("survey answer")
        verbose_name_plural = _("survey answers")
        constraints = [
            models.CheckConstraint(
                condition=Q(communication__gte=1, communication__lte=5)
                & Q(payment__gte=1, payment__lte=5)
                & Q(forecasting__gte=1, forecasting__lte=5)
                & Q(collaboration__gte=1, collaboration__lte=5),
                name="reviews_survey_answer_1_to_5",
                violation_error_message=_("Each answer is from 1 to 5."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.survey_id}: {self.average}"

    @property
    def average(self) -> Decimal:
        total = self.communication + self.payment + self.forecasting + self.collaboration
        return (Decimal(total) / 4).quantize(Decimal("0.01"))
