"""The generated OpenAPI schema made true to what the API does, so that client generators and
fuzzers can trust it.

- ``AutoSchema`` (the settings' ``DEFAULT_SCHEMA_CLASS``): only a ``list`` has filter, ordering
  and paging parameters (an ``@action`` answering a list is not paged); each operation says
  the token scope it needs (``x-required-scope``, ``core.api.scopes``); and one rule for
  blank values: a text field that may be blank (``allow_blank``, or a model field with
  ``blank=True``, which DRF forgets for read-only fields) documents no ``format`` (``uri``,
  ``email``), since ``""`` satisfies none, and a choice field that may be blank has ``""`` in
  its enum.
- ``document_errors`` (a postprocessing hook): every operation lists the error statuses it
  can answer, each with the one ``Error`` shape of ``core.api.exceptions``.
- ``add_idempotency_header``: every POST documents ``Idempotency-Key`` (``core.idempotency``).
"""

from __future__ import annotations

import copy
from collections import defaultdict
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.translation import gettext_lazy as _
from drf_spectacular import openapi
from rest_framework import serializers

from core.api.scopes import FULL_SCOPE, required_scope

IDEMPOTENCY_HEADER = {
    "in": "header",
    "name": "Idempotency-Key",
    "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": 255},
    "description": (
        "Send a key of your own (a UUID, say) to make a POST safe to retry: within 24 hours "
        "the same key and body replay the first answer (with `Idempotent-Replayed: true`) "
        "and write nothing again; the same key with another body is 422, and while the "
        "first request still runs, 409."
    ),
}

PAGED_ACTIONS = frozenset({"list"})


def _model_field(field: serializers.Field) -> models.Field[Any, Any] | None:
    parent = getattr(field, "parent", None)
    model = getattr(getattr(parent, "Meta", None), "model", None)
    source = getattr(field, "source", None)
    if model is None or not source or source == "*" or "." in source:
        return None
    try:
        found = model._meta.get_field(source)
    except FieldDoesNotExist:
        return None
    return found if isinstance(found, models.Field) else None


def may_be_blank(field: Any) -> bool:
    """A text field whose value may be ``""``: it allows blank, or (read-only, where DRF drops
    ``allow_blank``) its model field does."""
    if not isinstance(field, serializers.CharField | serializers.ChoiceField):
        return False
    if getattr(field, "allow_blank", False):
        return True
    if not field.read_only:
        return False  # what the serializer accepts, which may be stricter than the model
    model_field = _model_field(field)
    return bool(
        model_field is not None
        and model_field.blank
        and isinstance(model_field, models.CharField | models.TextField)
    )


def _drop_format(schema: dict[str, Any]) -> None:
    # drf-spectacular documents a blankable formatted string as oneOf [formatted, maxLength 0].
    options = schema.get("oneOf")
    if (
        isinstance(options, list)
        and len(options) == 2
        and options[1] == {"type": "string", "maxLength": 0}
    ):
        inner = schema.pop("oneOf")[0]
        for key, value in inner.items():
            schema.setdefault(key, value)
    schema.pop("format", None)
    schema.pop("pattern", None)
    if schema.get("minLength") == 1:
        schema.pop("minLength")


class AutoSchema(openapi.AutoSchema):
    def _paged(self) -> bool:
        action = getattr(self.view, "action", None)
        return action is None or action in PAGED_ACTIONS

    def get_filter_backends(self) -> list[Any]:
        if not self._paged():
            return []
        return super().get_filter_backends()

    def _get_paginator(self) -> Any:
        if not self._paged():
            return None
        return super()._get_paginator()

    def get_operation(self, *args: Any, **kwargs: Any) -> Any:
        operation = super().get_operation(*args, **kwargs)
        if operation is not None:
            operation["x-required-scope"] = required_scope(self.view, self.method)
        return operation

    def _map_serializer_field(
        self, field: Any, direction: str, bypass_extensions: bool = False
    ) -> Any:
        blank = may_be_blank(field)
        if blank and isinstance(field, serializers.ChoiceField) and not field.allow_blank:
            field = copy.copy(field)
            field.allow_blank = True  # read-only: DRF dropped it, the value may still be ""
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if blank and isinstance(field, serializers.CharField) and isinstance(schema, dict):
            _drop_format(schema)
        return schema

    def _insert_field_validators(self, field: Any, schema: dict[str, Any]) -> None:
        super()._insert_field_validators(field, schema)  # adds formats from the validators
        if may_be_blank(field) and isinstance(field, serializers.CharField):
            _drop_format(schema)


def add_idempotency_header(result: dict[str, Any], **_kwargs: Any) -> dict[str, Any]:
    """A drf-spectacular postprocessing hook: every POST documents ``Idempotency-Key``."""
    for operations in result.get("paths", {}).values():
        operation = operations.get("post")
        if operation is not None:
            operation.setdefault("parameters", []).append(dict(IDEMPOTENCY_HEADER))
    return result


# --- Errors -------------------------------------------------------------------------------------

ERROR_COMPONENT = "Error"
ERROR_REF = {"$ref": f"#/components/schemas/{ERROR_COMPONENT}"}
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
# The change feed's cursors (``/api/v1/changes/?after=``, a list's ``?changes_after=``).
CHANGE_CURSORS = frozenset({"after", "changes_after"})

# What core.api.exceptions.error_body (and core.api.bulk, core.middleware, core.idempotency)
# return for every error.
ERROR_SCHEMAS: dict[str, Any] = {
    ERROR_COMPONENT: {
        "type": "object",
        "description": (
            "Every error of the API: `status` repeats the HTTP status, `code` is stable (clients "
            "may rely on it: `invalid`, `not_found`, `permission_denied`, `missing_scope`, "
            "`not_authenticated`, `authentication_failed`, `throttled`, `protected`, "
            "`payload_too_large`, `unsupported_media_type`, `invalid_rows`, a service's own "
            "such as `rfp_state`), `message` is for people. A validation error (`invalid`) "
            "adds `fields`; a refused batch (`invalid_rows`) adds `errors`."
        ),
        "properties": {"error": {"$ref": "#/components/schemas/ErrorDetail"}},
        "required": ["error"],
    },
    "ErrorDetail": {
        "type": "object",
        "properties": {
            "status": {"type": "integer"},
            "code": {"type": "string"},
            "message": {"type": "string"},
            "fields": {
                "type": "object",
                "description": (
                    "Only for `invalid`: the messages of each field (or `non_field_errors`), a "
                    "list of strings; a nested field's are keyed by its path "
                    "(`commitments.2.title`) or nested as the input is."
                ),
                "additionalProperties": {},
            },
            "errors": {
                "type": "array",
                "description": "Only for `invalid_rows`: every problem of the batch.",
                "items": {"$ref": "#/components/schemas/ErrorRow"},
            },
        },
        "required": ["status", "code", "message"],
    },
    "ErrorRow": {
        "type": "object",
        "properties": {
            "row": {
                "type": "integer",
                "nullable": True,
                "description": "0-based index in the list; null: the batch.",
            },
            "field": {"type": "string", "nullable": True},
            "message": {"type": "string"},
        },
        "required": ["row", "field", "message"],
    },
}

ERROR_DESCRIPTIONS = {
    "400": _("`invalid`: a field, parameter or the body is wrong; `fields` names each."),
    "401": _("No token or session, or the token is not valid or was revoked."),
    "403": _(
        "`permission_denied`: the caller's role may not do this; `missing_scope`: the token "
        "lacks the scope in `x-required-scope`."
    ),
    "404": _("`not_found`: no such object among those the caller may see, or a stale cursor."),
    "409": _(
        "A business rule refused it in the object's present state (a service's code), a "
        "delete that other records still need (`protected`), or a request with the same "
        "`Idempotency-Key` still running."
    ),
    "410": _(
        "`cursor_expired`: the cursor is older than the changes kept; start again with "
        "`changes_after=0`."
    ),
    "413": _("`payload_too_large`: the body is over the size limit."),
    "415": _("`unsupported_media_type`: send the body as the documented media type."),
    "422": _("`idempotency_key_reused`: the `Idempotency-Key` came with another request."),
    "429": _("`throttled`: too many requests for this token; wait as `Retry-After` says."),
}


def _error_statuses(method: str, operation: dict[str, Any]) -> set[str]:
    parameters = operation.get("parameters", [])
    inputs = {parameter["in"] for parameter in parameters}
    names = {parameter["name"] for parameter in parameters}
    body = "requestBody" in operation
    statuses = {"401", "403", "429"}
    if body or inputs - {"path"}:
        statuses.add("400")
    if "path" in inputs or "cursor" in names:
        statuses.add("404")  # no such object; a cursor that does not fit
    if names & CHANGE_CURSORS:
        statuses.add("410")  # a change cursor older than the feed keeps
    if method in ("post", "delete"):
        statuses.add("409")  # POST: the same Idempotency-Key still running; DELETE: protected
    if body:
        statuses |= {"413", "415"}
    if "Idempotency-Key" in names:
        statuses.add("422")
    return statuses


def _error_response(existing: dict[str, Any] | None, status: str) -> dict[str, Any]:
    description = (existing or {}).get("description") or str(ERROR_DESCRIPTIONS.get(status, ""))
    return {"description": description, "content": {"application/json": {"schema": ERROR_REF}}}


def document_errors(result: dict[str, Any], **_kwargs: Any) -> dict[str, Any]:
    """A postprocessing hook (after ``add_idempotency_header``): every operation documents
    the 4xx statuses it can answer (``_error_statuses``), each as the one ``Error`` shape,
    also those a view declared with a description of its own."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.pop("InvalidRows", None)
    schemas.pop("InvalidRowsDetail", None)
    schemas.pop("RowError", None)
    schemas.update(copy.deepcopy(ERROR_SCHEMAS))
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            if method not in METHODS:
                continue
            responses = operation.setdefault("responses", {})
            declared = {code for code in responses if code.startswith("4")}
            for status in sorted(declared | _error_statuses(method, operation)):
                responses[status] = _error_response(responses.get(status), status)
    return result


def document_scopes(result: dict[str, Any], **_kwargs: Any) -> dict[str, Any]:
    """A postprocessing hook: the token scheme's description lists the resources a scope may
    name, with the paths each covers (from the operations' ``x-required-scope``)."""
    paths: dict[str, set[str]] = defaultdict(set)
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            scope = operation.get("x-required-scope") if method in METHODS else None
            if scope and scope != FULL_SCOPE:
                paths[scope.partition(":")[0]].add(path)
    scheme = result.get("components", {}).get("securitySchemes", {}).get("tokenAuth")
    if scheme is not None and paths:
        lines = [
            f"- `{resource}`: "
            + ", ".join(f"`{path}`" for path in sorted(paths[resource], key=len)[:6])
            + (", …" if len(paths[resource]) > 6 else "")
            for resource in sorted(paths)
        ]
        scheme["description"] = (
            scheme.get("description", "") + "\n\nResources:\n" + "\n".join(lines)
        )
    return result
