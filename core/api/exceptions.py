"""One error shape for the whole API:

    {"error": {"status": 400, "code": "invalid", "message": "…", "fields": {"name": ["…"]}}}

``fields`` appears only for validation errors and maps each field (or "non_field_errors")
to its messages. Every API error, from DRF, Django or a service, takes this shape. A unique
key the database caught is a 400 naming the field (``core.integrity``), a delete that other
records still point to a 409 ``protected`` saying which.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.db.models import ProtectedError, RestrictedError
from django.http import Http404, HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler, set_rollback

from core.exceptions import DomainError
from core.integrity import protected_message, unique_violation


def error_body(*, status_code: int, code: str, message: str, fields: Any = None) -> dict[str, Any]:
    error: dict[str, Any] = {"status": status_code, "code": code, "message": message}
    if fields is not None:
        error["fields"] = fields
    return {"error": error}


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    # First: ProtectedError and RestrictedError are IntegrityErrors too.
    if isinstance(exc, ProtectedError | RestrictedError):
        set_rollback()
        return Response(
            error_body(
                status_code=status.HTTP_409_CONFLICT,
                code="protected",
                message=protected_message(exc),
            ),
            status=status.HTTP_409_CONFLICT,
        )
    if isinstance(exc, IntegrityError):
        # A unique key the database caught (two creates at once): 400 naming the field,
        # as the service's own check would have. Anything else stays a server error.
        problem = unique_violation(exc)
        if problem is None:
            return None
        exc = problem
    if isinstance(exc, DjangoValidationError):
        detail = (
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
        exc = exceptions.ValidationError(detail)
    elif isinstance(exc, DomainError):
        return Response(
            error_body(status_code=exc.status_code, code=exc.code, message=exc.message),
            status=exc.status_code,
        )
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    response = exception_handler(exc, context)
    if response is None or not isinstance(exc, exceptions.APIException):
        return response
    if isinstance(exc, exceptions.ValidationError):
        fields: Any = (
            exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        )
        response.data = error_body(
            status_code=response.status_code,
            code="invalid",
            message=_("The request has invalid fields."),
            fields=fields,
        )
    else:
        codes = exc.get_codes()
        response.data = error_body(
            status_code=response.status_code,
            code=codes if isinstance(codes, str) else exc.default_code,
            message=str(exc.detail),
        )
    return response


def json_error_response(request: HttpRequest, status_code: int) -> JsonResponse:
    """The same shape for errors raised outside DRF views (unknown URLs, crashes)."""
    codes = {
        status.HTTP_400_BAD_REQUEST: ("bad_request", _("Bad request.")),
        status.HTTP_403_FORBIDDEN: ("permission_denied", _("You may not do this.")),
        status.HTTP_404_NOT_FOUND: ("not_found", _("Not found.")),
        status.HTTP_500_INTERNAL_SERVER_ERROR: ("server_error", _("Server error.")),
    }
    code, message = codes[status_code]
    return JsonResponse(
        error_body(status_code=status_code, code=code, message=message), status=status_code
    )
