"""Filtering and ordering for every list of the API, one way each.

- ``FilterBackend``: django-filter's backend handing the caller to FilterSets that take
  ``user``; a NUL character in any query parameter is a 400 naming it.
- ``IsoDateTimeFilter``: every date-time filter (``updated_since`` and the others); an offset
  PostgreSQL cannot read (``-21:08``) is a 400 naming the parameter, not a 500.
- ``OrderingFilter`` (in a FilterSet) and ``OrderingBackend`` (for a view's
  ``ordering_fields``): the allowed orderings are listed explicitly, the schema gives them as
  an enum, and anything else is a 400 listing them. Keyset paging (core/api/keyset.py) needs
  NOT NULL columns: tests/core/test_odd_input.py pages every list by every allowed ordering.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable, Mapping
from functools import cache
from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters import FilterSet
from django_filters.fields import IsoDateTimeField
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import exceptions
from rest_framework.filters import OrderingFilter as DRFOrderingFilter
from rest_framework.request import Request

from core.storable import datetime_problem


@cache
def _takes_user(filterset_class: type[FilterSet]) -> bool:
    return "user" in inspect.signature(filterset_class).parameters


NUL_MESSAGE = gettext_lazy("Text may not contain NUL characters (\\u0000).")


def refuse_nul_parameters(request: Request) -> None:
    """PostgreSQL refuses NUL in text, and psycopg2 in any parameter: 400 naming them."""
    bad = {
        name: [NUL_MESSAGE]
        for name, values in request.query_params.lists()
        if "\x00" in name or any("\x00" in value for value in values)
    }
    if bad:
        raise exceptions.ValidationError(bad)


class FilterBackend(DjangoFilterBackend):
    """django-filter's backend that also hands the caller to a FilterSet taking ``user``, as
    the pages do, so that one FilterSet filters the same way for both."""

    def filter_queryset(self, request: Request, queryset: QuerySet[Any], view: Any) -> Any:
        refuse_nul_parameters(request)
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is not None and not request.query_params.keys() & set(
            filterset_class.base_filters
        ):
            # Nothing to filter by: a FilterSet with no data filters nothing, and building one
            # (its form, its choices) costs milliseconds on every plain list request.
            return queryset
        return super().filter_queryset(request, queryset, view)

    def get_filterset(self, request: Request, queryset: QuerySet[Any], view: Any) -> Any:
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is None:
            return None
        kwargs = self.get_filterset_kwargs(request, queryset, view)
        if _takes_user(filterset_class):
            kwargs["user"] = request.user
        return filterset_class(**kwargs)


class StorableIsoDateTimeField(IsoDateTimeField):
    def to_python(self, value: Any) -> Any:
        moment = super().to_python(value)
        problem = datetime_problem(moment) if moment is not None else None
        if problem is not None:
            raise forms.ValidationError(problem, code="invalid")
        return moment


class IsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    """An ISO 8601 date-time that PostgreSQL can read: the one date-time filter of the app."""

    field_class = StorableIsoDateTimeField


def _sort_by_message(allowed: list[str]) -> str:
    if not allowed:
        return _("This list has a fixed order: leave out ordering.")
    return _("Sort by one of: %(allowed)s.") % {"allowed": ", ".join(allowed)}


_lazy_sort_by_message = lazy(_sort_by_message, str)


class OrderingFilter(django_filters.OrderingFilter):
    """django-filter's ordering whose error lists the allowed values."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        allowed = [value for value, _label in self.extra["choices"]]
        self.extra["error_messages"] = {"invalid_choice": _lazy_sort_by_message(allowed)}


class OrderingBackend(DRFOrderingFilter):
    """DRF's ``?ordering=`` over a view's explicit ``ordering_fields`` (none when it declares
    none): a value not among them is a 400 listing them, not silently ignored."""

    def get_valid_fields(
        self, queryset: QuerySet[Any], view: Any, context: Mapping[str, Any] | None = None
    ) -> list[tuple[str, str]]:
        return [(name, name) for name in getattr(view, "ordering_fields", None) or []]

    def allowed(self, view: Any) -> list[str]:
        names = [name for name, _label in self.get_valid_fields(QuerySet(), view)]
        return [term for name in names for term in (name, f"-{name}")]

    def remove_invalid_fields(
        self, queryset: QuerySet[Any], fields: Iterable[str], view: Any, request: Request
    ) -> list[str]:
        allowed = self.allowed(view)
        terms = list(fields)
        if any(term not in allowed for term in terms):
            raise exceptions.ValidationError({self.ordering_param: [_sort_by_message(allowed)]})
        return terms

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        allowed = self.allowed(view)
        if not allowed:
            return []
        return [
            {
                "name": self.ordering_param,
                "required": False,
                "in": "query",
                "description": _("Which fields to sort by, comma-separated."),
                "schema": {"type": "array", "items": {"type": "string", "enum": allowed}},
                "style": "form",
                "explode": False,
            }
        ]
