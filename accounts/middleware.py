from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.middleware import (
    LoginRequiredMiddleware as DjangoLoginRequiredMiddleware,
)
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.utils import translation

from accounts.roles import Capability, user_can


class UserLanguageMiddleware:
    """Serves a signed-in person in their preferred language, whatever the browser says."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        language = getattr(user, "preferred_language", "") if user.is_authenticated else ""
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return self.get_response(request)


class PageAccessMiddleware:
    """Keeps accounts without USE_PAGES (integrations) out of every page; the API decides
    for itself. Pages open to anyone (``login_not_required``) stay open."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., Any], *args: Any
    ) -> HttpResponse | None:
        if request.path_info.startswith("/api/"):
            return None
        if not getattr(view_func, "login_required", True):
            return None
        if request.user.is_authenticated and not user_can(request.user, Capability.USE_PAGES):
            raise PermissionDenied
        return None


class LoginRequiredMiddleware(DjangoLoginRequiredMiddleware):
    """Every page needs a signed-in person unless marked ``login_not_required``. The API is
    left to DRF, which authenticates tokens inside the view and answers 401 in JSON."""

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., Any],
        view_args: Any,
        view_kwargs: Any,
    ) -> HttpResponseBase | None:
        if request.path_info.startswith("/api/"):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)
