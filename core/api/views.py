"""The base viewsets of the API: one level under DRF's, holding what every resource repeats.

``get_queryset`` calls the class's ``selector`` with the caller (``selector =
supplier_list`` reads as ``supplier_list(user=request.user)``), so visibility is applied once,
in the selector. Filtering is the project's (``core.api.filters``: the FilterSet the list page
uses, then ``ordering_fields``), paging is keyset (``core.api.keyset``), and the permission
classes are the settings' default (the token's scope, then the role check). A resource whose
FilterSet brings its own ``ordering`` sets ``filter_backends = [FilterBackend]``.

What holds for every resource, whatever it overrides: only a ``list`` filters and pages (a
detail route or an action takes no list parameters, as the schema says); a body that no parser
of the view reads is a 415; and a token's scope (``accounts.permissions.TokenScopePermission``,
from the view's ``token_scope``) is checked even where a view lists permissions of its own.

A viewset that names its ``change_resource`` (its model is ``@in_feed`` under that name, see
``core.feed``) offers ``?changes_after=<cursor>`` on its list (``core.api.changes``), and
the change feed asks its permissions and selector who may see which of its changes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, ClassVar, TypeVar, cast

from django.db.models import Model, QuerySet
from rest_framework import exceptions, mixins, viewsets
from rest_framework.filters import BaseFilterBackend
from rest_framework.pagination import BasePagination
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.settings import api_settings

from core.api.changes import SyncKeysetPagination, register_feed_view
from core.api.filters import FilterBackend, OrderingBackend
from core.api.keyset import KeysetPagination

_M = TypeVar("_M", bound=Model)


def _has_body(request: Request) -> bool:
    meta = request.META
    try:
        length = int(meta.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    return length > 0 or "HTTP_TRANSFER_ENCODING" in meta


class ApiViewSet(viewsets.GenericViewSet[_M]):
    """A resource's viewset without any action yet: add DRF's mixins (or use the classes
    below) and ``@action``s that call services."""

    # Called as selector(user=request.user); a plain function, not a method.
    selector: ClassVar[Callable[..., QuerySet[Any]]]
    filter_backends: Sequence[type[BaseFilterBackend]] = [FilterBackend, OrderingBackend]
    pagination_class: type[BasePagination] | None = KeysetPagination
    # The name of this list in the change feed: set, the list takes ?changes_after=.
    change_resource: ClassVar[str | None] = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.__dict__.get("change_resource"):
            register_feed_view(cls)
            if cls.pagination_class is KeysetPagination:
                cls.pagination_class = SyncKeysetPagination

    def get_queryset(self) -> QuerySet[_M]:
        return type(self).selector(user=self.request.user)

    def filter_queryset(self, queryset: QuerySet[_M, Any]) -> QuerySet[_M, Any]:
        # Only a list filters and orders by its query parameters: a detail route or an action
        # finds its object by id alone, as the schema documents them (no list parameters).
        if getattr(self, "action", None) != "list":
            return queryset
        return super().filter_queryset(queryset)

    def paginate_queryset(self, queryset: Any) -> Any:
        # Only a list pages: an action answering several objects answers them all, and the
        # schema (core.api.schema.AutoSchema) gives it no paging parameters.
        if getattr(self, "action", None) != "list":
            return None
        return super().paginate_queryset(queryset)

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        # A body no parser of the view reads is a 415 up front. Left to DRF, a form body that
        # a middleware has read already (request.POST) would come through as no data at all.
        if _has_body(request) and (
            self.get_content_negotiator().select_parser(request, self.get_parsers()) is None
        ):
            raise exceptions.UnsupportedMediaType(request.content_type)

    def check_permissions(self, request: Request) -> None:
        # The default permissions marked ``every_view`` (a token's scopes) hold for every
        # view, also one that lists permission classes of its own or an action's.
        own = self.get_permissions()
        # Imported classes at run time, though the stubs type the setting as strings.
        defaults = cast("list[type[BasePermission]]", api_settings.DEFAULT_PERMISSION_CLASSES)
        for permission_class in defaults:
            if (
                getattr(permission_class, "every_view", False)
                and not any(isinstance(permission, permission_class) for permission in own)
                and not permission_class().has_permission(request, self)
            ):
                self.permission_denied(request)
        super().check_permissions(request)


class ReadOnlyApiViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet[_M]):
    """A resource read through the API and changed only by actions (or not at all)."""


class ModelApiViewSet(
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    ApiViewSet[_M],
):
    """A resource created, read, changed and deleted through the API: the ``perform_*``
    methods call the app's services."""
