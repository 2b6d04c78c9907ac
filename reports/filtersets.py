"""The dashboard's filters, shared by its page and the reports API: which suppliers (segment,
category, owner) and over which period."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from core.filtersets import FilterSet
from suppliers.choices import Segment
from suppliers.filtersets import SupplierFilterSet, visible_categories
from suppliers.models import Category, Supplier

PERIOD_CHOICES = (
    ("90", _("Last 90 days")),
    ("180", _("Last 6 months")),
    ("365", _("Last 12 months")),
    ("730", _("Last 2 years")),
)
DEFAULT_PERIOD_DAYS = 365


class ReportFilterSet(FilterSet):
    updated_since = None  # not offered on this list
    segment = django_filters.MultipleChoiceFilter(choices=Segment.choices, label=_("Segment"))
    category = django_filters.ModelMultipleChoiceFilter(
        queryset=Category.objects.all(),
        method="filter_category",
        label=_("Category"),
        help_text=_("Includes the categories below it."),
    )
    owner = django_filters.ModelChoiceFilter(
        queryset=User.objects.filter(is_active=True),
        method="filter_owner",
        label=_("Owner"),
        help_text=_("Any current key-account role: owner, backup or sponsor."),
    )
    period = django_filters.ChoiceFilter(
        choices=PERIOD_CHOICES,
        method="filter_period",
        label=_("Period"),
        empty_label=None,
        help_text=_("For review scores, bands moved and savings realised."),
    )

    visible_choices = {"category": visible_categories}

    class Meta:
        model = Supplier
        fields: list[str] = []

    # The supplier list's own rules for a category (with those below it) and an owner.
    filter_category = SupplierFilterSet.filter_category
    filter_owner = SupplierFilterSet.filter_owner

    def filter_period(self, queryset: QuerySet[Supplier], name: str, value: Any) -> Any:
        return queryset  # a window for the panels, not a filter on suppliers

    @property
    def period_days(self) -> int:
        value = self.form.cleaned_data.get("period") if self.is_valid() else None
        return int(value) if value else DEFAULT_PERIOD_DAYS
