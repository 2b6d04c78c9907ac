"""Contracts for administrators, read-only: they change through the services (which keep the
versions and check the rules) on the pages and the API; here they are only looked at. Exchange
rates are reference data and may be corrected here."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from contracts.models import Contract, ContractVersion, ExchangeRate, Obligation


class _ReadOnly:
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class VersionInline(_ReadOnly, admin.TabularInline):  # type: ignore[type-arg]
    model = ContractVersion
    fields = readonly_fields = ("number", "kind", "created_by", "created_at", "note")
    extra = 0


class ObligationInline(_ReadOnly, admin.TabularInline):  # type: ignore[type-arg]
    model = Obligation
    fields = readonly_fields = ("party", "description", "due_date", "recurrence", "status")
    extra = 0


@admin.register(Contract)
class ContractAdmin(_ReadOnly, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["number", "title", "supplier", "owner", "status", "currency", "end_date"]
    list_select_related = ["supplier", "owner"]
    list_filter = ["status", "currency", "auto_renew"]
    search_fields = ["number", "title", "external_id", "supplier__name"]
    inlines = [VersionInline, ObligationInline]


@admin.register(ExchangeRate)
class ExchangeRateAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["currency", "date", "rate", "updated_at"]
    list_filter = ["currency"]
    date_hierarchy = "date"
    ordering = ["currency", "-date"]
