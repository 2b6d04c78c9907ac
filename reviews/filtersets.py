"""Filters shared by the review pages and the API (and the export links added to the lists)."""

from __future__ import annotations

import django_filters
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _
from django_filters.widgets import BooleanWidget

from core.api.filters import IsoDateTimeFilter, OrderingFilter
from core.filtersets import FilterSet
from escalations.choices import Severity
from reviews.choices import KpiCode, PlanStatus, ReviewStatus, Standing
from reviews.models import CorrectiveActionPlan, DeliveryLine, KpiValue, Review, SurveyAnswer
from reviews.selectors import overdue_q
from suppliers.filtersets import SupplierScopeFilterSet, visible_suppliers
from suppliers.models import Supplier


class ReviewFilterSet(SupplierScopeFilterSet):
    status = django_filters.MultipleChoiceFilter(choices=ReviewStatus.choices, label=_("Status"))
    standing = django_filters.MultipleChoiceFilter(choices=Standing.choices, label=_("Standing"))
    # ?overdue=1 or ?overdue=true, as the dashboard links it.
    overdue = django_filters.BooleanFilter(
        method="filter_overdue",
        widget=BooleanWidget,
        label=_("Overdue"),
        help_text=_("Not submitted, and past the due date."),
    )
    latest = django_filters.BooleanFilter(
        method="filter_latest",
        widget=BooleanWidget,
        label=_("Latest submitted"),
        help_text=_("Each supplier's most recent submitted review, as the dashboard counts them."),
    )
    supplier = django_filters.ModelChoiceFilter(
        queryset=Supplier.objects.all(), label=_("Supplier")
    )
    partial = django_filters.BooleanFilter(
        field_name="is_partial", widget=BooleanWidget, label=_("Partial")
    )
    due_before = django_filters.DateFilter(
        field_name="due_date", lookup_expr="lte", label=_("Due by")
    )
    period_from = django_filters.DateFilter(
        field_name="period_end", lookup_expr="gte", label=_("Period ending from")
    )
    ordering = OrderingFilter(
        fields=(
            ("due_date", "due_date"),
            ("period_end", "period_end"),
            ("updated_at", "updated_at"),
        ),
        label=_("Sort by"),
    )

    visible_choices = {"supplier": visible_suppliers}

    class Meta:
        model = Review
        fields: list[str] = []

    def filter_overdue(
        self, queryset: QuerySet[Review], name: str, value: bool | None
    ) -> QuerySet[Review]:
        if value is None:
            return queryset
        return queryset.filter(overdue_q()) if value else queryset.exclude(overdue_q())

    def filter_latest(
        self, queryset: QuerySet[Review], name: str, value: bool | None
    ) -> QuerySet[Review]:
        if value is None:
            return queryset
        # Newest by period end, then id: the order of the dashboard's standings.
        later = Review.objects.filter(
            Q(period_end__gt=OuterRef("period_end"))
            | Q(period_end=OuterRef("period_end"), pk__gt=OuterRef("pk")),
            supplier_id=OuterRef("supplier_id"),
            status=ReviewStatus.SUBMITTED,
        )
        latest = Q(status=ReviewStatus.SUBMITTED) & ~Q(Exists(later))
        return queryset.filter(latest) if value else queryset.exclude(latest)


class CorrectiveActionPlanFilterSet(FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=PlanStatus.choices, label=_("Status"))
    severity = django_filters.MultipleChoiceFilter(choices=Severity.choices, label=_("Severity"))
    supplier = django_filters.ModelChoiceFilter(
        queryset=Supplier.objects.all(), label=_("Supplier")
    )
    ordering = OrderingFilter(
        fields=(("created_at", "created_at"), ("updated_at", "updated_at")), label=_("Sort by")
    )

    visible_choices = {"supplier": visible_suppliers}

    class Meta:
        model = CorrectiveActionPlan
        fields: list[str] = []


class DeliveryLineFilterSet(FilterSet):
    supplier = django_filters.ModelChoiceFilter(
        queryset=Supplier.objects.all(), label=_("Supplier")
    )
    supplier_external_id = django_filters.CharFilter(
        field_name="supplier__external_id", label=_("Supplier ERP id")
    )
    promised_from = django_filters.DateFilter(
        field_name="promised_date", lookup_expr="gte", label=_("Promised from")
    )
    promised_to = django_filters.DateFilter(
        field_name="promised_date", lookup_expr="lte", label=_("Promised to")
    )

    visible_choices = {"supplier": visible_suppliers}

    class Meta:
        model = DeliveryLine
        fields: list[str] = []


class KpiValueFilterSet(FilterSet):
    supplier = django_filters.ModelChoiceFilter(
        queryset=Supplier.objects.all(), label=_("Supplier")
    )
    supplier_external_id = django_filters.CharFilter(
        field_name="supplier__external_id", label=_("Supplier ERP id")
    )
    code = django_filters.MultipleChoiceFilter(choices=KpiCode.choices, label=_("KPI"))

    visible_choices = {"supplier": visible_suppliers}

    class Meta:
        model = KpiValue
        fields: list[str] = []


class SurveyAnswerFilterSet(FilterSet):
    """The survey answers of one supplier, or those answered since a moment."""

    updated_since = None  # an answer is never changed: ``answered_since`` syncs them
    supplier = django_filters.NumberFilter(field_name="survey__supplier_id", label=_("Supplier"))
    answered_since = IsoDateTimeFilter(
        field_name="answered_at", lookup_expr="gte", label=_("Answered since")
    )

    class Meta:
        model = SurveyAnswer
        fields: list[str] = []
