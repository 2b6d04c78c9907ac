from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.roles import Capability, user_can


class SignInForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "api_only": _("This account is for API access only and cannot sign in to the pages."),
    }

    def confirm_login_allowed(self, user: User) -> None:  # type: ignore[override]
        super().confirm_login_allowed(user)
        if not user_can(user, Capability.USE_PAGES):
            raise ValidationError(self.error_messages["api_only"], code="api_only")


class LanguageForm(forms.Form):
    language = forms.ChoiceField(choices=lambda: settings.LANGUAGES)
