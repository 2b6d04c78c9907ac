from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views import defaults

from core.api.exceptions import json_error_response


def _is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith("/api/")


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        return json_error_response(request, 400)
    return defaults.bad_request(request, exception, template_name="400.html")


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        return json_error_response(request, 403)
    return defaults.permission_denied(request, exception, template_name="403.html")


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        return json_error_response(request, 404)
    return defaults.page_not_found(request, exception, template_name="404.html")


def server_error(request: HttpRequest) -> HttpResponse:
    if _is_api(request):
        return json_error_response(request, 500)
    # Rendered without the request context: the layout must not need the database that may
    # be what failed.
    return defaults.server_error(request, template_name="500.html")
