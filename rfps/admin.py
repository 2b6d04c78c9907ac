"""RFPs for administrators, read-only, and never a proposal's content: there is no admin for
proposals, revisions or attachments, so prices, answers and files stay sealed until the
deadline here too. After it they are read on the RFP's pages, which apply the rule."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from rfps.models import Criterion, Invitation, Rfp, RfpLine, Round


class _ReadOnlyInline(admin.TabularInline):
    can_delete = False
    extra = 0

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class LineInline(_ReadOnlyInline):
    model = RfpLine
    fields = readonly_fields = ("position", "description", "quantity", "unit")


class CriterionInline(_ReadOnlyInline):
    model = Criterion
    fields = readonly_fields = ("position", "name", "weight", "is_price")


class InvitationInline(_ReadOnlyInline):
    model = Invitation
    # Who was invited and what they did with it; never what they offered.
    fields = readonly_fields = (
        "supplier",
        "contact",
        "email",
        "invited_at",
        "viewed_at",
        "link_used_at",
        "declined_at",
    )


class RoundInline(_ReadOnlyInline):
    model = Round
    fields = readonly_fields = ("number", "deadline", "opened_at", "closed_at")


@admin.register(Rfp)
class RfpAdmin(admin.ModelAdmin):
    list_display = ["reference", "title", "owner", "status", "deadline"]
    list_select_related = ["owner"]
    list_filter = ["status"]
    search_fields = ["reference", "title"]
    fields = readonly_fields = (
        "reference",
        "title",
        "description",
        "category",
        "owner",
        "currency",
        "budget",
        "deadline",
        "status",
        "created_at",
        "published_at",
        "closed_at",
        "cancelled_at",
    )
    inlines = [LineInline, CriterionInline, InvitationInline, RoundInline]
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
