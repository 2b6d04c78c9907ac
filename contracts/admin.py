"""Contracts for administrators, read-only: they change through the services (which keep the
versions and check the rules) on the pages and the API; here they are only looked at. Exchange
rates are reference data and may be corrected here.

Being staff does not clear anyone for contract figures: value, currency, description, the
termination reason, obligations and version notes show only to staff who hold
VIEW_CONFIDENTIAL (superusers do), as on the pages."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from accounts.roles import Capability, user_can
from contracts.models import Contract, ContractVersion, ExchangeRate, Obligation

CONFIDENTIAL_FIELDS = ("value", "currency", "description", "termination_reason")


def _cleared(request: HttpRequest) -> bool:
    return user_can(request.user, Capability.VIEW_CONFIDENTIAL)


class _ReadOnly:
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class VersionInline(_ReadOnly, admin.TabularInline):
    model = ContractVersion
    fields = readonly_fields = ("number", "kind", "created_by", "created_at", "note")
    extra = 0

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = super().get_fields(request, obj)
        return fields if _cleared(request) else [name for name in fields if name != "note"]


class ObligationInline(_ReadOnly, admin.TabularInline):
    model = Obligation
    fields = readonly_fields = ("party", "description", "due_date", "recurrence", "status")
    extra = 0


@admin.register(Contract)
class ContractAdmin(_ReadOnly, admin.ModelAdmin):
    list_display = ["number", "title", "supplier", "owner", "status", "currency", "end_date"]
    list_select_related = ["supplier", "owner"]
    list_filter = ["status", "currency", "auto_renew"]
    search_fields = ["number", "title", "external_id", "supplier__name"]
    inlines = [VersionInline, ObligationInline]

    def get_list_display(self, request: HttpRequest) -> Any:
        shown = super().get_list_display(request)
        return shown if _cleared(request) else [f for f in shown if f not in CONFIDENTIAL_FIELDS]

    def get_list_filter(self, request: HttpRequest) -> Any:
        shown = super().get_list_filter(request)
        return shown if _cleared(request) else [f for f in shown if f not in CONFIDENTIAL_FIELDS]

    def get_exclude(self, request: HttpRequest, obj: Any = None) -> Any:
        return None if _cleared(request) else CONFIDENTIAL_FIELDS

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = super().get_fields(request, obj)
        if _cleared(request):
            return fields
        return [name for name in fields if name not in CONFIDENTIAL_FIELDS]

    def get_inlines(self, request: HttpRequest, obj: Any) -> Any:
        return self.inlines if _cleared(request) else [VersionInline]


@admin.register(ExchangeRate)
class ExchangeRateAdmin(admin.ModelAdmin):
    list_display = ["currency", "date", "rate", "updated_at"]
    list_filter = ["currency"]
    date_hierarchy = "date"
    ordering = ["currency", "-date"]
