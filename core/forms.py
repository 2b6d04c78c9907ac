"""What every form of the product shares: dates bounded to what it accepts (``core.dates``),
and ``apply_errors``, which shows a service's refusal on the form that asked for it.

The browser's date picker gets the same bounds as ``min``/``max``, so most people never see the
error; the check runs on the server whatever the browser did.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

from core.dates import DATE_MAX, DATE_MIN, validate_date_in_range
from core.exceptions import DomainError


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


def apply_errors(
    form: forms.BaseForm,
    error: ValidationError | DomainError,
    *,
    rows: Mapping[str, Sequence[forms.BaseForm]] | None = None,
) -> None:
    """Shows a service's ValidationError or DomainError on ``form``: each message beside the
    field it names, and what names no field of the form (and a DomainError) above it.

    ``rows`` maps a list the service was given to the forms of its rows, so that a key such
    as ``commitments.2.owner`` lands beside the "owner" field of ``rows["commitments"][2]``."""
    if isinstance(error, DomainError):
        form.add_error(None, error.message)
        return
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for key, errors in error.error_dict.items():
        target, name = _target(form, key, rows or {})
        field = name if name in target.fields and name != NON_FIELD_ERRORS else None
        target.add_error(field, errors)


def _target(
    form: forms.BaseForm, key: str, rows: Mapping[str, Sequence[forms.BaseForm]]
) -> tuple[forms.BaseForm, str]:
    group, _dot, rest = key.partition(".")
    index, _dot, name = rest.partition(".")
    if group in rows and index.isdigit() and int(index) < len(rows[group]):
        return rows[group][int(index)], name
    return form, key
