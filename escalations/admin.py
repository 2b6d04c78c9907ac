"""Escalations for administrators, read-only: they are raised, climbed, acknowledged and
resolved through the services, which record every step; here they are only looked at."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from escalations.models import Escalation, EscalationStep


class EscalationStepInline(admin.TabularInline):
    model = EscalationStep
    fields = readonly_fields = ("at", "kind", "level", "actor", "recipient", "text")
    can_delete = False
    extra = 0

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Escalation)
class EscalationAdmin(admin.ModelAdmin):
    list_display = [
        "summary",
        "supplier",
        "reason",
        "severity",
        "level",
        "status",
        "raised_at",
        "acknowledge_by",
    ]
    list_select_related = ["supplier"]
    list_filter = ["status", "level", "severity", "reason"]
    search_fields = ["summary_params", "supplier__name", "supplier__external_id"]
    date_hierarchy = "raised_at"
    fields = readonly_fields = (
        "supplier",
        "reason",
        "summary",
        "severity",
        "level",
        "status",
        "content_type",
        "object_id",
        "raised_at",
        "acknowledge_by",
        "acknowledged_at",
        "resolved_at",
        "resolution_text",
        "updated_at",
    )
    inlines = [EscalationStepInline]
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
