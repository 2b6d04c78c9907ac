"""Filters of the webhook lists (the API's)."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from core.filtersets import FilterSet
from webhooks.choices import DeliveryStatus
from webhooks.models import Delivery, Endpoint


class EndpointFilterSet(FilterSet):
    updated_since = None  # endpoints are configuration, not synced data
    is_active = django_filters.BooleanFilter(label=_("Active"))

    class Meta:
        model = Endpoint
        fields: list[str] = []


class DeliveryFilterSet(FilterSet):
    updated_since = None  # deliveries are read, not synced
    endpoint = django_filters.NumberFilter(field_name="endpoint_id", label=_("Endpoint"))
    status = django_filters.MultipleChoiceFilter(choices=DeliveryStatus.choices, label=_("Status"))

    class Meta:
        model = Delivery
        fields: list[str] = []
