"""The supplier page's history: audit events turned into "who changed which field from what
to what", with labels and names instead of raw values and ids."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.apps import apps
from django.db import models
from django.utils import formats
from django.utils.dateparse import parse_date
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from pghistory.models import MiddlewareEvents

from accounts.models import User
from suppliers.choices import OwnershipRole
from suppliers.models import Category, Contact, KeyAccountOwnership, Supplier, SupplierCategory
from suppliers.selectors import (
    supplier_history,
)

PAGE_SIZE = 50
# Columns whose header sorts the list; each is an ordering of SupplierFilterSet.
SORTABLE_COLUMNS = ("name", "country", "segment", "status", "risk_level")
DETAIL_TEMPLATE = "suppliers/supplier_detail.html"


# Bookkeeping columns that every write touches; the history shows what people changed.
_HIDDEN_COLUMNS = frozenset({"id", "created_at", "updated_at", "supplier_id"})
_ACTIONS = {
    "insert": gettext_lazy("Added"),
    "update": gettext_lazy("Changed"),
    "delete": gettext_lazy("Removed"),
}
_EMPTY = "—"


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: str
    new: str


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    who: str
    subject: str
    action: str
    changes: list[FieldChange]
    reason: str


class _HistoryReader:
    """Turns audit events into lines people read: field labels, choice labels and names in
    place of raw column values and ids. Names come from what the page has loaded already, the
    rest from one query per kind, so the query count does not grow with the events."""

    def __init__(self, supplier: Supplier, events: list[MiddlewareEvents]) -> None:
        ownerships = supplier.all_ownerships  # type: ignore[attr-defined]
        self.users = {ownership.user_id: ownership.user.name for ownership in ownerships}
        self.categories = {category.pk: category.name for category in supplier.categories.all()}
        self._choices: dict[str, dict[Any, Any]] = {}
        if missing := _ids(events, "user_id") - self.users.keys():
            self.users.update((user.pk, user.name) for user in User.objects.filter(pk__in=missing))
        if missing := _ids(events, "category_id") - self.categories.keys():
            self.categories.update(
                Category.objects.filter(pk__in=missing).values_list("pk", "name")
            )

    def entry(self, event: MiddlewareEvents) -> HistoryEntry | None:
        model = apps.get_model(event.pgh_obj_model)
        diff = _diff(event)
        changes = [
            FieldChange(
                str(capfirst(field.verbose_name)),
                self._show(field, diff[field.column][0]),
                self._show(field, diff[field.column][1]),
            )
            for field in model._meta.concrete_fields  # in the order of the form
            if field.column in diff and field.column not in _HIDDEN_COLUMNS
        ]
        if event.pgh_label == "update" and not changes:
            return None
        context = event.pgh_context or {}
        return HistoryEntry(
            at=event.pgh_created_at,
            who=self._who(event, context),
            subject=self._subject(model, event.pgh_data or {}),
            action=str(_ACTIONS.get(event.pgh_label, event.pgh_label)),
            changes=changes,
            reason=context.get("reason") or "",
        )

    def _who(self, event: MiddlewareEvents, context: dict[str, Any]) -> str:
        token = context.get("api_token_name")
        user = event.user
        if user is not None and token:
            return _("%(user)s with the API token %(token)s") % {"user": user.name, "token": token}
        if user is not None:
            return str(user.name)
        if token:
            return _("API token %(token)s") % {"token": token}
        return str(_("System"))

    def _subject(self, model: type[models.Model], data: dict[str, Any]) -> str:
        if model is Contact:
            return _("Contact %(name)s") % {"name": data.get("name", "")}
        if model is KeyAccountOwnership:
            role = OwnershipRole(data["role"]).label if data.get("role") in OwnershipRole else ""
            person = self.users.get(data.get("user_id"), _EMPTY)
            return _("%(role)s: %(person)s") % {"role": role, "person": person}
        if model is SupplierCategory:
            name = self.categories.get(data.get("category_id"), _EMPTY)  # type: ignore[arg-type]
            return _("Category %(name)s") % {"name": name}
        return str(capfirst(model._meta.verbose_name))

    def _show(self, field: models.Field[Any, Any], value: Any) -> str:
        if value is None or value == "":
            return _EMPTY
        if field.is_relation:
            names = self.categories if field.related_model is Category else self.users
            return names.get(value, f"#{value}")
        if isinstance(field, models.BooleanField):
            return str(_("yes") if value else _("no"))
        if field.choices:
            if field.name not in self._choices:
                self._choices[field.name] = dict(field.flatchoices)
            return str(self._choices[field.name].get(value, value))
        if isinstance(field, models.DateField) and not isinstance(field, models.DateTimeField):
            day = parse_date(value)
            return formats.date_format(day) if day else str(value)
        return str(value)


def _diff(event: MiddlewareEvents) -> dict[str, list[Any]]:
    return event.pgh_diff or {}


def _ids(events: list[MiddlewareEvents], column: str) -> set[int]:
    """Every id that the events' data or diffs hold in ``column``."""
    found: set[int] = set()
    for event in events:
        values = [(event.pgh_data or {}).get(column), *_diff(event).get(column, [])]
        found.update(value for value in values if value is not None)
    return found


def history_entries(supplier: Supplier) -> list[HistoryEntry]:
    events = list(supplier_history(supplier=supplier))
    reader = _HistoryReader(supplier, events)
    return [entry for event in events if (entry := reader.entry(event)) is not None]
