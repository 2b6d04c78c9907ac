from __future__ import annotations

import json
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse

from core.health import readiness

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
