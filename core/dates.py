"""The range of dates the product accepts, and date arithmetic that cannot overflow.

Every date a person or the ERP enters (a contract's term, a meeting, a commitment's due date,
a review period, an RFP deadline, an exchange rate's day, a delivery) lies between
``DATE_MIN`` and ``DATE_MAX``. Forms use ``core.forms``' fields, serializers
``core.api.fields``', bulk upserts ``core.bulk.date_value``: all check with
``validate_date_in_range`` here, so the rule and its message live in one place.

Rows written before the rule (or by hand) may still hold a date near ``date.min`` or
``date.max``; ``shift_days`` and ``add_days_sql`` give ``None`` (NULL) instead of raising
``OverflowError`` (or a B.C. date the database driver cannot read), and pages show "—".
``shift_months`` does the same for calendar months.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

DATE_MIN = date(1900, 1, 1)
DATE_MAX = date(2200, 12, 31)


def date_range_message() -> str:
    return str(
        _("Enter a date between %(min)s and %(max)s.")
        % {"min": DATE_MIN.isoformat(), "max": DATE_MAX.isoformat()}
    )


def in_range(value: date | datetime) -> bool:
    day = value.date() if isinstance(value, datetime) else value
    return DATE_MIN <= day <= DATE_MAX


def validate_date_in_range(value: Any) -> None:
    """A Django validator for dates and datetimes (None passes: required is another rule)."""
    if isinstance(value, date) and not in_range(value):
        raise ValidationError(date_range_message(), code="date_out_of_range")


def shift_days(day: date | None, days: int) -> date | None:
    """``day`` moved by ``days``; None when ``day`` is None or the result is not a date
    Python can hold (year 1 to 9999)."""
    if day is None:
        return None
    try:
        return day + timedelta(days=days)
    except OverflowError:
        return None


class DateMinusDays(models.Func):
    """``date - integer`` in PostgreSQL, NULL when the date is NULL or the result falls
    before 1 January of year 1 (PostgreSQL would give a B.C. date, which Python cannot read)."""

    template = "(%(expressions)s)"
    arg_joiner = " - "
    output_field = models.DateField()

    def __init__(self, day: Any, days: Any, **extra: Any) -> None:
        super().__init__(day, days, **extra)

    def as_sql(  # type: ignore[override]
        self, compiler: Any, connection: Any, **extra: Any
    ) -> tuple[str, tuple[Any, ...]]:
        sql, params = super().as_sql(compiler, connection, **extra)
        return (
            f"(CASE WHEN {sql} >= DATE '0001-01-01' THEN {sql} END)",
            (*params, *params),
        )
