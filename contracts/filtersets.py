"""Filters shared by the contract list page and the API (and the export another app adds).

The querysets are those of ``contracts.selectors.contract_list``, which carry the notice date,
the phase and ``confidential_visible``. A value or currency filter matches only contracts
whose value the user may see: otherwise narrowing the range would tell anyone the value.
"""

from __future__ import annotations

from decimal import Decimal

import django_filters
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from contracts.choices import BenefitKind, ContractPhase, ObligationStatus, Party
from contracts.models import Benefit, Contract, ContractDocument, ExchangeRate, Obligation
from contracts.querysets import ContractQuerySet, in_force_q
from core.api.filters import OrderingFilter
from core.currencies import currency_choices
from core.filtersets import FilterSet
from suppliers.filtersets import SupplierScopeFilterSet, visible_suppliers
from suppliers.models import Supplier

MAX_DAYS = 36500


class ContractFilterSet(SupplierScopeFilterSet):
    q = django_filters.CharFilter(
        method="filter_search", label=_("Search"), help_text=_("Number, title or ERP id.")
    )
    supplier = django_filters.ModelChoiceFilter(
        queryset=Supplier.objects.all(), label=_("Supplier")
    )
    status = django_filters.MultipleChoiceFilter(
        choices=ContractPhase.choices,
        field_name="phase",
        label=_("Status"),
        help_text=_("Expiring: active and ending soon. Expired: active past its end date."),
    )
    owner = django_filters.ModelChoiceFilter(
        queryset=User.objects.filter(is_active=True), label=_("Owner")
    )
    in_force = django_filters.BooleanFilter(
        method="filter_in_force",
        label=_("In force today"),
        help_text=_("Active, started and not yet ended."),
    )
    notice_within = django_filters.NumberFilter(
        method="filter_notice_within",
        min_value=0,
        max_value=MAX_DAYS,
        label=_("Notice due within (days)"),
        help_text=_("Active contracts whose last day to give notice is this close."),
    )
    ending_within = django_filters.NumberFilter(
        method="filter_ending_within",
        min_value=0,
        max_value=MAX_DAYS,
        label=_("Ending within (days)"),
    )
    value_min = django_filters.NumberFilter(
        method="filter_value_min", min_value=0, label=_("Value at least")
    )
    value_max = django_filters.NumberFilter(
        method="filter_value_max", min_value=0, label=_("Value at most")
    )
    currency = django_filters.ChoiceFilter(
        choices=currency_choices, method="filter_currency", label=_("Currency")
    )
    external_id = django_filters.CharFilter(label=_("ERP id"))
    ordering = OrderingFilter(
        fields=(
            ("number", "number"),
            ("created_at", "created_at"),
            ("updated_at", "updated_at"),
        ),
        label=_("Sort by"),
    )

    visible_choices = {"supplier": visible_suppliers}

    class Meta:
        model = Contract
        fields: list[str] = []

    def filter_search(
        self, queryset: QuerySet[Contract], name: str, value: str
    ) -> QuerySet[Contract]:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(number__icontains=value) | Q(title__icontains=value) | Q(external_id=value)
        )

    def filter_in_force(
        self, queryset: QuerySet[Contract], name: str, value: bool | None
    ) -> QuerySet[Contract]:
        if value is None:
            return queryset
        return queryset.filter(in_force_q()) if value else queryset.exclude(in_force_q())

    def filter_notice_within(
        self, queryset: ContractQuerySet, name: str, value: Decimal | None
    ) -> ContractQuerySet:
        if value is None:
            return queryset
        return queryset.notice_within(int(value))

    def filter_ending_within(
        self, queryset: ContractQuerySet, name: str, value: Decimal | None
    ) -> ContractQuerySet:
        if value is None:
            return queryset
        return queryset.ending_within(int(value))

    def filter_value_min(
        self, queryset: QuerySet[Contract], name: str, value: Decimal | None
    ) -> QuerySet[Contract]:
        if value is None:
            return queryset
        return queryset.filter(value__gte=value, confidential_visible=True)  # type: ignore[misc]

    def filter_currency(
        self, queryset: QuerySet[Contract], name: str, value: str
    ) -> QuerySet[Contract]:
        if not value:
            return queryset
        return queryset.filter(currency=value, confidential_visible=True)  # type: ignore[misc]

    def filter_value_max(
        self, queryset: QuerySet[Contract], name: str, value: Decimal | None
    ) -> QuerySet[Contract]:
        if value is None:
            return queryset
        return queryset.filter(value__lte=value, confidential_visible=True)  # type: ignore[misc]


class ObligationFilterSet(FilterSet):
    contract = django_filters.NumberFilter(field_name="contract_id", label=_("Contract"))
    status = django_filters.MultipleChoiceFilter(
        choices=ObligationStatus.choices, label=_("Status")
    )
    party = django_filters.ChoiceFilter(choices=Party.choices, label=_("Party"))
    due_before = django_filters.DateFilter(
        field_name="due_date", lookup_expr="lte", label=_("Due on or before")
    )
    overdue = django_filters.BooleanFilter(
        method="filter_overdue",
        label=_("Overdue"),
        help_text=_("Still open after its due date (true), or not (false)."),
    )

    class Meta:
        model = Obligation
        fields: list[str] = []

    def filter_overdue(
        self, queryset: QuerySet[Obligation], name: str, value: bool | None
    ) -> QuerySet[Obligation]:
        if value is None:
            return queryset
        overdue = Q(status=ObligationStatus.OPEN, due_date__lt=timezone.localdate())
        return queryset.filter(overdue) if value else queryset.exclude(overdue)


class BenefitFilterSet(FilterSet):
    contract = django_filters.NumberFilter(field_name="contract_id", label=_("Contract"))
    kind = django_filters.MultipleChoiceFilter(choices=BenefitKind.choices, label=_("Kind"))

    class Meta:
        model = Benefit
        fields: list[str] = []


class DocumentFilterSet(FilterSet):
    updated_since = None  # not offered on this list
    contract = django_filters.NumberFilter(field_name="contract_id", label=_("Contract"))

    class Meta:
        model = ContractDocument
        fields: list[str] = []


class ExchangeRateFilterSet(FilterSet):
    currency = django_filters.CharFilter(label=_("Currency"))
    date_from = django_filters.DateFilter(field_name="date", lookup_expr="gte", label=_("From"))
    date_to = django_filters.DateFilter(field_name="date", lookup_expr="lte", label=_("To"))

    class Meta:
        model = ExchangeRate
        fields: list[str] = []
