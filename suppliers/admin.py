"""Admin for reference data and support. Day-to-day supplier work happens in the pages, which
go through the services; here the status and ownerships are read-only for the same reason."""

from __future__ import annotations

from django.contrib import admin

from suppliers.models import Category, Contact, KeyAccountOwnership, Supplier, SupplierCategory


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "parent", "updated_at"]
    list_select_related = ["parent"]
    search_fields = ["name"]
    autocomplete_fields = ["parent"]


class CategoryInline(admin.TabularInline):
    model = SupplierCategory
    extra = 0
    autocomplete_fields = ["category"]
    verbose_name_plural = "categories"


class ContactInline(admin.TabularInline):
    model = Contact
    extra = 0
    fields = ["name", "job_title", "email", "phone", "is_primary"]


class OwnershipInline(admin.TabularInline):
    model = KeyAccountOwnership
    extra = 0
    fields = ["user", "role", "since", "until"]
    readonly_fields = ["user", "role", "since", "until"]
    can_delete = False

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(Supplier)
class SupplierAdmin(admin.ModelAdmin):
    list_display = ["name", "external_id", "country", "segment", "status", "risk_level"]
    list_filter = ["status", "segment", "risk_level"]
    search_fields = ["name", "legal_name", "external_id", "vat_number"]
    readonly_fields = ["status", "created_at", "updated_at"]
    exclude = ["categories"]
    inlines = [CategoryInline, ContactInline, OwnershipInline]
    show_full_result_count = False  # no COUNT(*) over 100,000 rows per page


@admin.register(KeyAccountOwnership)
class KeyAccountOwnershipAdmin(admin.ModelAdmin):
    list_display = ["supplier", "user", "role", "since", "until"]
    list_select_related = ["supplier", "user"]
    list_filter = ["role"]
    search_fields = ["supplier__name", "user__username"]
    readonly_fields = ["supplier", "user", "role", "since", "until"]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False
