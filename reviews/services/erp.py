"""ERP bulk upserts of delivery lines and KPI values, the same way as suppliers' (see
suppliers/bulk.py): the batch is validated whole, every problem listed by row and field,
before anything is written; suppliers and existing rows are read in one query each; unchanged
rows are not written; writes are set-based (``INSERT … ON CONFLICT``)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.roles import Capability, user_can
from core.bulk import (
    MAX_ROWS,
    BulkValidationError,
    UpsertResult,
    check_rows,
    choice,
    date_value,
    duplicate_keys,
    refuse,
    text,
)
from reviews.choices import KpiCode
from reviews.models import DeliveryLine, KpiValue
from suppliers.models import Supplier

_BATCH = 1000
_LIMIT = Decimal("1e10")  # below the columns' 14 digits with 3 decimals


def _quantity(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(_("Expected a number."))
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise ValueError(_("Expected a number.")) from None
    if not number.is_finite() or number < 0 or number >= _LIMIT:
        raise ValueError(_("Expected a number from 0 to 9,999,999,999."))
    return number.quantize(Decimal("0.001"))


def _signed(value: Any) -> Decimal:
    if isinstance(value, str) and value.startswith("-"):
        return -_quantity(value[1:])
    if isinstance(value, int | float) and not isinstance(value, bool) and value < 0:
        return -_quantity(-value)
    return _quantity(value)


DELIVERY_CHECKS: dict[str, Callable[[Any], Any]] = {
    "supplier_external_id": text(100, required=True),
    "order_ref": text(100, required=True),
    "line_ref": text(100, required=True),
    "promised_date": date_value(required=True),
    "received_date": date_value(),
    "quantity_ordered": _quantity,
    "quantity_received": _quantity,
    "quantity_rejected": _quantity,
}
DELIVERY_REQUIRED = ("order_ref", "line_ref", "promised_date", "quantity_ordered")
KPI_CHECKS: dict[str, Callable[[Any], Any]] = {
    "supplier_external_id": text(100, required=True),
    "code": choice(KpiCode.values),
    "period_start": date_value(required=True),
    "period_end": date_value(required=True),
    "value": _signed,
}
KPI_REQUIRED = ("code", "period_start", "period_end", "value")


def _may_sync(by: User) -> None:
    if not (user_can(by, Capability.SYNC_ERP) or user_can(by, Capability.MANAGE_PORTFOLIO)):
        raise PermissionDenied


def _supplier_ids(rows: list[dict[str, Any]], errors: list[dict[str, Any]]) -> dict[str, int]:
    wanted = {row["supplier_external_id"] for row in rows if row.get("supplier_external_id")}
    found = {
        str(external_id): pk
        for external_id, pk in Supplier.objects.filter(external_id__in=wanted).values_list(
            "external_id", "id"
        )
    }
    for index, row in enumerate(rows):
        if row.get("supplier_external_id") and row["supplier_external_id"] not in found:
            errors.append(
                {
                    "row": index,
                    "field": "supplier_external_id",
                    "message": _("No supplier with this ERP id."),
                }
            )
    return found


def _required(rows: list[dict[str, Any]], raw: Any, names: tuple[str, ...]) -> list[dict[str, Any]]:
    errors = []
    for index, row in enumerate(raw if isinstance(raw, list) else []):
        if isinstance(row, dict):
            for name in names:
                if name not in row:
                    errors.append(
                        {"row": index, "field": name, "message": _("This field is required.")}
                    )
    return errors


def delivery_upsert_many(*, rows: Any, by: User) -> UpsertResult:
    """Creates or updates delivery lines keyed by supplier ERP id, order and line."""
    _may_sync(by)
    clean_rows, errors = check_rows(rows, DELIVERY_CHECKS, "supplier_external_id")
    errors += _required(clean_rows, rows, DELIVERY_REQUIRED)
    errors += duplicate_keys(clean_rows, _delivery_key, "line_ref")
    for index, row in enumerate(clean_rows):
        rejected, received = row.get("quantity_rejected"), row.get("quantity_received")
        if rejected is not None and rejected > (received or 0):
            errors.append(
                {
                    "row": index,
                    "field": "quantity_rejected",
                    "message": _("No more can be rejected than was received."),
                }
            )
        if row.get("quantity_ordered") == 0:
            errors.append(
                {"row": index, "field": "quantity_ordered", "message": _("Expected above 0.")}
            )
    with transaction.atomic():
        supplier_ids = _supplier_ids(clean_rows, errors)
        refuse(errors)
        return _write(
            DeliveryLine,
            clean_rows,
            supplier_ids,
            key_fields=("order_ref", "line_ref"),
            columns=(
                "promised_date",
                "received_date",
                "quantity_ordered",
                "quantity_received",
                "quantity_rejected",
            ),
        )


def _delivery_key(row: dict[str, Any]) -> tuple[str, str, str] | None:
    if not all(row.get(name) for name in ("supplier_external_id", "order_ref", "line_ref")):
        return None
    return row["supplier_external_id"], row["order_ref"], row["line_ref"]


def kpi_value_upsert_many(*, rows: Any, by: User) -> UpsertResult:
    """Creates or updates KPI values keyed by supplier ERP id, KPI and period."""
    _may_sync(by)
    clean_rows, errors = check_rows(rows, KPI_CHECKS, "supplier_external_id")
    errors += _required(clean_rows, rows, KPI_REQUIRED)

    def key(row: dict[str, Any]) -> tuple[Any, ...] | None:
        names = ("supplier_external_id", "code", "period_start", "period_end")
        return tuple(row[name] for name in names) if all(row.get(n) for n in names) else None

    errors += duplicate_keys(clean_rows, key, "code")
    for index, row in enumerate(clean_rows):
        if (
            row.get("period_start")
            and row.get("period_end")
            and row["period_end"] < row["period_start"]
        ):
            errors.append(
                {
                    "row": index,
                    "field": "period_end",
                    "message": _("The period ends before it starts."),
                }
            )
    with transaction.atomic():
        supplier_ids = _supplier_ids(clean_rows, errors)
        refuse(errors)
        return _write(
            KpiValue,
            clean_rows,
            supplier_ids,
            key_fields=("code", "period_start", "period_end"),
            columns=("value",),
        )


def _write(
    model: type[models.Model],
    rows: list[dict[str, Any]],
    supplier_ids: dict[str, int],
    *,
    key_fields: tuple[str, ...],
    columns: tuple[str, ...],
) -> UpsertResult:
    """Writes the rows that are new or changed in one statement per batch; reads the existing
    ones in one query, locked so that a concurrent batch waits."""
    now = timezone.now()
    defaults = {name: model._meta.get_field(name).get_default() for name in columns}  # type: ignore[union-attr]
    existing = {
        (values["supplier_id"], *(values[name] for name in key_fields)): values
        for values in model.objects.select_for_update()  # type: ignore[attr-defined]
        .filter(supplier_id__in=set(supplier_ids.values()))
        .filter(**{f"{key_fields[0]}__in": {row[key_fields[0]] for row in rows}})
        .values("id", "supplier_id", *key_fields, *columns)
    }
    to_write = []
    outcome: list[tuple[int, tuple[Any, ...], dict[str, Any], str]] = []
    for index, row in enumerate(rows):
        supplier_id = supplier_ids[row["supplier_external_id"]]
        key = (supplier_id, *(row[name] for name in key_fields))
        shown = {
            "supplier_external_id": row["supplier_external_id"],
            **{name: _shown(row[name]) for name in key_fields},
        }
        current = existing.get(key)
        base = current or defaults
        values = {name: row.get(name, base[name]) for name in columns}
        if current is not None and all(values[name] == current[name] for name in columns):
            outcome.append((index, key, shown, "unchanged"))
            continue
        outcome.append((index, key, shown, "updated" if current else "created"))
        to_write.append(
            model(
                supplier_id=supplier_id,
                updated_at=now,
                **{name: row[name] for name in key_fields},
                **values,
            )
        )
    written = model.objects.bulk_create(  # type: ignore[attr-defined]
        to_write,
        batch_size=_BATCH,
        update_conflicts=True,
        unique_fields=["supplier", *key_fields],
        update_fields=[*columns, "updated_at"],
    )
    pk_by_key = {key: values["id"] for key, values in existing.items()}
    for obj in written:
        pk_by_key[(obj.supplier_id, *(getattr(obj, name) for name in key_fields))] = obj.pk
    result = UpsertResult()
    for index, key, shown, kind in outcome:
        result.add(row=index, pk=pk_by_key[key], key=shown, result=kind)
    return result


def _shown(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


__all__ = ["MAX_ROWS", "BulkValidationError", "delivery_upsert_many", "kpi_value_upsert_many"]
