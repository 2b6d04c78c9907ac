from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from accounts.models import APIToken, User
from accounts.services import api_token_create, api_token_revoke, user_validate_manager


class UserAdminForm(UserChangeForm):
    def clean_manager(self) -> User | None:
        manager: User | None = self.cleaned_data.get("manager")
        try:
            user_validate_manager(user=self.instance, manager=manager)
        except ValidationError as error:
            raise ValidationError(error.message_dict["manager"]) from None
        return manager


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserAdminForm
    list_display = ["username", "display_name", "email", "manager", "is_active", "is_staff"]
    list_select_related = ["manager"]
    list_filter = ["groups", "is_active", "is_staff"]
    search_fields = ["username", "display_name", "first_name", "last_name", "email"]
    autocomplete_fields = ["manager"]
    fieldsets = (
        *(DjangoUserAdmin.fieldsets or ()),
        (
            _("Relationship management"),
            {"fields": ("display_name", "preferred_language", "manager")},
        ),
    )


class APITokenAddForm(forms.ModelForm):
    class Meta:
        model = APIToken
        fields = ["user", "name"]


@admin.register(APIToken)
class APITokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "revoked_at"]
    list_select_related = ["user"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "user__username", "prefix"]
    readonly_fields = ["prefix", "created_at", "last_used_at", "revoked_at"]
    autocomplete_fields = ["user"]
    actions = ["revoke"]

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any):  # type: ignore[no-untyped-def]
        if obj is None:
            kwargs["form"] = APITokenAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        if obj is not None:
            return ["user", "name", *self.readonly_fields]
        return []

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:  # type: ignore[override]
        if obj is None:
            return ["user", "name"]
        return ["user", "name", *self.readonly_fields]

    def save_model(self, request: HttpRequest, obj: APIToken, form: Any, change: bool) -> None:
        if change:
            return  # tokens are not edited: revoke one and create another
        try:
            token, key = api_token_create(user=obj.user, name=obj.name, by=request.user)  # type: ignore[arg-type]
        except ValidationError as error:
            self.message_user(request, "; ".join(error.messages), messages.ERROR)
            raise
        obj.pk = token.pk
        self.message_user(
            request,
            _("Token created. Copy it now; it will not be shown again: %(key)s") % {"key": key},
            messages.WARNING,
        )

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # revoked tokens stay, as a record of who had access

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[APIToken]) -> None:
        for token in queryset:
            api_token_revoke(token=token, by=request.user)  # type: ignore[arg-type]
        self.message_user(request, _("The selected tokens are revoked."), messages.SUCCESS)
