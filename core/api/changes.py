"""The change feed over the API (the reading rules are ``core.changes``):

- ``GET /api/v1/changes/?after=<cursor>&resource=suppliers,contacts&page_size=N``: what
  changed, deletions and ends included, as (resource, id, action, at).
- ``?changes_after=<cursor>`` on every list whose viewset names its ``change_resource``: the
  current rows changed after the cursor, in the list's own representation.

Both answer ``{"results": […], "next": <URL>, "cursor": <opaque>, "has_more": bool}``. ``next``
is always a URL: on the last page it is the one to poll later. ``0`` (or no cursor on the
feed) starts from the beginning of what is kept; a malformed cursor is a 400 naming the
parameter, one older than the retention a 410 ``cursor_expired``.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param
from rest_framework.views import APIView

from core.api.bulk import ErrorSerializer
from core.api.keyset import KeysetPagination
from core.changes import ChangePage, Position, change_page, changed_rows_page, decode_cursor
from core.changes import encode_cursor as encode
from core.feed import ACTIONS, RESOURCES

CHANGES_AFTER = "changes_after"
AFTER = "after"

# resource → the list's viewset (registered by core.api.views.ApiViewSet): the feed asks its
# permissions and its selector who may see what.
FEED_VIEWS: dict[str, type[Any]] = {}


def register_feed_view(view_class: type[Any]) -> None:
    resource = view_class.change_resource
    if resource not in RESOURCES:
        raise ValueError(f"{view_class.__name__}: {resource!r} is not in the feed (core.feed)")
    FEED_VIEWS[resource] = view_class


def _position(request: Request, parameter: str) -> Position:
    value = request.query_params.get(parameter, "0")
    try:
        return decode_cursor(value)
    except ValueError:
        raise exceptions.ValidationError(
            {parameter: [_("Not a cursor: send back one this API gave, or 0.")]}
        ) from None


def _envelope(request: Request, parameter: str, results: Any, page: ChangePage) -> Response:
    cursor = encode(page.cursor)
    url = remove_query_param(request.build_absolute_uri(), "cursor")
    return Response(
        {
            "results": results,
            "next": replace_query_param(url, parameter, cursor),
            "cursor": cursor,
            "has_more": page.has_more,
        }
    )


_CHANGES_AFTER_DESCRIPTION = gettext_lazy(
    "Incremental sync that loses nothing: the rows changed after this cursor, in the order "
    "of their changes (`0` = every row). Send back the `cursor` (or follow `next`) of each "
    "answer; on the last page (`has_more` false) `next` is the URL to poll later. Deleted "
    "and ended rows are in `/api/v1/changes/`. A cursor older than the retention is a 410 "
    "`cursor_expired`: sync again from 0. `ordering` and `cursor` do not apply."
)


class SyncKeysetPagination(KeysetPagination):
    """A list's keyset paging, and ``?changes_after=`` when the request has it."""

    page_size_query_param = "page_size"

    def paginate_queryset(self, queryset: Any, request: Request, view: Any = None) -> list[Any]:
        self.change_page: ChangePage | None = None
        if CHANGES_AFTER not in request.query_params:
            return super().paginate_queryset(queryset, request, view)
        self.request = request
        position = _position(request, CHANGES_AFTER)
        rows, self.change_page = changed_rows_page(
            queryset,
            resource=view.change_resource,
            after=position,
            limit=self.get_page_size(request) or self.page_size,
        )
        return rows

    def get_paginated_response(self, data: Any) -> Response:
        if self.change_page is None:
            return super().get_paginated_response(data)
        return _envelope(self.request, CHANGES_AFTER, data, self.change_page)

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return [
            *super().get_schema_operation_parameters(view),
            {
                "name": CHANGES_AFTER,
                "required": False,
                "in": "query",
                "description": str(_CHANGES_AFTER_DESCRIPTION),
                "schema": {"type": "string", "maxLength": 64},
            },
        ]

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        paged = super().get_paginated_response_schema(schema)
        paged["properties"]["cursor"] = {
            "type": "string",
            "description": "With `changes_after`: the cursor to send next.",
        }
        paged["properties"]["has_more"] = {
            "type": "boolean",
            "description": "With `changes_after`: more changes wait now; false = caught up.",
        }
        return paged


class ChangeSerializer(serializers.Serializer[Any]):
    resource = serializers.ChoiceField(choices=())
    id = serializers.IntegerField()
    action = serializers.ChoiceField(choices=list(ACTIONS))
    at = serializers.DateTimeField(help_text=gettext_lazy("When the writing transaction began."))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["resource"].choices = sorted(FEED_VIEWS)  # type: ignore[attr-defined]


class ChangeFeedSerializer(serializers.Serializer[Any]):
    results = ChangeSerializer(many=True)
    next = serializers.URLField(help_text=gettext_lazy("Always a URL: the next page, or the poll."))
    cursor = serializers.CharField()
    has_more = serializers.BooleanField()


class ChangeFeedView(APIView):
    """What changed, in the order it committed: one entry per object for its latest change,
    deletions and ends included. Each entry names the resource (the list it belongs to), the
    id, the action and when. It lists ids only, of the resources the caller may list, and of
    those only objects the caller may see (a deleted one can no longer be asked about: its
    id is listed to whoever may list its resource)."""

    token_scope = "changes"  # noqa: S105 (a scope's name, not a secret)
    default_page_size = 100
    max_page_size = 1000

    def _resources(self, request: Request) -> list[str]:
        readable = [name for name in sorted(FEED_VIEWS) if self._may_list(request, name)]
        asked = request.query_params.get("resource")
        if not asked:
            return readable
        names = [name.strip() for name in asked.split(",") if name.strip()]
        unknown = [name for name in names if name not in FEED_VIEWS]
        if unknown or not names:
            raise exceptions.ValidationError(
                {
                    "resource": [
                        _("Unknown resource: %(unknown)s. Known: %(known)s.")
                        % {"unknown": ", ".join(unknown), "known": ", ".join(sorted(FEED_VIEWS))}
                    ]
                }
            )
        refused = [name for name in names if name not in readable]
        if refused:
            raise exceptions.PermissionDenied(
                _("You may not read: %(names)s.") % {"names": ", ".join(refused)}
            )
        return names

    def _list_view(self, request: Request, resource: str) -> Any:
        return FEED_VIEWS[resource](
            request=request, action="list", args=(), kwargs={}, format_kwarg=None
        )

    def _may_list(self, request: Request, resource: str) -> bool:
        # The list's own check, as a request to it would run it: its role permissions and
        # the token's scope for that resource (``suppliers:read`` for suppliers' changes).
        try:
            self._list_view(request, resource).check_permissions(request)
        except (exceptions.PermissionDenied, exceptions.NotAuthenticated):
            return False
        return True

    def _page_size(self, request: Request) -> int:
        try:
            size = int(request.query_params.get("page_size", self.default_page_size))
        except ValueError:
            size = self.default_page_size
        return max(1, min(size, self.max_page_size))

    @extend_schema(
        operation_id="changes_list",
        parameters=[
            OpenApiParameter(
                AFTER,
                OpenApiTypes.STR,
                description=(
                    "The `cursor` of the last answer (`0` or none: from the beginning of what "
                    "is kept). A cursor older than the retention is a 410 `cursor_expired`."
                ),
            ),
            OpenApiParameter(
                "resource",
                OpenApiTypes.STR,
                description="Only these resources, comma-separated (e.g. `suppliers,contacts`).",
            ),
            OpenApiParameter(
                "page_size", OpenApiTypes.INT, description="At most 1,000; 100 by default."
            ),
        ],
        responses={
            200: ChangeFeedSerializer,
            410: OpenApiResponse(
                ErrorSerializer,
                description="`cursor_expired`: the cursor is older than the retention.",
            ),
        },
    )
    def get(self, request: Request) -> Response:
        position = _position(request, AFTER)
        resources = self._resources(request)
        page = change_page(after=position, limit=self._page_size(request), resources=resources)
        by_resource: dict[str, list[int]] = defaultdict(list)
        for row in page.rows:
            # A deletion's object is gone: nothing to ask the selector (see the docstring).
            if row["action"] != RESOURCES[row["resource"]].deleted_as:
                by_resource[row["resource"]].append(row["object_id"])
        # One query per resource in the page (at most the number of resources), not per row.
        visible = {
            resource: set(
                self._list_view(request, resource)
                .get_queryset()
                .filter(pk__in=ids)
                .values_list("pk", flat=True)
            )
            for resource, ids in by_resource.items()
        }
        moment = serializers.DateTimeField()
        results = [
            {
                "resource": row["resource"],
                "id": row["object_id"],
                "action": row["action"],
                "at": moment.to_representation(row["at"]),
            }
            for row in page.rows
            if row["action"] == RESOURCES[row["resource"]].deleted_as
            or row["object_id"] in visible[row["resource"]]
        ]
        return _envelope(request, AFTER, results, page)
