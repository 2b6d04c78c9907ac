"""``Idempotency-Key`` for the API's POSTs: a retried create never makes a second row.

A caller that sends ``Idempotency-Key: <up to 255 characters>`` with a POST under ``/api/``
gets, for the same key within ``IDEMPOTENCY_KEY_HOURS``:

- the first time, the request runs and its answer (anything but a 5xx) is remembered;
- again with the same body, the remembered answer, status and body, with
  ``Idempotent-Replayed: true``, and nothing runs;
- again with another body or path, 422 ``idempotency_key_reused``;
- while the first is still running (two sent at once), 409 ``idempotency_key_in_progress``.

Keys are scoped to the caller (its API token, else its signed-in user), so two callers
cannot collide or read each other's answers. The key row is claimed with an
``INSERT … ON CONFLICT DO NOTHING`` committed before the request runs: of two requests at
once, exactly one claims it. A 5xx answer forgets the key, so the caller may retry.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.request import RawPostDataException
from django.utils import timezone
from django.utils.translation import gettext as _

from core.api.exceptions import error_body
from core.models import IdempotencyKey

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255


def _caller(request: HttpRequest) -> str | None:
    authorization = request.headers.get("Authorization", "")
    if authorization:
        return hashlib.sha256(authorization.encode()).hexdigest()
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return hashlib.sha256(f"user:{user.pk}".encode()).hexdigest()
    return None


def _error(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse(error_body(status_code=status, code=code, message=message), status=status)


def _claim(*, caller: str, key: str, request: HttpRequest, body_hash: str) -> bool:
    """Claims the key for this request in a committed row; False if it was taken."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {IdempotencyKey._meta.db_table} "  # noqa: S608 (a model's own table)
            "(caller, key, method, path, body_hash, content_type, created_at) "
            "VALUES (%s, %s, %s, %s, %s, '', %s) ON CONFLICT (caller, key) DO NOTHING",
            [caller, key, request.method, request.path, body_hash, timezone.now()],
        )
        return cursor.rowcount == 1


def idempotency_keys_purge() -> int:
    """Deletes keys older than ``IDEMPOTENCY_KEY_HOURS``; returns how many."""
    cutoff = timezone.now() - timedelta(hours=settings.IDEMPOTENCY_KEY_HOURS)
    deleted, _kinds = IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
    return deleted


class IdempotencyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        key = request.headers.get(HEADER)
        if key is None or request.method != "POST" or not request.path.startswith("/api/"):
            return self.get_response(request)
        if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
            return _error(
                400,
                "invalid_idempotency_key",
                _("Idempotency-Key must be 1 to %(max)d printable characters.")
                % {"max": MAX_KEY_LENGTH},
            )
        caller = _caller(request)
        if caller is None:  # not signed in: the view answers 401 and nothing is written
            return self.get_response(request)
        try:
            body = request.body
        except (RawPostDataException, RequestDataTooBig):
            # A multipart upload already read, or a body over the limit the view refuses.
            return self.get_response(request)
        body_hash = hashlib.sha256(body).hexdigest()
        idempotency_keys_purge_expired(caller=caller, key=key)
        if _claim(caller=caller, key=key, request=request, body_hash=body_hash):
            return self._run(request, caller=caller, key=key)
        return self._replay(request, caller=caller, key=key, body_hash=body_hash)

    def _run(self, request: HttpRequest, *, caller: str, key: str) -> HttpResponse:
        rows = IdempotencyKey.objects.filter(caller=caller, key=key)
        try:
            response = self.get_response(request)
        except BaseException:
            rows.delete()
            raise
        if response.status_code >= 500 or getattr(response, "streaming", False):
            rows.delete()  # nothing was done that a retry must not redo
            return response
        rows.update(
            status_code=response.status_code,
            content_type=response.get("Content-Type", ""),
            response_body=bytes(response.content),
        )
        return response

    def _replay(
        self, request: HttpRequest, *, caller: str, key: str, body_hash: str
    ) -> HttpResponse:
        stored = IdempotencyKey.objects.filter(caller=caller, key=key).first()
        if stored is None:  # forgotten meanwhile (its first try failed): run it now
            return self.__call__(request)
        if stored.body_hash != body_hash or stored.path != request.path:
            return _error(
                422,
                "idempotency_key_reused",
                _("This Idempotency-Key was used for another request; send a new key."),
            )
        if stored.status_code is None:
            return _error(
                409,
                "idempotency_key_in_progress",
                _("A request with this Idempotency-Key is still running; retry later."),
            )
        response = HttpResponse(
            bytes(stored.response_body or b""),
            status=stored.status_code,
            content_type=stored.content_type or None,
        )
        response["Idempotent-Replayed"] = "true"
        return response


def idempotency_keys_purge_expired(*, caller: str, key: str) -> None:
    """An expired key of this caller is free again."""
    cutoff = timezone.now() - timedelta(hours=settings.IDEMPOTENCY_KEY_HOURS)
    IdempotencyKey.objects.filter(caller=caller, key=key, created_at__lt=cutoff).delete()
