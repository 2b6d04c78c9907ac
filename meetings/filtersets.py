"""Filters shared by the meeting and commitment pages and the API."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import django_filters
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from core.api.filters import IsoDateTimeFilter
from meetings.choices import IN_PERSON_KINDS, CommitmentSide, CommitmentStatus, MeetingKind
from meetings.models import Commitment, Meeting
from suppliers.filtersets import SupplierScopeFilterSet, visible_suppliers
from suppliers.models import Supplier


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


class MeetingFilterSet(SupplierScopeFilterSet):
    supplier = django_filters.ModelChoiceFilter(
        queryset=Supplier.objects.all(), label=_("Supplier")
    )
    kind = django_filters.MultipleChoiceFilter(choices=MeetingKind.choices, label=_("Kind"))
    starts_after = IsoDateTimeFilter(field_name="starts_at", lookup_expr="gte", label=_("From"))
    starts_before = IsoDateTimeFilter(field_name="starts_at", lookup_expr="lt", label=_("Until"))
    date_from = django_filters.DateFilter(method="filter_date_from", label=_("From"))
    date_to = django_filters.DateFilter(method="filter_date_to", label=_("Until"))
    in_person = django_filters.BooleanFilter(method="filter_in_person", label=_("In person"))
    attendee = django_filters.ModelChoiceFilter(
        queryset=User.objects.all(), field_name="our_attendees", label=_("Our attendee")
    )

    visible_choices = {"supplier": visible_suppliers}

    class Meta:
        model = Meeting
        fields: list[str] = []

    # Days in the reader's time zone, compared as moments so the index on starts_at serves.
    def filter_date_from(
        self, queryset: QuerySet[Meeting], name: str, value: date | None
    ) -> QuerySet[Meeting]:
        if value is None:
            return queryset
        return queryset.filter(starts_at__gte=_start_of(value))

    def filter_date_to(
        self, queryset: QuerySet[Meeting], name: str, value: date | None
    ) -> QuerySet[Meeting]:
        if value is None:
            return queryset
        return queryset.filter(starts_at__lt=_start_of(value + timedelta(days=1)))

    def filter_in_person(
        self, queryset: QuerySet[Meeting], name: str, value: bool | None
    ) -> QuerySet[Meeting]:
        if value is None:
            return queryset
        in_person = Q(kind__in=IN_PERSON_KINDS)
        return queryset.filter(in_person) if value else queryset.exclude(in_person)


class CommitmentFilterSet(SupplierScopeFilterSet):
    supplier = django_filters.ModelChoiceFilter(
        queryset=Supplier.objects.all(), label=_("Supplier")
    )
    side = django_filters.ChoiceFilter(choices=CommitmentSide.choices, label=_("Side"))
    status = django_filters.MultipleChoiceFilter(
        choices=CommitmentStatus.choices, label=_("Status")
    )
    owner = django_filters.ModelChoiceFilter(
        queryset=User.objects.all(), field_name="owner_user", label=_("Our owner")
    )
    overdue = django_filters.BooleanFilter(method="filter_overdue", label=_("Overdue"))
    due_after = django_filters.DateFilter(field_name="due_date", lookup_expr="gte")
    due_before = django_filters.DateFilter(field_name="due_date", lookup_expr="lte")
    meeting = django_filters.ModelChoiceFilter(queryset=Meeting.objects.all())

    visible_choices = {"supplier": visible_suppliers}

    class Meta:
        model = Commitment
        fields: list[str] = []

    def filter_overdue(
        self, queryset: QuerySet[Commitment], name: str, value: bool | None
    ) -> QuerySet[Commitment]:
        if value is None:
            return queryset
        late = Q(status=CommitmentStatus.OPEN, due_date__lt=timezone.localdate())
        return queryset.filter(late) if value else queryset.exclude(late)
