"""ISO 4217 currencies, from Babel's CLDR data, so that every amount carries a real currency."""

from __future__ import annotations

from functools import cache

from babel.numbers import get_currency_name, list_currencies
from django.core.exceptions import ValidationError
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


@cache
def currency_codes() -> frozenset[str]:
    return frozenset(code for code in list_currencies() if len(code) == 3 and code.isalpha())


def validate_currency(value: str) -> None:
    if value not in currency_codes():
        raise ValidationError(
            _("%(value)s is not an ISO 4217 currency code, such as EUR or SEK."),
            code="invalid_currency",
            params={"value": value},
        )


def currency_choices() -> list[tuple[str, str]]:
    """Currency codes with their names in the active language, sorted by code."""
    locale = (get_language() or "en").replace("-", "_")
    return [
        (code, f"{code} · {get_currency_name(code, locale=locale)}")
        for code in sorted(currency_codes())
    ]
