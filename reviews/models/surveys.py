"""The supplier's survey of us, and its answer."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from reviews.choices import (
    SCORE_MAX,
    SCORE_MIN,
)
from reviews.models.reviews import Review
from suppliers.models import Contact, Supplier

ONE_TO_FIVE = [MinValueValidator(SCORE_MIN), MaxValueValidator(SCORE_MAX)]


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
