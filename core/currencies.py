"""ISO 4217 currencies in use today, so that every amount carries a real, current currency.

The list is ISO 4217's List One as it stands (amendment 179, 2025: XCG replaced ANG, ZWG
replaced ZWL, SLE replaced SLL), restricted to the currencies of a country or a currency union:
the codes for precious metals, bond-market units, SDRs, testing and "no currency" (the ``X``
codes of no territory) are not money a supplier invoices in. Babel (CLDR) only names them: its
own list still holds every withdrawn code (ADP, DEM, HRK …), which forms, the API and the ERP
upserts must refuse. When ISO 4217 changes, change this list and its test.
"""

from __future__ import annotations

from functools import cache

from babel.numbers import get_currency_name
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

ISO_4217_CURRENT = frozenset(
    """
    AED AFN ALL AMD AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BOV BRL BSD BTN
    BWP BYN BZD CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUP CVE CZK DJF DKK DOP DZD EGP
    ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR
    ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA
    MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK
    PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC
    SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD USN UYI UYU UYW UZS VED VES VND
    VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG
    """.split()  # noqa: SIM905 - a table to read against ISO 4217
)


@cache
def currency_codes() -> frozenset[str]:
    return ISO_4217_CURRENT


def validate_currency(value: str) -> None:
    if value not in currency_codes():
        raise ValidationError(
            _("%(value)s is not a current ISO 4217 currency code, such as EUR or SEK."),
            code="invalid_currency",
            params={"value": value},
        )


def default_currency() -> str:
    """The deployment's currency for new records (settings.DEFAULT_CURRENCY)."""
    return str(settings.DEFAULT_CURRENCY)


def currency_choices() -> list[tuple[str, str]]:
    """Currency codes with their names in the active language, sorted by code."""
    locale = (get_language() or "en").replace("-", "_")
    return [
        (code, f"{code} · {get_currency_name(code, locale=locale)}")
        for code in sorted(currency_codes())
    ]
