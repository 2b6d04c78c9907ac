"""What the ERP pushes: delivery lines and KPI values."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.feed import in_feed
from reviews.choices import (
    KpiCode,
)
from suppliers.models import Supplier


@in_feed("deliveries")
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


@in_feed("kpi-values")
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
