"""The base of every FilterSet, which one list page and its API endpoint share.

- It takes the caller (``user=``, else the request's), as the pages and
  ``core.api.filters.FilterBackend`` hand it, for filters whose choices or meaning depend on
  who asks. Each filter named in ``visible_choices`` offers (and accepts) only what a
  visibility selector gives that caller, so an id the caller may not see is refused like one
  that does not exist. (Built with no caller, a selector's own FilterSet narrows nothing: it
  filters rows the selector has already narrowed.)
- A NUL character in one of its parameters is an error naming the parameter (PostgreSQL
  refuses NUL in text, and psycopg2 in any parameter), on a page as in the API.
- ``updated_since`` (on ``updated_at``) is what every synced list takes; a FilterSet that
  does not offer it (its model has no ``updated_at``, or nobody syncs it) sets
  ``updated_since = None``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from core.api.filters import NUL_MESSAGE, IsoDateTimeFilter


def _values(data: Any, name: str) -> list[Any]:
    if hasattr(data, "getlist"):
        return list(data.getlist(name))
    value = data.get(name)
    return list(value) if isinstance(value, list | tuple) else [value]


class FilterSet(django_filters.FilterSet):
    """django-filter's FilterSet that takes the caller, refuses NUL and filters by
    ``updated_since``."""

    # filter name → selector(user) giving the choices that caller may pick
    visible_choices: ClassVar[Mapping[str, Callable[[Any], Any]]] = {}
    updated_since: IsoDateTimeFilter | None = IsoDateTimeFilter(
        field_name="updated_at",
        lookup_expr="gte",
        label=_("Updated since"),
        help_text=_(
            "Rows stamped at or after this time. Rows are stamped when a request starts and "
            "become visible when it commits, so a slow batch stamped before a quicker write "
            "can be missed: sync with changes_after instead, which loses nothing."
        ),
    )

    def __init__(
        self,
        data: Any = None,
        queryset: Any = None,
        *,
        request: Any = None,
        prefix: str | None = None,
        user: Any = None,
    ) -> None:
        super().__init__(data, queryset, request=request, prefix=prefix)
        self.user = user if user is not None else getattr(request, "user", None)
        if self.user is not None:
            for name, selector in self._visible_choices().items():
                if name in self.filters:  # a subclass may leave an inherited filter out
                    self.filters[name].queryset = selector(self.user)

    @classmethod
    def _visible_choices(cls) -> dict[str, Callable[[Any], Any]]:
        merged: dict[str, Callable[[Any], Any]] = {}
        for klass in reversed(cls.__mro__):
            merged.update(klass.__dict__.get("visible_choices", {}))
        return merged

    @property
    def form(self) -> forms.Form:
        if not hasattr(self, "_form"):
            form: forms.Form = super().form
            if self.is_bound:
                form.full_clean()
                for name in list(form.fields):
                    values = _values(self.data, form.add_prefix(name))
                    if any(isinstance(v, str) and "\x00" in v for v in values):
                        form.add_error(name, str(NUL_MESSAGE))
        return self._form
