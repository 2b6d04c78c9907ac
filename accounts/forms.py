from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm


class SignInForm(AuthenticationForm):
    """Django's sign-in form. An API-only account never reaches ``confirm_login_allowed``:
    accounts.backends.PagesBackend refuses it as a wrong password, so the page tells nothing
    about it."""


class LanguageForm(forms.Form):
    language = forms.ChoiceField(choices=lambda: settings.LANGUAGES)
