"""Filters shared by the escalations page and the API."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import django_filters
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.api.filters import OrderingFilter
from escalations.choices import EscalationReason, EscalationStatus, Level, Severity
from escalations.models import Escalation
from suppliers.filtersets import SupplierScopeFilterSet, visible_suppliers
from suppliers.models import Supplier


class EscalationFilterSet(SupplierScopeFilterSet):
    status = django_filters.MultipleChoiceFilter(
        choices=EscalationStatus.choices, label=_("Status")
    )
    level = django_filters.MultipleChoiceFilter(choices=Level.choices, label=_("Level"))
    # Reason and severity match only escalations whose subject the reader may see: a filter
    # must not tell what the generic summary of a hidden one leaves out.
    severity = django_filters.MultipleChoiceFilter(
        choices=Severity.choices, label=_("Severity"), method="filter_shown"
    )
    reason = django_filters.MultipleChoiceFilter(
        choices=EscalationReason.choices, label=_("Reason"), method="filter_shown"
    )
    # The suppliers the reader may see (visible_choices): none without a reader.
    supplier = django_filters.ModelChoiceFilter(
        queryset=Supplier.objects.none(), label=_("Supplier")
    )
    older_than = django_filters.NumberFilter(
        method="filter_older_than",
        min_value=0,
        max_value=36500,
        label=_("Older than (days)"),
        help_text=_("Raised at least this many days ago."),
    )
    ordering = OrderingFilter(
        fields=(
            ("raised_at", "raised_at"),
            ("acknowledge_by", "acknowledge_by"),
            ("level", "level"),
            ("updated_at", "updated_at"),
        ),
        label=_("Sort by"),
    )

    visible_choices = {"supplier": visible_suppliers}

    class Meta:
        model = Escalation
        fields: list[str] = []

    def filter_shown(
        self, queryset: QuerySet[Escalation], name: str, value: list[str]
    ) -> QuerySet[Escalation]:
        if not value:
            return queryset
        return queryset.filter(**{f"{name}__in": value, "subject_visible": True})

    def filter_older_than(
        self, queryset: QuerySet[Escalation], name: str, value: Decimal | None
    ) -> QuerySet[Escalation]:
        if value is None:
            return queryset
        return queryset.filter(raised_at__lte=timezone.now() - timedelta(days=float(value)))
