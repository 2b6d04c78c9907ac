"""Filters shared by the supplier pages and the API: one definition, two interfaces."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Upper
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from accounts.models import User
from core.api.filters import OrderingFilter
from core.filtersets import FilterSet
from suppliers.choices import OwnershipRole, RiskLevel, Segment, SupplierStatus
from suppliers.models import Category, Contact, KeyAccountOwnership, Supplier, SupplierCategory
from suppliers.querysets import held_by_exists


def _category_and_descendants(categories: list[Category]) -> set[int]:
    """Ids of the categories and every category below them (one query per tree level)."""
    found = {category.pk for category in categories}
    frontier = set(found)
    while frontier:
        frontier = (
            set(Category.objects.filter(parent_id__in=frontier).values_list("pk", flat=True))
            - found
        )
        found |= frontier
    return found


def visible_categories(user: Any) -> QuerySet[Category]:
    from suppliers.selectors import category_list

    return category_list(user=user)


def visible_suppliers(user: Any) -> QuerySet[Supplier]:
    from suppliers.selectors import supplier_visible

    return supplier_visible(user=user)


def key_account_people(user: Any) -> QuerySet[User]:
    from suppliers.selectors import owner_candidate_list

    return owner_candidate_list(user=user)


class SupplierFilterSet(FilterSet):
    q = django_filters.CharFilter(
        method="filter_search",
        label=_("Search"),
        help_text=_("Name, legal name, ERP id or VAT number."),
    )
    status = django_filters.MultipleChoiceFilter(choices=SupplierStatus.choices, label=_("Status"))
    segment = django_filters.MultipleChoiceFilter(choices=Segment.choices, label=_("Segment"))
    risk_level = django_filters.MultipleChoiceFilter(
        choices=RiskLevel.choices, label=_("Risk level")
    )
    country = django_filters.MultipleChoiceFilter(choices=countries, label=_("Country"))
    spend_min = django_filters.NumberFilter(
        field_name="annual_spend", lookup_expr="gte", min_value=0, label=_("Annual spend from")
    )
    spend_below = django_filters.NumberFilter(
        field_name="annual_spend", lookup_expr="lt", min_value=0, label=_("Annual spend below")
    )
    no_spend = django_filters.BooleanFilter(
        field_name="annual_spend", lookup_expr="isnull", label=_("No spend figure")
    )
    category = django_filters.ModelMultipleChoiceFilter(
        queryset=Category.objects.all(),
        method="filter_category",
        label=_("Category"),
        help_text=_("Includes the categories below it."),
    )
    owner = django_filters.ModelChoiceFilter(
        queryset=User.objects.may_own(),
        method="filter_owner",
        label=_("Owner"),
        help_text=_("Any current key-account role: owner, backup or sponsor."),
    )
    external_id = django_filters.CharFilter(label=_("ERP id"))
    ordering = OrderingFilter(
        fields=(
            ("name", "name"),
            ("country", "country"),
            ("status", "status"),
            ("segment", "segment"),
            ("risk_level", "risk_level"),
            ("updated_at", "updated_at"),
        ),
        label=_("Sort by"),
    )

    visible_choices = {"category": visible_categories, "owner": key_account_people}

    class Meta:
        model = Supplier
        fields: list[str] = []

    def filter_search(
        self, queryset: QuerySet[Supplier], name: str, value: str
    ) -> QuerySet[Supplier]:
        term = value.strip().upper()
        if not term:
            return queryset
        # Upper(...) matches the trigram and VAT indexes; contains on them is index-backed.
        return queryset.alias(
            name_upper=Upper("name"), legal_upper=Upper("legal_name"), vat_upper=Upper("vat_number")
        ).filter(
            Q(name_upper__contains=term)
            | Q(legal_upper__contains=term)
            | Q(external_id=value.strip())
            | Q(vat_upper=term.replace(" ", ""))
        )

    def filter_category(
        self, queryset: QuerySet[Supplier], name: str, value: list[Category]
    ) -> QuerySet[Supplier]:
        if not value:
            return queryset
        ids = _category_and_descendants(list(value))
        member = SupplierCategory.objects.filter(supplier=OuterRef("pk"), category_id__in=ids)
        return queryset.filter(Exists(member))

    def filter_owner(
        self, queryset: QuerySet[Supplier], name: str, value: User | None
    ) -> QuerySet[Supplier]:
        if value is None:
            return queryset
        return queryset.filter(held_by_exists(value))


class SupplierScopeFilterSet(FilterSet):
    """The supplier list's segment, category and key-account filters, for lists of things that
    belong to a supplier (contracts, reviews, commitments, escalations), so that a number the
    dashboard counts for some suppliers leads to a list of the same rows."""

    segment = django_filters.MultipleChoiceFilter(
        field_name="supplier__segment", choices=Segment.choices, label=_("Segment")
    )
    category = django_filters.ModelMultipleChoiceFilter(
        queryset=Category.objects.all(),
        method="filter_supplier_category",
        label=_("Category"),
        help_text=_("Includes the categories below it."),
    )
    account_owner = django_filters.ModelChoiceFilter(
        queryset=User.objects.may_own(),
        method="filter_account_owner",
        label=_("Key-account owner"),
        help_text=_("Any current key-account role: owner, backup or sponsor."),
    )
    visible_choices = {"category": visible_categories}

    def filter_supplier_category(
        self, queryset: QuerySet[Any], name: str, value: list[Category]
    ) -> QuerySet[Any]:
        if not value:
            return queryset
        ids = _category_and_descendants(list(value))
        member = SupplierCategory.objects.filter(
            supplier=OuterRef("supplier_id"), category_id__in=ids
        )
        return queryset.filter(Exists(member))

    def filter_account_owner(
        self, queryset: QuerySet[Any], name: str, value: User | None
    ) -> QuerySet[Any]:
        if value is None:
            return queryset
        return queryset.filter(held_by_exists(value, "supplier_id"))


class ContactFilterSet(FilterSet):
    supplier = django_filters.ModelChoiceFilter(queryset=Supplier.objects.all())
    supplier_external_id = django_filters.CharFilter(field_name="supplier__external_id")
    email = django_filters.CharFilter(lookup_expr="iexact")
    visible_choices = {"supplier": visible_suppliers}

    class Meta:
        model = Contact
        fields = ["is_primary"]


class OwnershipFilterSet(FilterSet):
    supplier = django_filters.ModelChoiceFilter(queryset=Supplier.objects.all())
    user = django_filters.ModelChoiceFilter(queryset=User.objects.all())
    role = django_filters.ChoiceFilter(choices=OwnershipRole.choices)
    current = django_filters.BooleanFilter(field_name="until", lookup_expr="isnull")
    visible_choices = {"supplier": visible_suppliers}

    class Meta:
        model = KeyAccountOwnership
        fields: list[str] = []


class CategoryFilterSet(FilterSet):
    name = django_filters.CharFilter(lookup_expr="icontains")
    parent = django_filters.ModelChoiceFilter(queryset=Category.objects.all())
    visible_choices = {"parent": visible_categories}

    class Meta:
        model = Category
        fields: list[str] = []
