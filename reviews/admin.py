"""Reviews for administrators. Review policies are edited here; templates, reviews and plans
are only looked at: a template changes through services.template_revise (a new version), and
reviews through scoring, submitting and reopening, which keep their rules."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from reviews.models import (
    CorrectiveAction,
    CorrectiveActionPlan,
    Criterion,
    DeliveryLine,
    KpiValue,
    Review,
    ReviewPolicy,
    ScorecardTemplate,
    StandingBand,
)


class ReadOnlyMixin:
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class CriterionInline(ReadOnlyMixin, admin.TabularInline):
    model = Criterion
    fields = readonly_fields = ("position", "key", "name", "weight", "source", "kpi_code")
    extra = 0


class StandingBandInline(ReadOnlyMixin, admin.TabularInline):
    model = StandingBand
    fields = readonly_fields = ("standing", "lower", "upper")
    extra = 0


@admin.register(ScorecardTemplate)
class ScorecardTemplateAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["name", "version", "is_current", "created_at"]
    inlines = [CriterionInline, StandingBandInline]


@admin.register(ReviewPolicy)
class ReviewPolicyAdmin(admin.ModelAdmin):
    list_display = ["segment", "cadence", "template_name", "due_days", "is_active"]


@admin.register(Review)
class ReviewAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["supplier", "period_end", "due_date", "status", "overall_score", "standing"]
    list_select_related = ["supplier"]
    list_filter = ["status", "standing", "is_partial"]
    search_fields = ["supplier__name"]


class CorrectiveActionInline(ReadOnlyMixin, admin.TabularInline):
    model = CorrectiveAction
    fields = readonly_fields = ("description", "owner_user", "owner_contact", "due_date", "status")
    extra = 0


@admin.register(CorrectiveActionPlan)
class CorrectiveActionPlanAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["supplier", "severity", "status", "created_at"]
    list_select_related = ["supplier"]
    list_filter = ["status", "severity"]
    inlines = [CorrectiveActionInline]


@admin.register(DeliveryLine)
class DeliveryLineAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["supplier", "order_ref", "line_ref", "promised_date", "received_date"]
    list_select_related = ["supplier"]
    search_fields = ["order_ref", "supplier__external_id"]


@admin.register(KpiValue)
class KpiValueAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["supplier", "code", "period_start", "period_end", "value"]
    list_select_related = ["supplier"]
