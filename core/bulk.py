"""ERP batches, the same rules for every bulk upsert: at most ``MAX_ROWS`` rows, every row
checked field by field with plain functions (fast: a batch has thousands of rows), every
problem of the batch listed as {row, field, message}, and nothing written when there is one.

The checks return the clean value or raise ``ValueError`` with the message for the row.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.utils.translation import gettext as _

from core.currencies import currency_codes
from core.dates import date_range_message, in_range
from core.storable import problems

MAX_ROWS = 5000


class BulkValidationError(Exception):
    """The batch was refused; ``errors`` lists every problem as {row, field, message}."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__(f"{len(errors)} problem(s) in the batch")
        self.errors = errors


@dataclass
class UpsertResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    results: list[dict[str, Any]] = field(default_factory=list)

    def add(self, *, row: int, pk: int, key: Mapping[str, Any], result: str) -> None:
        setattr(self, result, getattr(self, result) + 1)
        self.results.append({"row": row, "id": pk, **key, "result": result})


# --- Field checks -------------------------------------------------------------------------------


def text(max_length: int, *, required: bool = False) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        if value is None:
            value = ""
        if not isinstance(value, str):
            raise ValueError(_("Expected text."))
        value = value.strip()
        if required and not value:
            raise ValueError(_("This field may not be blank."))
        if len(value) > max_length:
            raise ValueError(
                _("At most %(max)d characters (it has %(length)d).")
                % {"max": max_length, "length": len(value)}
            )
        return value

    return check


def choice(values: list[str]) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        if value not in values:
            raise ValueError(_("Expected one of: %(choices)s.") % {"choices": ", ".join(values)})
        return str(value)

    return check


def currency_code(value: Any) -> str:
    value = text(3, required=True)(value).upper()
    if value not in currency_codes():
        raise ValueError(_("Expected an ISO 4217 currency code such as EUR or SEK."))
    return value


def date_value(*, required: bool = False) -> Callable[[Any], date | None]:
    """An ISO 8601 date (YYYY-MM-DD) within the dates the product accepts (``core.dates``)."""

    def check(value: Any) -> date | None:
        if value is None and not required:
            return None
        if not isinstance(value, str):
            raise ValueError(_("Expected a date as YYYY-MM-DD."))
        try:
            day = date.fromisoformat(value)
        except ValueError:
            raise ValueError(_("Expected a date as YYYY-MM-DD.")) from None
        if not in_range(day):
            raise ValueError(date_range_message())
        return day

    return check


def boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(_("Expected true or false."))
    return value


# --- The batch ------------------------------------------------------------------------------------


def check_rows(
    rows: Any, checks: Mapping[str, Callable[[Any], Any]], key: str
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Cleans every row; returns (clean rows, errors). Rows are objects with known fields."""
    if not isinstance(rows, list):
        return [], [{"row": None, "field": None, "message": _("Send a list of objects.")}]
    if len(rows) > MAX_ROWS:
        raise BulkValidationError(
            [
                {
                    "row": None,
                    "field": None,
                    "message": _("At most %(max)d rows per batch.") % {"max": MAX_ROWS},
                }
            ]
        )
    clean_rows: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    for index, row in enumerate(rows):
        if not isinstance(row, dict):
            errors.append({"row": index, "field": None, "message": _("Expected an object.")})
            clean_rows.append({})
            continue
        clean: dict[str, Any] = {}
        for name in row.keys() - checks.keys():
            errors.append({"row": index, "field": name, "message": _("Unknown field.")})
        if key not in row:
            errors.append({"row": index, "field": key, "message": _("This field is required.")})
        for name, check in checks.items():
            if name in row:
                try:
                    clean[name] = _check_value(check, row[name])
                except ValueError as error:
                    errors.append({"row": index, "field": name, "message": str(error)})
        clean_rows.append(clean)
    return clean_rows, errors


def _check_value(check: Callable[[Any], Any], value: Any) -> Any:
    """What PostgreSQL cannot store (NUL in text, 1e999) is refused before the field's check."""
    if isinstance(value, dict | list | float) or (isinstance(value, str) and "\x00" in value):
        found = problems(value)  # NestedTooDeepError is a ValueError too
        if found:
            raise ValueError(found[0][1])
    return check(value)


def duplicate_keys(
    rows: list[dict[str, Any]], key: Callable[[dict[str, Any]], Any], field_name: str
) -> list[dict[str, Any]]:
    seen: dict[Any, int] = {}
    errors = []
    for index, row in enumerate(rows):
        value = key(row)
        if value is None:
            continue
        if value in seen:
            errors.append(
                {
                    "row": index,
                    "field": field_name,
                    "message": _("Row %(first)d has the same key.") % {"first": seen[value]},
                }
            )
        else:
            seen[value] = index
    return errors


def refuse(errors: list[dict[str, Any]]) -> None:
    """Raises ``BulkValidationError`` with every problem, in row order, when there is one."""
    if errors:
        raise BulkValidationError(sorted(errors, key=lambda e: (e["row"] or 0, e["field"] or "")))
