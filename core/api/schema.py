"""Additions to the generated OpenAPI schema that no single view declares."""

from __future__ import annotations

from typing import Any

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


def add_idempotency_header(result: dict[str, Any], **_kwargs: Any) -> dict[str, Any]:
    """A drf-spectacular postprocessing hook: every POST documents ``Idempotency-Key``."""
    for operations in result.get("paths", {}).values():
        operation = operations.get("post")
        if operation is not None:
            operation.setdefault("parameters", []).append(dict(IDEMPOTENCY_HEADER))
    return result
