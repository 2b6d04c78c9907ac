"""Bulk requests: reading a body of thousands of rows with a cap of its own, and answers.

A bulk upsert carries far more than DATA_UPLOAD_MAX_MEMORY_SIZE (which DRF applies to every
JSON body it parses), so its view reads the body itself with ``read_json_body``: a declared
Content-Length over ``BULK_MAX_BYTES`` is refused with 413 before a byte is read, and the
stream is read no further than one byte past the cap, so a body without a length (chunked)
is cut off too.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import BaseParser
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from core.api.exceptions import error_body
from core.api.parsers import loads
from core.bulk import MAX_ROWS, BulkValidationError, UpsertResult

# Room for 5,000 rich rows with some margin; bigger batches should be split by the client.
BULK_MAX_BYTES = 16 * 1024 * 1024
_CHUNK = 64 * 1024


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "payload_too_large"
    default_detail = gettext_lazy("The request is too large.")


def read_limited(stream: Any, *, meta: dict[str, Any], limit: int) -> bytes:
    """The body from ``stream``, or 413 when it is (or says it is) over ``limit`` bytes."""
    too_large = PayloadTooLarge(
        _("The body is over %(limit)d bytes: send less per request.") % {"limit": limit}
    )
    declared = meta.get("CONTENT_LENGTH") or ""
    if declared:
        try:
            length = int(declared)
        except ValueError:
            raise exceptions.ParseError(_("The Content-Length header is not a number.")) from None
        if length > limit:
            raise too_large
    chunks: list[bytes] = []
    size = 0
    while size <= limit:
        chunk = stream.read(min(_CHUNK, limit + 1 - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    if size > limit:
        raise too_large
    return b"".join(chunks)


def parse_json(body: bytes, encoding: str = "utf-8") -> Any:
    """The body's JSON as the API's parser reads it (core.api.parsers); what PostgreSQL cannot
    store is left for the row checks, which name it by row and field."""
    try:
        text = body.decode(encoding)
    except UnicodeDecodeError as error:
        raise exceptions.ParseError(_("JSON parse error: %(error)s") % {"error": error}) from None
    return loads(text)


class UnreadBodyParser(BaseParser):
    """Declares the JSON media type of a bulk endpoint but reads nothing: the view reads the
    body with ``read_json_body``. DRF's JSONParser would go through ``request.body`` (capped
    at DATA_UPLOAD_MAX_MEMORY_SIZE) whenever something touched ``request.data`` or
    ``request.POST`` first, as a session's CSRF check does."""

    media_type = "application/json"

    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        return {}


def read_json_body(request: Request, *, max_bytes: int | None = None) -> Any:
    """The request's JSON body, read at most ``max_bytes`` (default ``BULK_MAX_BYTES``) far:
    413 beyond that, 400 when it is not JSON, 415 when it is not sent as JSON."""
    if request.content_type.split(";")[0].strip().lower() != "application/json":
        raise exceptions.UnsupportedMediaType(request.content_type)
    limit = BULK_MAX_BYTES if max_bytes is None else max_bytes
    # From the request itself, not DRF's stream, which is None when there is no length.
    return parse_json(read_limited(request._request, meta=request.META, limit=limit))


def too_many_rows(max_rows: int) -> PayloadTooLarge:
    return PayloadTooLarge(
        _("At most %(max)d rows per request: split the batch.") % {"max": max_rows}
    )


def invalid_rows_response(errors: list[dict[str, Any]]) -> Response:
    """400 in the API's error shape, with every problem of the batch as {row, field, message}
    in place of ``fields``."""
    body = error_body(
        status_code=status.HTTP_400_BAD_REQUEST,
        code="invalid_rows",
        message=_("Nothing was written: the batch has %(count)d problem(s).")
        % {"count": len(errors)},
    )
    body["error"]["errors"] = errors
    return Response(body, status=status.HTTP_400_BAD_REQUEST)


def bulk_upsert_response(request: Request, upsert: Callable[..., UpsertResult]) -> Response:
    """Runs ``upsert(rows=…, by=…)`` on the request's rows: 200 with the counts and a result
    per row, 400 listing every problem (nothing written), 413 over ``MAX_ROWS`` rows."""
    rows = read_json_body(request)
    if isinstance(rows, list) and len(rows) > MAX_ROWS:
        raise too_many_rows(MAX_ROWS)
    try:
        result = upsert(rows=rows, by=request.user)
    except BulkValidationError as error:
        return invalid_rows_response(error.errors)
    # Built by hand: dataclasses.asdict deep-copies every one of up to 5,000 result rows.
    return Response(
        {
            "created": result.created,
            "updated": result.updated,
            "unchanged": result.unchanged,
            "results": result.results,
        }
    )


def bulk_upsert_action(
    rows: serializers.BaseSerializer[Any],
    result: type[serializers.BaseSerializer[Any]],
    permission_classes: Sequence[type[BasePermission]],
) -> Callable[[Callable[..., Response]], Any]:
    """Decorates a viewset method as ``POST …/bulk-upsert/`` with its schema: ``rows`` is the
    request (``Row(many=True)``), ``result`` the 200 answer."""
    schema = extend_schema(
        request=rows,
        responses={
            200: result,
            400: OpenApiResponse(
                InvalidRowsSerializer,
                description=gettext_lazy(
                    "Nothing was written; every problem is listed by row and field."
                ),
            ),
            413: OpenApiResponse(
                ErrorSerializer,
                description=gettext_lazy("Over 5,000 rows, or the body is over 16 MB."),
            ),
        },
    )
    # A fresh action each time: drf-spectacular keeps its schema in the action's kwargs.
    endpoint = action(
        detail=False,
        methods=["post"],
        url_path="bulk-upsert",
        parser_classes=[UnreadBodyParser],
        permission_classes=list(permission_classes),
    )
    return lambda method: schema(endpoint(method))


# --- Schema -------------------------------------------------------------------------------------


class ErrorDetailSerializer(serializers.Serializer[Any]):
    status = serializers.IntegerField()
    code = serializers.CharField()
    message = serializers.CharField()


class ErrorSerializer(serializers.Serializer[Any]):
    """Any API error: ``{"error": {"status", "code", "message"}}``."""

    error = ErrorDetailSerializer()


class RowErrorSerializer(serializers.Serializer[Any]):
    row = serializers.IntegerField(
        allow_null=True, help_text=gettext_lazy("0-based index in the list; null: the batch.")
    )
    field = serializers.CharField(allow_null=True)
    message = serializers.CharField()


class InvalidRowsSerializer(serializers.Serializer[Any]):
    """A refused batch: ``code`` is ``invalid_rows`` and ``errors`` lists every problem."""

    error = inline_serializer(
        "InvalidRowsDetail",
        fields={
            "status": serializers.IntegerField(),
            "code": serializers.CharField(),
            "message": serializers.CharField(),
            "errors": RowErrorSerializer(many=True),
        },
    )


class UpsertCountsSerializer(serializers.Serializer[Any]):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
