"""Form fields the whole product shares: dates bounded to what it accepts (``core.dates``).

The browser's date picker gets the same bounds as ``min``/``max``, so most people never see the
error; the check runs on the server whatever the browser did.
"""

from __future__ import annotations

from typing import Any

from django import forms

from core.dates import DATE_MAX, DATE_MIN, validate_date_in_range


def _bound_widget(field: forms.Field, *, with_time: bool) -> None:
    low, high = DATE_MIN.isoformat(), DATE_MAX.isoformat()
    if with_time:
        low, high = f"{low}T00:00", f"{high}T23:59"
    field.widget.attrs.setdefault("min", low)
    field.widget.attrs.setdefault("max", high)


class DateField(forms.DateField):
    """A date between ``DATE_MIN`` and ``DATE_MAX``."""

    default_validators = [validate_date_in_range]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        _bound_widget(self, with_time=False)


class DateTimeField(forms.DateTimeField):
    """A moment on a day between ``DATE_MIN`` and ``DATE_MAX``."""

    default_validators = [validate_date_in_range]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        _bound_widget(self, with_time=True)
