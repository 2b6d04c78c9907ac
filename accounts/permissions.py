"""Permission checks for pages and the API, both reading the declaration in accounts.roles."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.mixins import AccessMixin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from rest_framework import exceptions, permissions
from rest_framework.request import Request

from accounts.roles import Capability, user_can
from accounts.scopes import allows, required_scope


class CapabilityRequiredMixin(AccessMixin):
    """A page that needs one capability; others get 403 (or the sign-in page if anonymous)."""

    required_capability: Capability

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not user_can(request.user, self.required_capability):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]


def capability_required(
    capability: Capability,
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not user_can(request.user, capability):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


class MissingScope(exceptions.PermissionDenied):
    default_code = "missing_scope"


class TokenScopePermission(permissions.BasePermission):
    """A token may call a view only with the scope the view's ``token_scope`` asks for
    (``accounts.scopes``): 403 ``missing_scope`` naming it. Signed-in people (a session) are
    not limited: their role decides. First in the default permission classes, and
    ``core.api.views.ApiViewSet`` asks it even of views that list their own."""

    # ApiViewSet checks the default permissions that say this before the view's own.
    every_view = True

    def has_permission(self, request: Request, view: Any) -> bool:
        scopes = getattr(request.auth, "scopes", None)
        if scopes is None:
            return True  # not a token: a session, or nobody (the role check answers)
        needed = required_scope(view, request.method or "GET")
        if not allows(scopes, needed):
            raise MissingScope(
                _("This token lacks the scope %(scope)s.") % {"scope": needed},
                code="missing_scope",
            )
        return True


class RolePermission(permissions.BasePermission):
    """The API's default: the caller may use the API; writes need CHANGE_DATA; a view may name
    a ``required_capability`` (for every method) or ``action_capabilities`` (per action)."""

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if not user or not user.is_authenticated or not user_can(user, Capability.USE_API):
            return False
        if request.method not in permissions.SAFE_METHODS and not user_can(
            user, Capability.CHANGE_DATA
        ):
            return False
        action_capabilities: dict[str, Capability] = getattr(view, "action_capabilities", {})
        required = action_capabilities.get(getattr(view, "action", None) or "") or getattr(
            view, "required_capability", None
        )
        return required is None or user_can(user, required)


def may_sync_erp(or_capability: Capability) -> type[permissions.BasePermission]:
    """For bulk upserts: the ERP's integration account, or whoever has ``or_capability``
    (the people who manage that data by hand)."""

    class MaySyncERP(permissions.BasePermission):
        def has_permission(self, request: Request, view: Any) -> bool:
            return user_can(request.user, Capability.SYNC_ERP) or user_can(
                request.user, or_capability
            )

    return MaySyncERP


def may_own(user: Any) -> bool:
    """The person may own things (suppliers, contracts, RFPs, plans): active, in a role that
    works in the pages (``UserQuerySet.may_own`` in SQL); never an integration's account."""
    return bool(user.is_active) and user_can(user, Capability.USE_PAGES)
