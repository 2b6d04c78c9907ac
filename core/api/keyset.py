"""Keyset cursor pagination that pages any sort order reliably.

DRF's ``CursorPagination`` seeks on the first ordering column only and steps over rows that
share its value with an OFFSET, which it caps at 1,000: a bulk upsert gives thousands of rows
one ``updated_at``, and sorting by country or status gives ties by the thousand. Here the
cursor holds the values of every ordering column of the last row sent, the ordering always
ends with the primary key, and the next page starts after that row with a row comparison,
``(updated_at, id) > (%s, %s)``, which an index on those columns answers directly. No OFFSET,
no COUNT.
"""

from __future__ import annotations

import binascii
import json
from base64 import urlsafe_b64decode, urlsafe_b64encode
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured, ValidationError
from django.db.models import BooleanField, Expression, F, Field, Model, Q, QuerySet, Value
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.utils.urls import replace_query_param

from core.api.pagination import CursorPagination
from core.storable import datetime_problem, value_problem


@dataclass(frozen=True)
class _Key:
    column: str  # the attribute name: "supplier_id" for a foreign key "supplier"
    descending: bool
    field: Field[Any, Any]

    @property
    def term(self) -> str:
        return f"-{self.column}" if self.descending else self.column


class _RowComparison(Expression):
    """``(a, b, c) > (x, y, z)``: PostgreSQL compares rows left to right, as ORDER BY does."""

    output_field = BooleanField()

    def __init__(self, columns: list[str], values: list[Value], operator: str) -> None:
        super().__init__()
        self.lhs: list[Any] = [F(column) for column in columns]
        self.rhs: list[Any] = list(values)
        self.operator = operator

    def get_source_expressions(self) -> list[Any]:
        return [*self.lhs, *self.rhs]

    def set_source_expressions(self, exprs: Sequence[Any]) -> None:
        self.lhs, self.rhs = list(exprs[: len(self.lhs)]), list(exprs[len(self.lhs) :])

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, tuple[Any, ...]]:
        sides: list[str] = []
        params: list[Any] = []
        for side in (self.lhs, self.rhs):
            parts = []
            for expression in side:
                sql, part_params = compiler.compile(expression)
                parts.append(sql)
                params.extend(part_params)
            sides.append("({})".format(", ".join(parts)))
        return f"{sides[0]} {self.operator} {sides[1]}", tuple(params)


_INVALID_CURSOR = _("Invalid cursor: start again from the first page.")


def _unstorable(value: Any) -> bool:
    if isinstance(value, datetime):
        return datetime_problem(value) is not None
    return value_problem(value) is not None


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)  # e.g. a django-countries Country: its code


class KeysetPagination(CursorPagination):
    """Pages in the order the queryset carries (set by the FilterSet or DRF's OrderingFilter),
    else the view's ``ordering``, else the model's; the primary key breaks ties. Rows may be
    model instances or ``.values()`` dicts that include the ordering columns."""

    def paginate_queryset(self, queryset: Any, request: Request, view: Any = None) -> list[Any]:
        self.request = request
        self.page_size = self.get_page_size(request) or self.page_size
        self.base_url = request.build_absolute_uri()
        self.keys = self.get_keys(queryset, view)
        position, reverse = self.decode_position(request)
        self.position = position
        terms = [key.term for key in self.keys]
        if reverse:
            terms = [term[1:] if term.startswith("-") else f"-{term}" for term in terms]
        queryset = queryset.order_by(*terms)
        if position is not None:
            queryset = queryset.filter(self._after(position, reverse=reverse))
        rows = list(queryset[: self.page_size + 1])
        more = len(rows) > self.page_size
        self.page = rows[: self.page_size]
        if reverse:
            self.page.reverse()
            self.has_next, self.has_previous = True, more
        else:
            self.has_next, self.has_previous = more, position is not None
        self.display_page_controls = self.has_next or self.has_previous
        return self.page

    def get_keys(self, queryset: QuerySet[Any], view: Any) -> tuple[_Key, ...]:
        model: type[Model] = queryset.model
        terms = (
            queryset.query.order_by
            or getattr(view, "ordering", None)
            or model._meta.ordering
            or ("-pk",)
        )
        if isinstance(terms, str):
            terms = (terms,)
        keys: list[_Key] = []
        for term in terms:
            if not isinstance(term, str):
                raise ImproperlyConfigured(f"Keyset paging needs column orderings, not {term!r}.")
            keys.append(self._key(model, term))
            if keys[-1].field.primary_key:
                return tuple(keys)  # unique from here on
        pk = cast("Field[Any, Any]", model._meta.pk)
        return (*keys, _Key(pk.attname, keys[-1].descending if keys else False, pk))

    @staticmethod
    def _key(model: type[Model], term: str) -> _Key:
        name = term.lstrip("-")
        try:
            field = model._meta.pk if name == "pk" else model._meta.get_field(name)
        except FieldDoesNotExist:
            field = None
        if not isinstance(field, Field) or field.null or not field.concrete:
            # NULLs compare as unknown in a row comparison: such rows would never be reached.
            raise ImproperlyConfigured(
                f"Keyset paging needs NOT NULL columns of {model.__name__}, not {term!r}."
            )
        return _Key(field.attname, term.startswith("-"), field)

    def _after(self, position: list[Any], *, reverse: bool) -> Q | _RowComparison:
        descending = [key.descending != reverse for key in self.keys]
        if len(set(descending)) == 1:
            # One direction: a row comparison, which an index on the columns serves.
            values = [
                Value(v, output_field=key.field) for key, v in zip(self.keys, position, strict=True)
            ]
            columns = [key.column for key in self.keys]
            return _RowComparison(columns, values, "<" if descending[0] else ">")
        # Mixed directions: (a > x) OR (a = x AND b < y) OR (a = x AND b = y AND c > z).
        condition = Q()
        equal: dict[str, Any] = {}
        for key, value, desc in zip(self.keys, position, descending, strict=True):
            condition |= Q(**equal, **{f"{key.column}__{'lt' if desc else 'gt'}": value})
            equal[key.column] = value
        return condition

    def decode_position(self, request: Request) -> tuple[list[Any] | None, bool]:
        encoded = request.query_params.get(self.cursor_query_param)
        if encoded is None:
            return None, False
        try:
            cursor = json.loads(urlsafe_b64decode(encoded.encode("ascii")))
            if cursor["o"] != [key.term for key in self.keys]:
                raise ValueError("the cursor belongs to another ordering")
            values = cursor["p"]
            if not isinstance(values, list) or len(values) != len(self.keys):
                raise ValueError("the cursor does not match the ordering")
            position = [key.field.to_python(v) for key, v in zip(self.keys, values, strict=True)]
            if any(_unstorable(value) for value in position):
                raise ValueError("the cursor holds a value PostgreSQL cannot read")
            return position, bool(cursor.get("r"))
        except (ValueError, TypeError, KeyError, UnicodeError, binascii.Error, ValidationError):
            raise NotFound(_INVALID_CURSOR) from None

    def encode_position(self, row: Any, *, reverse: bool) -> str:
        if isinstance(row, dict):
            values = [row[key.column] for key in self.keys]
        else:
            values = [getattr(row, key.column) for key in self.keys]
        cursor = {
            "o": [key.term for key in self.keys],
            "p": [_jsonable(value) for value in values],
            "r": int(reverse),
        }
        encoded = urlsafe_b64encode(json.dumps(cursor, separators=(",", ":")).encode())
        return replace_query_param(self.base_url or "", self.cursor_query_param, encoded.decode())

    def get_next_link(self) -> str | None:
        if not self.has_next or not self.page:
            return None
        return self.encode_position(self.page[-1], reverse=False)

    def get_previous_link(self) -> str | None:
        if not self.has_previous or not self.page:
            return None
        return self.encode_position(self.page[0], reverse=True)
