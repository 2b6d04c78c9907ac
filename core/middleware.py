from __future__ import annotations

import json
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from rest_framework.response import Response

from core.api.exceptions import json_error_response
from core.health import readiness
from core.uploads import UploadTooLargeError, upload_max_bytes

_HEALTHY = {"ok", "not configured"}


class HealthCheckMiddleware:
    """Answers /healthz and /readyz before host checks, HTTPS redirects and sessions, so
    that a container health check on plain HTTP gets a true answer."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path == "/healthz":
            return JsonResponse({"status": "ok"})
        if request.path == "/readyz":
            checks = readiness()
            ready = all(result in _HEALTHY for result in checks.values())
            failed = [name for name, result in checks.items() if result not in _HEALTHY]
            body = {"status": "ok" if ready else "unavailable", "checks": checks}
            if failed:
                body["failed"] = failed  # type: ignore[assignment]
            return HttpResponse(
                json.dumps(body), status=200 if ready else 503, content_type="application/json"
            )
        return self.get_response(request)


class SecurityHeadersMiddleware:
    """A strict Content-Security-Policy on every response (CONTENT_SECURITY_POLICY; the API
    docs get CONTENT_SECURITY_POLICY_API_DOCS, since Swagger UI sets inline styles and shows
    data: images), and ``Cache-Control: no-store`` on every answer to a signed-in person or
    API client: pages and API answers carry contract values, proposals, reviews and the
    dashboard's figures, which no browser or proxy cache may keep. A view that set its own
    Cache-Control keeps it only when nobody is signed in."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            docs = request.path.startswith(settings.CONTENT_SECURITY_POLICY_API_DOCS_PATH)
            response["Content-Security-Policy"] = (
                settings.CONTENT_SECURITY_POLICY_API_DOCS
                if docs
                else settings.CONTENT_SECURITY_POLICY
            )
        user = getattr(request, "user", None)
        if (user is not None and user.is_authenticated) or request.path.startswith("/api/"):
            response.headers.pop("Cache-Control", None)
            patch_cache_control(response, no_store=True, private=True)
        return response


class ApiNotFoundMiddleware:
    """An unknown URL under /api/ answers the API's JSON error shape in every mode: with DEBUG
    on, Django answers an unresolved URL with its technical 404 page and never calls
    handler404 (core.views.page_not_found). Placed before CommonMiddleware, so a URL missing
    its trailing slash is still redirected to the one that exists."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code == 404
            and request.path_info.startswith("/api/")
            # A DRF view's own 404 is already in the shape, in the format the client asked.
            and not isinstance(response, Response)
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            return json_error_response(request, 404)
        return response


class UploadLimitMiddleware:
    """Turns core.uploads.UploadTooLargeError, raised while a multipart body is read, into
    413: the API's error shape under /api/, a page saying what the limit is elsewhere."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method == "POST" and request.content_type == "multipart/form-data":
            # Read here, not first in CsrfViewMiddleware.process_view, where the error would
            # be a 500; the API's parser reuses what Django read.
            try:
                request.FILES  # noqa: B018 - reads the body through the upload handlers
            except UploadTooLargeError:
                return self._too_large(request)
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        # A PUT or PATCH body is read by the API's parser, in the view.
        if not isinstance(exception, UploadTooLargeError):
            return None
        return self._too_large(request)

    def _too_large(self, request: HttpRequest) -> HttpResponse:
        message = _("The file is too large; the limit is %(limit)s.") % {
            "limit": filesizeformat(upload_max_bytes())
        }
        if request.path.startswith("/api/"):
            body = {"error": {"status": 413, "code": "payload_too_large", "message": message}}
            return JsonResponse(body, status=413)
        return render(request, "413.html", {"message": message}, status=413)
