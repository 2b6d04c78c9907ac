"""ERP bulk upserts of contracts (keyed by ``external_id``) and exchange rates (keyed by
currency and date): all or nothing, the same rules as suppliers.bulk.

A batch is validated whole, every problem listed by row and field, before anything is
written; suppliers, owners and existing rows are read in one query each; rows whose values
did not change are not written. A contract whose terms change gets a new version, as an
amendment made on a page would; a new one is a draft unless the row says ``active`` and it has
what an active contract needs. Terminated contracts are not changed by a sync.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from contracts.choices import ContractStatus, VersionKind
from contracts.models import Contract, ContractVersion, ExchangeRate
from contracts.permissions import may_sync
from contracts.services.contracts import _next_number, _terms
from core.bulk import (
    MAX_ROWS,
    UpsertResult,
    boolean,
    check_rows,
    choice,
    currency_code,
    date_value,
    duplicate_keys,
    refuse,
    text,
)
from suppliers.models import Supplier

_BATCH = 1000


def _decimal(*, digits: int, places: int, positive: bool = False) -> Callable[[Any], Decimal]:
    def check(value: Any) -> Decimal:
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise ValueError(_("Expected a number."))
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            raise ValueError(_("Expected a number.")) from None
        if not number.is_finite() or number < 0 or (positive and number == 0):
            raise ValueError(
                _("Expected a number above zero.")
                if positive
                else _("Expected a number, zero or more.")
            )
        # The size first: quantize cannot represent "1e999" to a few places (InvalidOperation).
        if abs(number) >= 10 ** (digits - places) or number != number.quantize(
            Decimal(1).scaleb(-places)
        ):
            raise ValueError(
                _("At most %(digits)d digits, %(places)d after the point.")
                % {"digits": digits, "places": places}
            )
        return number

    return check


def _whole(low: int, high: int, *, nullable: bool = False) -> Callable[[Any], int | None]:
    def check(value: Any) -> int | None:
        if value is None and nullable:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ValueError(
                _("Expected a whole number from %(low)d to %(high)d.") % {"low": low, "high": high}
            )
        return value

    return check


CONTRACT_CHECKS: dict[str, Callable[[Any], Any]] = {
    "external_id": text(100, required=True),
    "number": text(30),
    "title": text(200, required=True),
    "supplier_external_id": text(100, required=True),
    "owner": text(150, required=True),
    "status": choice([ContractStatus.DRAFT.value, ContractStatus.ACTIVE.value]),
    "value": _decimal(digits=16, places=2),
    "currency": currency_code,
    "start_date": date_value(),
    "end_date": date_value(),
    "notice_period_days": _whole(0, 3650),
    "auto_renew": boolean,
    "renewal_term_months": _whole(1, 120, nullable=True),
    "description": text(10_000),
}
_REQUIRED_FOR_NEW = ("title", "supplier_external_id", "owner", "currency")
_COLUMNS = [
    "title",
    "value",
    "currency",
    "start_date",
    "end_date",
    "notice_period_days",
    "auto_renew",
    "renewal_term_months",
    "description",
]


def _error(row: int, field: str | None, message: str) -> dict[str, Any]:
    return {"row": row, "field": field, "message": message}


def _may_sync(user: User) -> None:
    if not may_sync(user):
        raise PermissionDenied


def contract_upsert_many(*, rows: object, by: User) -> UpsertResult:
    """Creates or updates contracts keyed by ``external_id``; see the module docstring.
    ``rows`` is the batch as the ERP sent it (JSON), checked here row by row."""
    _may_sync(by)
    clean_rows, errors = check_rows(rows, CONTRACT_CHECKS, "external_id")
    errors += duplicate_keys(clean_rows, lambda row: row.get("external_id"), "external_id")
    errors += duplicate_keys(clean_rows, lambda row: row.get("number") or None, "number")
    suppliers = {
        supplier.external_id: supplier
        for supplier in Supplier.objects.filter(
            external_id__in={row.get("supplier_external_id") for row in clean_rows} - {None}
        )
    }
    owners = _owners({row["owner"] for row in clean_rows if row.get("owner")})
    with transaction.atomic():
        existing = {
            contract.external_id: contract
            for contract in Contract.objects.select_for_update().filter(
                external_id__in=[row["external_id"] for row in clean_rows if row.get("external_id")]
            )
        }
        numbers = dict(
            Contract.objects.filter(
                number__in={row["number"] for row in clean_rows if row.get("number")}
            ).values_list("number", "external_id")
        )
        for index, row in enumerate(clean_rows):
            errors += _contract_row_errors(index, row, existing, suppliers, owners, numbers)
        refuse(errors)
        return _write_contracts(clean_rows, existing, suppliers, owners, by)


def _owners(usernames: set[str]) -> dict[str, User]:
    """The people named as owners who may own things (``User.objects.may_own``)."""
    users = User.objects.may_own().filter(username__in=usernames)
    return {user.username: user for user in users}


def _contract_row_errors(
    index: int,
    row: dict[str, Any],
    existing: dict[str | None, Contract],
    suppliers: dict[str | None, Supplier],
    owners: dict[str, User],
    numbers: dict[str, str | None],
) -> list[dict[str, Any]]:
    if not row:
        return []
    errors = []
    current = existing.get(row.get("external_id"))
    if current is None:
        errors += [
            _error(index, name, _("Required for a new contract."))
            for name in _REQUIRED_FOR_NEW
            if name not in row
        ]
    elif current.status == ContractStatus.TERMINATED:
        errors.append(_error(index, "external_id", _("The contract is terminated: not changed.")))
    elif current.status == ContractStatus.ACTIVE and row.get("status") == ContractStatus.DRAFT:
        errors.append(_error(index, "status", _("An active contract does not go back to draft.")))
    if "supplier_external_id" in row and row["supplier_external_id"] not in suppliers:
        errors.append(_error(index, "supplier_external_id", _("No supplier with this ERP id.")))
    if current is not None and "supplier_external_id" in row:
        supplier = suppliers.get(row["supplier_external_id"])
        if supplier is not None and supplier.pk != current.supplier_id:
            errors.append(
                _error(index, "supplier_external_id", _("A contract keeps its supplier."))
            )
    if "owner" in row and row["owner"] not in owners:
        errors.append(
            _error(
                index,
                "owner",
                _("No active user %(name)s who signs in.") % {"name": repr(row["owner"])},
            )
        )
    if row.get("number") and numbers.get(row["number"], row.get("external_id")) != row.get(
        "external_id"
    ):
        errors.append(_error(index, "number", _("Another contract has this number.")))
    if current is not None and row.get("number") and row["number"] != current.number:
        errors.append(_error(index, "number", _("A contract keeps its number.")))
    return errors + _term_errors(index, _merged(row, current))


def _merged(row: dict[str, Any], current: Contract | None) -> dict[str, Any]:
    base: dict[str, Any] = {
        "value": Decimal(0),
        "start_date": None,
        "end_date": None,
        "notice_period_days": 0,
        "auto_renew": False,
        "renewal_term_months": None,
        "status": ContractStatus.DRAFT.value,
    }
    if current is not None:
        base.update({name: getattr(current, name) for name in [*_COLUMNS, "status"]})
    return base | row


def _term_errors(index: int, terms: dict[str, Any]) -> list[dict[str, Any]]:
    errors = []
    start, end = terms["start_date"], terms["end_date"]
    if start and end and end < start:
        errors.append(_error(index, "end_date", _("A contract cannot end before it starts.")))
    if terms["auto_renew"] and not (terms["renewal_term_months"] and end):
        errors.append(
            _error(
                index,
                "auto_renew",
                _("A contract that renews itself needs an end date and a renewal term."),
            )
        )
    if start and end and (end - start).days < terms["notice_period_days"]:
        errors.append(
            _error(index, "notice_period_days", _("The notice period is longer than the contract."))
        )
    if terms["status"] == ContractStatus.ACTIVE:
        if start is None:
            errors.append(_error(index, "start_date", _("An active contract needs a start date.")))
        if not terms["value"]:
            errors.append(_error(index, "value", _("An active contract needs its value.")))
    return errors


def _write_contracts(
    rows: list[dict[str, Any]],
    existing: dict[str | None, Contract],
    suppliers: dict[str | None, Supplier],
    owners: dict[str, User],
    by: User,
) -> UpsertResult:
    now = timezone.now()
    today = timezone.localdate()
    prefix_number = int(_next_number(today).rsplit("-", 1)[1])
    new: list[Contract] = []
    changed: list[Contract] = []
    amended: list[Contract] = []  # changed terms: a new version each
    outcome: list[tuple[int, Contract, str]] = []
    for index, row in enumerate(rows):
        contract = existing.get(row["external_id"])
        if contract is None:
            contract = Contract(
                external_id=row["external_id"],
                supplier=suppliers[row["supplier_external_id"]],
                number=row.get("number") or f"C-{today.year}-{prefix_number:04d}",
                created_at=now,
            )
            if not row.get("number"):
                prefix_number += 1
            new.append(contract)
            outcome.append((index, contract, "created"))
        before = (_terms(contract), contract.status) if contract.pk else None
        for name in _COLUMNS:
            if name in row:
                setattr(contract, name, row[name])
        if "owner" in row:
            contract.owner = owners[row["owner"]]
        if row.get("status"):
            contract.status = row["status"]
        if before is None:
            contract.updated_at = now
            continue
        if (_terms(contract), contract.status) == before:
            outcome.append((index, contract, "unchanged"))
            continue
        if _terms(contract) != before[0]:
            contract.version += 1
            amended.append(contract)
        contract.updated_at = now
        changed.append(contract)
        outcome.append((index, contract, "updated"))
    Contract.objects.bulk_create(new, batch_size=_BATCH)
    Contract.objects.bulk_update(
        changed, [*_COLUMNS, "owner", "status", "version", "updated_at"], batch_size=_BATCH
    )
    ContractVersion.objects.bulk_create(
        [
            ContractVersion(
                contract=contract,
                number=contract.version,
                kind=VersionKind.AMENDED if contract in amended else VersionKind.CREATED,
                terms=_terms(contract),
                note=_("ERP sync"),
                created_by=by,
                created_at=now,
            )
            for contract in [*new, *amended]
        ],
        batch_size=_BATCH,
    )
    result = UpsertResult()
    for index, contract, kind in sorted(outcome, key=lambda item: item[0]):
        result.add(
            row=index, pk=contract.pk, key={"external_id": contract.external_id}, result=kind
        )
    return result


# --- Exchange rates -----------------------------------------------------------------------

RATE_CHECKS: dict[str, Callable[[Any], Any]] = {
    "currency": currency_code,
    "date": date_value(required=True),
    "rate": _decimal(digits=20, places=8, positive=True),
}


def exchange_rate_upsert_many(*, rows: object, by: User) -> UpsertResult:
    """Creates or updates rates keyed by currency and date: how much one unit of the currency
    was worth in the reporting currency that day."""
    _may_sync(by)
    clean_rows, errors = check_rows(rows, RATE_CHECKS, "currency")
    for index, row in enumerate(clean_rows):
        if row and "date" not in row:
            errors.append(_error(index, "date", _("This field is required.")))
        if row and "rate" not in row:
            errors.append(_error(index, "rate", _("This field is required.")))
        if row.get("currency") == settings.REPORTING_CURRENCY:
            errors.append(_error(index, "currency", _("The reporting currency is worth 1 itself.")))

    def key(row: dict[str, Any]) -> tuple[str, date] | None:
        return (row["currency"], row["date"]) if row.get("currency") and row.get("date") else None

    errors += duplicate_keys(clean_rows, key, "date")
    refuse(errors)
    now = timezone.now()
    with transaction.atomic():
        existing = {
            (rate.currency, rate.date): rate
            for rate in ExchangeRate.objects.select_for_update().filter(
                currency__in={row["currency"] for row in clean_rows},
                date__in={row["date"] for row in clean_rows},
            )
        }
        to_write: list[ExchangeRate] = []
        outcome: list[tuple[int, tuple[str, date], str]] = []
        for index, row in enumerate(clean_rows):
            current = existing.get((row["currency"], row["date"]))
            if current is not None and current.rate == row["rate"]:
                outcome.append((index, (row["currency"], row["date"]), "unchanged"))
                continue
            outcome.append(
                (index, (row["currency"], row["date"]), "updated" if current else "created")
            )
            to_write.append(ExchangeRate(updated_at=now, **row))
        written = ExchangeRate.objects.bulk_create(
            to_write,
            batch_size=_BATCH,
            update_conflicts=True,
            unique_fields=["currency", "date"],
            update_fields=["rate", "updated_at"],
        )
    ids = {(rate.currency, rate.date): rate.pk for rate in existing.values()}
    ids.update({(rate.currency, rate.date): rate.pk for rate in written})
    result = UpsertResult()
    for index, (currency, day), kind in outcome:
        result.add(
            row=index,
            pk=ids[(currency, day)],
            key={"currency": currency, "date": day.isoformat()},
            result=kind,
        )
    return result


__all__ = ["MAX_ROWS", "contract_upsert_many", "exchange_rate_upsert_many"]
