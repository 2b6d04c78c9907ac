"""Converting amounts to the reporting currency (settings.REPORTING_CURRENCY) with the
ExchangeRate rows: at the latest rate on or before a date. In SQL, so that totals across
currencies are summed by the database; and in Python for one amount."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Case, ExpressionWrapper, OuterRef, Subquery, When

from contracts.models import ExchangeRate

CENT = Decimal("0.01")


def rate_subquery(currency: Any, *, on: Any = None) -> Subquery:
    """The rate of ``currency`` (an expression) on or before ``on`` (a date, an expression,
    or None for the latest)."""
    rates = ExchangeRate.objects.filter(currency=currency)
    if on is not None:
        rates = rates.filter(date__lte=on)
    return Subquery(rates.order_by("-date").values("rate")[:1], output_field=models.DecimalField())


def to_reporting_currency(amount: Any, currency: str, *, on: date | str | None = None) -> Case:
    """An expression: ``amount`` (an expression such as F("value")) in the currency held by
    the field ``currency`` ("currency", "contract__currency") converted to the reporting
    currency at the rate on or before ``on`` (a date, the name of a date field, or None for
    the latest rate). NULL when the currency has no rate by then: a Sum leaves it out rather
    than adding apples to pears, and callers show what is missing."""
    when = OuterRef(on) if isinstance(on, str) else on
    rate = rate_subquery(OuterRef(currency), on=when)
    return Case(
        When(**{currency: settings.REPORTING_CURRENCY}, then=amount),
        default=ExpressionWrapper(amount * rate, output_field=models.DecimalField()),
        output_field=models.DecimalField(),
    )


def rate_on(currency: str, on: date | None = None) -> Decimal | None:
    """The rate of ``currency`` on or before ``on`` (default: the latest), 1 for the reporting
    currency itself, None when there is none."""
    if currency == settings.REPORTING_CURRENCY:
        return Decimal(1)
    rates = ExchangeRate.objects.filter(currency=currency)
    if on is not None:
        rates = rates.filter(date__lte=on)
    return rates.order_by("-date").values_list("rate", flat=True).first()


def convert(amount: Decimal, currency: str, *, on: date | None = None) -> Decimal | None:
    rate = rate_on(currency, on)
    return None if rate is None else (amount * rate).quantize(CENT)
