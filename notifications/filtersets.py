"""Filters shared by the inbox page and the API."""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from core.api.filters import IsoDateTimeFilter
from core.filtersets import FilterSet
from notifications.choices import NotificationKind
from notifications.models import Notification


class NotificationFilterSet(FilterSet):
    updated_since = None  # not offered on this list
    unread = django_filters.BooleanFilter(method="filter_unread", label=_("Unread only"))
    kind = django_filters.MultipleChoiceFilter(choices=NotificationKind.choices, label=_("Kind"))
    since = IsoDateTimeFilter(field_name="scheduled_for", lookup_expr="gte", label=_("Since"))

    class Meta:
        model = Notification
        fields: list[str] = []

    def filter_unread(
        self, queryset: QuerySet[Notification], name: str, value: bool | None
    ) -> QuerySet[Notification]:
        if value is None:
            return queryset
        return queryset.filter(read_at__isnull=value)
