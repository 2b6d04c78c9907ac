"""ERP bulk upserts of suppliers and contacts: all or nothing, and a resend writes nothing.

A batch is validated whole (every problem listed by row and field) before anything is
written; foreign keys and existing rows are read in one query each, not one per row; rows
whose values did not change are not written, so they keep their ``updated_at`` and no audit
event is recorded for them. Writes are set-based (``INSERT … ON CONFLICT``), and the database
triggers of the audit trail record every row that changes.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any, cast

from django.conf.global_settings import LANGUAGES as ALL_LANGUAGES
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.db import transaction
from django.db.models import Field, Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _
from django_countries import countries

from accounts.models import User
from core.bulk import (
    MAX_ROWS,
    BulkValidationError,
    UpsertResult,
    boolean,
    check_rows,
    choice,
    currency_code,
    duplicate_keys,
    text,
)
from suppliers.choices import OwnershipRole, RiskLevel, Segment, SupplierStatus
from suppliers.models import Category, Contact, KeyAccountOwnership, Supplier, SupplierCategory
from suppliers.permissions import may_sync_portfolio
from suppliers.services import SupplierStatusTransitionError, check_status_transition
from webhooks.events import emit_many

_BATCH = 1000


# --- Field checks: fast, plain functions; each returns the clean value or raises ValueError ----


_COUNTRIES = {code for code, _name in countries}
_URL = URLValidator()
_EMAIL = EmailValidator()
_LANGUAGE_CODES = [code for code, _name in ALL_LANGUAGES]


def _country(value: Any) -> str:
    value = text(100)(value).upper()
    if value and value not in _COUNTRIES:
        raise ValueError(_("Expected an ISO 3166 country code such as SE, DE or VN."))
    return value


def _url(value: Any) -> str:
    value = text(200)(value)
    if value:
        try:
            _URL(value)
        except ValidationError:
            raise ValueError(_("Enter a valid URL.")) from None
    return value


def _email(value: Any) -> str:
    value = text(254)(value).lower()
    if value:
        try:
            _EMAIL(value)
        except ValidationError:
            raise ValueError(_("Enter a valid email address.")) from None
    return value


def _categories(value: Any) -> list[int | str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(
        isinstance(item, str | int) and not isinstance(item, bool) for item in value
    ):
        raise ValueError(_("Expected a list of category names or ids."))
    return [item.strip() if isinstance(item, str) else item for item in value]


def _username(value: Any) -> str | None:
    if value is None:
        return None
    return text(150, required=True)(value)


def _money(value: Any) -> Decimal | None:
    """A non-negative amount with at most two decimals, as a number or a numeric string."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(_("Expected an amount such as 125000.50."))
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(_("Expected an amount such as 125000.50.")) from None
    if not amount.is_finite() or amount < 0:
        raise ValueError(_("Expected a non-negative amount with at most two decimals."))
    # Before quantize, which cannot represent "1e999" to two places (InvalidOperation).
    if amount >= Decimal(10) ** 14:
        raise ValueError(_("The amount is too large."))
    if amount != amount.quantize(Decimal("0.01")):
        raise ValueError(_("Expected a non-negative amount with at most two decimals."))
    return amount.quantize(Decimal("0.01"))


SUPPLIER_CHECKS: dict[str, Callable[[Any], Any]] = {
    "external_id": text(100, required=True),
    "name": text(200, required=True),
    "legal_name": text(200),
    "vat_number": text(50),
    "country": _country,
    "website": _url,
    "status": choice(SupplierStatus.values),
    "segment": choice(Segment.values),
    "risk_level": choice(RiskLevel.values),
    "default_currency": currency_code,
    "annual_spend": _money,
    "notes": text(10_000),
    "categories": _categories,
    "owner": _username,
    "status_reason": text(500),
}
CONTACT_CHECKS: dict[str, Callable[[Any], Any]] = {
    "supplier_external_id": text(100, required=True),
    "email": _email,
    "name": text(200, required=True),
    "job_title": text(200),
    "phone": text(50),
    "preferred_language": choice(["", *_LANGUAGE_CODES]),
    "is_primary": boolean,
}
# Columns written to the supplier table: everything a row may set, besides relations.
_SUPPLIER_COLUMNS = [
    name
    for name in SUPPLIER_CHECKS
    if name not in {"categories", "owner", "status_reason", "external_id"}
]
_CONTACT_COLUMNS = ["name", "job_title", "phone", "preferred_language", "is_primary"]


# --- Suppliers --------------------------------------------------------------------------------


def _resolve_categories(rows: list[dict[str, Any]]) -> tuple[dict[int | str, int], set[Any]]:
    """Maps every category reference (id, or name in any case) to an id; returns the map and
    the references that match nothing."""
    wanted = {ref for row in rows for ref in row.get("categories", [])}
    ids = {ref for ref in wanted if isinstance(ref, int)}
    names = {ref.lower() for ref in wanted if isinstance(ref, str)}
    found = Category.objects.annotate(lower_name=Lower("name")).filter(
        Q(pk__in=ids) | Q(lower_name__in=names)
    )
    by_ref: dict[int | str, int] = {}
    for pk, lower_name in found.values_list("pk", "lower_name"):
        by_ref[pk] = pk
        by_ref[lower_name] = pk
    resolved = {
        ref: by_ref[ref if isinstance(ref, int) else ref.lower()]
        for ref in wanted
        if (ref if isinstance(ref, int) else ref.lower()) in by_ref
    }
    return resolved, wanted - resolved.keys()


def _resolve_owners(rows: list[dict[str, Any]]) -> dict[str, User]:
    """Users named as owners who may own suppliers (``User.objects.may_own``)."""
    usernames = {row["owner"] for row in rows if row.get("owner")}
    users = User.objects.may_own().filter(username__in=usernames)
    return {user.username: user for user in users}


def supplier_upsert_many(*, rows: object, by: User) -> UpsertResult:
    """Creates or updates suppliers keyed by ``external_id``; see the module docstring.
    ``rows`` is the batch as the ERP sent it (JSON): each row is checked and cleaned here,
    field by field, before any is written."""
    if not may_sync_portfolio(by):
        raise PermissionDenied
    clean_rows, errors = check_rows(rows, SUPPLIER_CHECKS, "external_id")
    errors += duplicate_keys(clean_rows, lambda row: row.get("external_id"), "external_id")
    category_ids, unknown_categories = _resolve_categories(clean_rows)
    owners = _resolve_owners(clean_rows)
    with transaction.atomic():
        keys = [row["external_id"] for row in clean_rows if row.get("external_id")]
        existing = {
            values["external_id"]: values
            for values in Supplier.objects.select_for_update()
            .filter(external_id__in=keys)
            .values("id", "external_id", *_SUPPLIER_COLUMNS)
        }
        for index, row in enumerate(clean_rows):
            errors += _supplier_row_errors(index, row, existing, unknown_categories, owners)
        if errors:
            raise BulkValidationError(
                sorted(errors, key=lambda e: (e["row"] or 0, e["field"] or ""))
            )
        return _write_suppliers(clean_rows, existing, category_ids, owners)


def _supplier_row_errors(
    index: int,
    row: dict[str, Any],
    existing: dict[str, dict[str, Any]],
    unknown_categories: set[Any],
    owners: dict[str, User],
) -> list[dict[str, Any]]:
    errors = []
    current = existing.get(row.get("external_id", ""))
    if current is None and "external_id" in row and "name" not in row:
        errors.append({"row": index, "field": "name", "message": _("Required for a new supplier.")})
    for ref in row.get("categories", []):
        if ref in unknown_categories:
            errors.append(
                {
                    "row": index,
                    "field": "categories",
                    "message": _("No category %(ref)s.") % {"ref": repr(ref)},
                }
            )
    if row.get("owner") and row["owner"] not in owners:
        errors.append(
            {
                "row": index,
                "field": "owner",
                "message": _("No active user %(name)s who may own suppliers.")
                % {"name": repr(row["owner"])},
            }
        )
    if current is not None and "status" in row:
        try:
            check_status_transition(
                current=current["status"], new=row["status"], reason=row.get("status_reason", "")
            )
        except SupplierStatusTransitionError as error:
            errors.append({"row": index, "field": "status", "message": error.message})
    return errors


def _write_suppliers(
    rows: list[dict[str, Any]],
    existing: dict[str, dict[str, Any]],
    category_ids: dict[int | str, int],
    owners: dict[str, User],
) -> UpsertResult:
    now = timezone.now()
    defaults = {
        name: cast(Field, Supplier._meta.get_field(name)).get_default()
        for name in _SUPPLIER_COLUMNS
    }
    ids = [values["id"] for values in existing.values()]
    links: dict[int, dict[int, int]] = {}  # supplier id -> {category id: link id}
    for link_id, supplier_id, category_id in SupplierCategory.objects.filter(
        supplier_id__in=ids
    ).values_list("id", "supplier_id", "category_id"):
        links.setdefault(supplier_id, {})[category_id] = link_id
    current_owner = dict(
        KeyAccountOwnership.objects.current()
        .owners()
        .filter(supplier_id__in=ids)
        .values_list("supplier_id", "user_id")
    )

    to_write: list[Supplier] = []
    outcome: list[tuple[int, str, str]] = []  # (row, external_id, result)
    category_changes: dict[str, set[int]] = {}
    owner_changes: dict[str, User] = {}
    for index, row in enumerate(rows):
        key = row["external_id"]
        current = existing.get(key)
        base = current or {"external_id": key, **defaults}
        values = {name: row.get(name, base[name]) for name in _SUPPLIER_COLUMNS}
        changed = current is None or any(values[name] != current[name] for name in values)
        if "categories" in row:
            wanted = {category_ids[ref] for ref in row["categories"]}
            have = set(links.get(current["id"], {})) if current else set()
            if wanted != have:
                category_changes[key] = wanted
                changed = True
        owner = owners.get(row.get("owner") or "")
        if owner is not None and (current is None or current_owner.get(current["id"]) != owner.pk):
            owner_changes[key] = owner
            changed = True
        if not changed:
            outcome.append((index, key, "unchanged"))
            continue
        outcome.append((index, key, "updated" if current else "created"))
        to_write.append(Supplier(external_id=key, updated_at=now, **values))

    written = Supplier.objects.bulk_create(
        to_write,
        batch_size=_BATCH,
        update_conflicts=True,
        unique_fields=["external_id"],
        update_fields=[*_SUPPLIER_COLUMNS, "updated_at"],
    )
    pk_by_key = {values["external_id"]: values["id"] for values in existing.values()}
    pk_by_key.update({supplier.external_id: supplier.pk for supplier in written})
    _write_categories(category_changes, pk_by_key, links)
    _write_owners(owner_changes, pk_by_key, now)
    _emit_events(written, existing)

    result = UpsertResult()
    for index, key, kind in outcome:
        result.add(row=index, pk=pk_by_key[key], key={"external_id": key}, result=kind)
    return result


def _emit_events(written: list[Supplier], existing: dict[str, dict[str, Any]]) -> None:
    """The webhook events of the batch, as single writes emit them: created, changed, and
    status changed beside changed when the row moved the supplier along its lifecycle."""
    created = [supplier for supplier in written if supplier.external_id not in existing]
    changed = [supplier for supplier in written if supplier.external_id in existing]
    moved = [
        supplier
        for supplier in changed
        if supplier.status != existing[str(supplier.external_id)]["status"]
    ]
    emit_many("supplier.created", created)
    emit_many("supplier.changed", changed)
    emit_many(
        "supplier.status_changed",
        moved,
        extra=lambda supplier: {
            "previous_status": existing[str(getattr(supplier, "external_id", ""))]["status"]
        },
    )


def _write_categories(
    changes: dict[str, set[int]], pk_by_key: dict[str, int], links: dict[int, dict[int, int]]
) -> None:
    stale: list[int] = []
    new: list[SupplierCategory] = []
    for key, wanted in changes.items():
        supplier_id = pk_by_key[key]
        have = links.get(supplier_id, {})
        stale += [link_id for category_id, link_id in have.items() if category_id not in wanted]
        new += [
            SupplierCategory(supplier_id=supplier_id, category_id=category_id)
            for category_id in wanted - have.keys()
        ]
    if stale:
        SupplierCategory.objects.filter(pk__in=stale).delete()
    SupplierCategory.objects.bulk_create(new, batch_size=_BATCH)


def _write_owners(changes: dict[str, User], pk_by_key: dict[str, int], now: Any) -> None:
    """A new owner replaces the current one, whose ownership ends today and stays as history."""
    if not changes:
        return
    today = timezone.localdate(now)
    supplier_ids = [pk_by_key[key] for key in changes]
    KeyAccountOwnership.objects.current().owners().filter(supplier_id__in=supplier_ids).update(
        until=today, updated_at=now
    )
    # The new owner may have held another role (backup, say): that role continues.
    KeyAccountOwnership.objects.bulk_create(
        [
            KeyAccountOwnership(
                supplier_id=pk_by_key[key],
                user=user,
                role=OwnershipRole.OWNER,
                since=today,
                updated_at=now,
            )
            for key, user in changes.items()
        ],
        batch_size=_BATCH,
    )


# --- Contacts ---------------------------------------------------------------------------------


def contact_upsert_many(*, rows: object, by: User) -> UpsertResult:
    """Creates or updates contacts keyed by the supplier's ``external_id`` and the email;
    ``rows`` is the batch as sent, checked here as ``supplier_upsert_many`` does."""
    if not may_sync_portfolio(by):
        raise PermissionDenied
    clean_rows, errors = check_rows(rows, CONTACT_CHECKS, "supplier_external_id")
    for index, row in enumerate(clean_rows):
        if row and not row.get("email"):
            errors.append(
                {"row": index, "field": "email", "message": _("The email identifies the contact.")}
            )

    def key(row: dict[str, Any]) -> tuple[str, str] | None:
        if not row.get("supplier_external_id") or not row.get("email"):
            return None
        return row["supplier_external_id"], row["email"]

    errors += duplicate_keys(clean_rows, key, "email")
    errors += duplicate_keys(
        clean_rows,
        lambda row: row.get("supplier_external_id") if row.get("is_primary") else None,
        "is_primary",
    )
    with transaction.atomic():
        supplier_ids = {
            str(external_id): pk
            for external_id, pk in Supplier.objects.filter(
                external_id__in={row.get("supplier_external_id") for row in clean_rows}
            ).values_list("external_id", "id")
        }
        for index, row in enumerate(clean_rows):
            if row.get("supplier_external_id") and row["supplier_external_id"] not in supplier_ids:
                errors.append(
                    {
                        "row": index,
                        "field": "supplier_external_id",
                        "message": _("No supplier with this ERP id."),
                    }
                )
        if errors:
            raise BulkValidationError(
                sorted(errors, key=lambda e: (e["row"] or 0, e["field"] or ""))
            )
        return _write_contacts(clean_rows, supplier_ids)


def _write_contacts(rows: list[dict[str, Any]], supplier_ids: dict[str, int]) -> UpsertResult:
    now = timezone.now()
    existing: dict[tuple[int, str], Contact] = {
        (contact.supplier_id, contact.email_lower): contact
        for contact in Contact.objects.select_for_update(of=("self",))
        .annotate(email_lower=Lower("email"))
        .filter(
            supplier_id__in=set(supplier_ids.values()),
            email_lower__in={row["email"] for row in rows},
        )
    }
    new: list[Contact] = []
    changed: list[Contact] = []
    outcome: list[tuple[int, tuple[int, str], dict[str, str], str]] = []
    primary_suppliers: set[int] = set()
    made_primary: set[tuple[int, str]] = set()
    for index, row in enumerate(rows):
        supplier_id = supplier_ids[row["supplier_external_id"]]
        key = (supplier_id, row["email"])
        shown = {"supplier_external_id": row["supplier_external_id"], "email": row["email"]}
        contact = existing.get(key)
        if row.get("is_primary"):
            primary_suppliers.add(supplier_id)
            made_primary.add(key)
        if contact is None:
            contact = Contact(supplier_id=supplier_id, email=row["email"], updated_at=now)
            for name in _CONTACT_COLUMNS:
                if name in row:
                    setattr(contact, name, row[name])
            new.append(contact)
            existing[key] = contact
            outcome.append((index, key, shown, "created"))
        elif any(name in row and getattr(contact, name) != row[name] for name in _CONTACT_COLUMNS):
            for name in _CONTACT_COLUMNS:
                if name in row:
                    setattr(contact, name, row[name])
            contact.updated_at = now
            changed.append(contact)
            outcome.append((index, key, shown, "updated"))
        else:
            outcome.append((index, key, shown, "unchanged"))
    if primary_suppliers:
        # A new primary contact takes the place of the old one.
        keep = [existing[key].pk for key in made_primary if existing[key].pk]
        Contact.objects.filter(supplier_id__in=primary_suppliers, is_primary=True).exclude(
            pk__in=keep
        ).update(is_primary=False, updated_at=now)
        for contact in changed:
            if contact.supplier_id in primary_suppliers and (
                (contact.supplier_id, contact.email.lower()) not in made_primary
            ):
                contact.is_primary = False
    Contact.objects.bulk_update(changed, [*_CONTACT_COLUMNS, "updated_at"], batch_size=_BATCH)
    Contact.objects.bulk_create(new, batch_size=_BATCH)

    result = UpsertResult()
    for index, key, shown, kind in outcome:
        result.add(row=index, pk=existing[key].pk, key=shown, result=kind)
    return result


__all__ = [
    "MAX_ROWS",
    "BulkValidationError",
    "UpsertResult",
    "contact_upsert_many",
    "supplier_upsert_many",
]
