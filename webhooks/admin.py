"""Webhooks for administrators, read-only: endpoints are managed in the pages and the API
(through webhooks.services, which check the URL); here they and their deliveries are looked
at. The secret is never shown here."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from webhooks.models import Delivery, Endpoint


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Endpoint)
class EndpointAdmin(_ReadOnly):
    list_display = ["url", "is_active", "failure_count", "owner", "created_at"]
    list_select_related = ["owner"]
    list_filter = ["is_active"]
    exclude = ["secret"]


@admin.register(Delivery)
class DeliveryAdmin(_ReadOnly):
    list_display = ["id", "event", "endpoint", "status", "attempts", "next_attempt_at"]
    list_select_related = ["event", "endpoint"]
    list_filter = ["status"]
