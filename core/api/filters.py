from __future__ import annotations

import inspect
from functools import cache
from typing import Any

from django.db.models import QuerySet
from django_filters import FilterSet
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.request import Request


@cache
def _takes_user(filterset_class: type[FilterSet]) -> bool:
    return "user" in inspect.signature(filterset_class).parameters


class FilterBackend(DjangoFilterBackend):
    """django-filter's backend that also hands the caller to a FilterSet taking ``user``, as
    the pages do, so that one FilterSet filters the same way for both."""

    def filter_queryset(self, request: Request, queryset: QuerySet[Any], view: Any) -> Any:
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
