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
from accounts.scopes import FULL_SCOPE, known_resources, parse_scopes
from accounts.services import (
    api_token_create,
    api_token_revoke,
    api_token_set_scopes,
    user_validate_manager,
)


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


class ScopesField(forms.Field):
    """Scopes typed as one comma-separated line, checked by ``accounts.scopes``."""

    widget = forms.TextInput(attrs={"size": 80})

    def prepare_value(self, value: Any) -> Any:
        return ", ".join(value) if isinstance(value, list | tuple) else value

    def to_python(self, value: Any) -> list[str]:
        text = "" if value is None else str(value)
        if not text.strip() and not self.required:
            return [FULL_SCOPE]  # a new token left blank: as the model's default
        try:
            return parse_scopes(text)
        except ValidationError as error:
            raise ValidationError(error.message_dict["scopes"]) from None


def _scopes_field(*, required: bool) -> ScopesField:
    return ScopesField(
        label=_("Scopes"),
        required=required,
        initial=FULL_SCOPE,
        help_text=_(
            "Comma-separated <resource>:read or <resource>:write, * for every resource: "
            "*:write may do everything the user's role allows, *:read only reads. Known "
            "resources: %(resources)s. Left blank on a new token: *:write."
        )
        % {"resources": ", ".join(sorted(known_resources()))},
    )


class APITokenAddForm(forms.ModelForm):
    class Meta:
        model = APIToken
        fields = ["user", "name", "scopes"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["scopes"] = _scopes_field(required=False)


class APITokenChangeForm(forms.ModelForm):
    """Only the scopes of a token change; its user, name and secret never do."""

    class Meta:
        model = APIToken
        fields = ["scopes"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["scopes"] = _scopes_field(required=True)


@admin.register(APIToken)
class APITokenAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "user",
        "prefix",
        "scope_list",
        "created_at",
        "last_used_at",
        "revoked_at",
    ]
    list_select_related = ["user"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "user__username", "prefix"]
    readonly_fields = ["prefix", "created_at", "last_used_at", "revoked_at"]
    autocomplete_fields = ["user"]
    actions = ["revoke"]

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any):  # type: ignore[no-untyped-def]
        kwargs["form"] = APITokenAddForm if obj is None else APITokenChangeForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        if obj is not None:
            return ["user", "name", *self.readonly_fields]
        return []

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:  # type: ignore[override]
        if obj is None:
            return ["user", "name", "scopes"]
        return ["user", "name", "scopes", *self.readonly_fields]

    @admin.display(description=_("scopes"))
    def scope_list(self, obj: APIToken) -> str:
        return ", ".join(obj.scopes)

    def save_model(self, request: HttpRequest, obj: APIToken, form: Any, change: bool) -> None:
        if change:
            # Only the scopes change: revoke a token and create another for anything else.
            api_token_set_scopes(
                token=APIToken.objects.get(pk=obj.pk),
                scopes=form.cleaned_data["scopes"],
                by=request.user,  # type: ignore[arg-type]
            )
            return
        try:
            token, key = api_token_create(
                user=obj.user,
                name=obj.name,
                scopes=form.cleaned_data["scopes"],
                by=request.user,  # type: ignore[arg-type]
            )
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
