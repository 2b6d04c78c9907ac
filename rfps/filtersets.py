"""Filters shared by the RFP list page and the API (and the list's export)."""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from core.api.filters import IsoDateTimeFilter, OrderingFilter
from core.filtersets import FilterSet
from rfps.choices import RfpStatus
from rfps.models import Invitation, Proposal, Rfp, Score
from suppliers.filtersets import visible_categories
from suppliers.models import Category


class RfpFilterSet(FilterSet):
    q = django_filters.CharFilter(method="filter_q", label=_("Search"), max_length=100)
    status = django_filters.MultipleChoiceFilter(choices=RfpStatus.choices, label=_("Status"))
    owner = django_filters.ModelChoiceFilter(queryset=User.objects.all(), label=_("Owner"))
    category = django_filters.ModelChoiceFilter(
        queryset=Category.objects.all(), label=_("Category")
    )
    deadline_after = IsoDateTimeFilter(
        field_name="deadline", lookup_expr="gte", label=_("Deadline from")
    )
    deadline_before = IsoDateTimeFilter(
        field_name="deadline", lookup_expr="lt", label=_("Deadline before")
    )
    ordering = OrderingFilter(
        fields=(
            ("created_at", "created_at"),
            ("deadline", "deadline"),
            ("updated_at", "updated_at"),
        ),
        label=_("Sort by"),
    )

    visible_choices = {"category": visible_categories}

    class Meta:
        model = Rfp
        fields: list[str] = []

    def filter_q(self, queryset: QuerySet[Rfp], name: str, value: str) -> QuerySet[Rfp]:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(title__icontains=value) | Q(reference__icontains=value))


class ProposalFilterSet(FilterSet):
    updated_since = None  # not offered on this list
    rfp = django_filters.NumberFilter(field_name="rfp_id", label=_("RFP"))
    round = django_filters.NumberFilter(field_name="round__number", label=_("Round"))

    class Meta:
        model = Proposal
        fields: list[str] = []


class InvitationFilterSet(FilterSet):
    """The invitations of one RFP, or of one supplier (``GET /api/v1/rfp-invitations/``)."""

    updated_since = None  # invitations have no updated_at
    rfp = django_filters.NumberFilter(field_name="rfp_id", label=_("RFP"))
    supplier = django_filters.NumberFilter(field_name="supplier_id", label=_("Supplier"))

    class Meta:
        model = Invitation
        fields: list[str] = []


class ScoreFilterSet(FilterSet):
    """The panel's scores of one RFP (``GET /api/v1/rfp-scores/``); the caller sees only what
    ``selectors.score_list`` lets them."""

    rfp = django_filters.NumberFilter(field_name="evaluation__rfp_id", label=_("RFP"))
    invitation = django_filters.NumberFilter(field_name="invitation_id", label=_("Invitation"))

    class Meta:
        model = Score
        fields: list[str] = []
