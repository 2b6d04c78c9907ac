"""Webhook pages: endpoints (list, create, edit, disable and enable, delete), an endpoint with
its recent deliveries and each delivery's attempts, and the "send test event", "rotate secret"
and "redeliver" buttons. Each view parses input, calls one selector or service, and renders;
who may act is webhooks.permissions', which the templates ask through ``{% allowed_actions %}``.
A new or rotated secret is shown once, on the page the action leads to."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views import View

from accounts.models import User
from accounts.permissions import CapabilityRequiredMixin
from accounts.roles import Capability
from core.forms import apply_errors
from core.pages import paginate
from webhooks import services
from webhooks.events import EVENT_TYPES
from webhooks.forms import DisableForm, EndpointForm
from webhooks.models import Endpoint
from webhooks.selectors import delivery_get, endpoint_get, endpoint_list, recent_deliveries

FORM_TEMPLATE = "webhooks/endpoint_form.html"
# The secret to show once, on the next page only.
_SHOWN_SECRET = "webhooks_shown_secret"  # noqa: S105 - a session key


def _actor(request: HttpRequest) -> User:
    return cast(User, request.user)


def _input(form: EndpointForm) -> services.EndpointInput:
    data = form.cleaned_data
    return services.EndpointInput(
        url=data["url"], description=data["description"], event_types=data["event_types"]
    )


def _show_secret_once(request: HttpRequest, endpoint: Endpoint) -> None:
    request.session[_SHOWN_SECRET] = {"endpoint": endpoint.pk, "secret": endpoint.secret}


class EndpointListView(CapabilityRequiredMixin, View):
    required_capability = Capability.MANAGE_WEBHOOKS

    def get(self, request: HttpRequest) -> HttpResponse:
        page = paginate(request, endpoint_list(user=request.user))
        return render(
            request,
            "webhooks/endpoint_list.html",
            {"page_obj": page, "endpoints": list(page.object_list)},
        )


class EndpointCreateView(CapabilityRequiredMixin, View):
    required_capability = Capability.MANAGE_WEBHOOKS

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, FORM_TEMPLATE, {"form": EndpointForm(), "endpoint": None})

    def post(self, request: HttpRequest) -> HttpResponse:
        form = EndpointForm(request.POST)
        if form.is_valid():
            try:
                endpoint = services.endpoint_create(by=_actor(request), data=_input(form))
            except ValidationError as error:
                apply_errors(form, error)
            else:
                _show_secret_once(request, endpoint)
                messages.success(request, _("The endpoint is created."))
                return redirect(endpoint)
        return render(request, FORM_TEMPLATE, {"form": form, "endpoint": None})


class EndpointEditView(CapabilityRequiredMixin, View):
    required_capability = Capability.MANAGE_WEBHOOKS

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        endpoint = endpoint_get(user=request.user, pk=pk)
        form = EndpointForm(
            initial={
                "url": endpoint.url,
                "description": endpoint.description,
                "event_types": endpoint.event_types,
            }
        )
        return render(request, FORM_TEMPLATE, {"form": form, "endpoint": endpoint})

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        endpoint = endpoint_get(user=request.user, pk=pk)
        form = EndpointForm(request.POST)
        if form.is_valid():
            try:
                services.endpoint_update(endpoint=endpoint, by=_actor(request), data=_input(form))
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, _("The endpoint is saved."))
                return redirect(endpoint)
        return render(request, FORM_TEMPLATE, {"form": form, "endpoint": endpoint})


class EndpointDetailView(CapabilityRequiredMixin, View):
    required_capability = Capability.MANAGE_WEBHOOKS

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        endpoint = endpoint_get(user=request.user, pk=pk)
        shown = request.session.pop(_SHOWN_SECRET, None)
        secret = shown["secret"] if shown and shown.get("endpoint") == endpoint.pk else None
        return render(
            request,
            "webhooks/endpoint_detail.html",
            {
                "endpoint": endpoint,
                "secret": secret,
                "deliveries": recent_deliveries(user=request.user, endpoint=endpoint),
                "event_types": [EVENT_TYPES[name] for name in endpoint.event_types],
                "disable_form": DisableForm(),
            },
        )


class EndpointActionView(CapabilityRequiredMixin, View):
    """The buttons of the endpoint page: disable, enable, send a test event, rotate the
    secret, delete. Those who may not get a 403 from the service."""

    required_capability = Capability.MANAGE_WEBHOOKS
    action: str = ""

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        endpoint = endpoint_get(user=request.user, pk=pk)
        by = _actor(request)
        if self.action == "disable":
            form = DisableForm(request.POST)
            reason = form.cleaned_data["reason"] if form.is_valid() else ""
            services.endpoint_set_active(endpoint=endpoint, by=by, active=False, reason=reason)
            messages.success(request, _("The endpoint is disabled: nothing is sent to it."))
        elif self.action == "enable":
            services.endpoint_set_active(endpoint=endpoint, by=by, active=True)
            messages.success(request, _("The endpoint is enabled again."))
        elif self.action == "send_test":
            try:
                services.endpoint_send_test(endpoint=endpoint, by=by)
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(request, _("A test event is on its way."))
        elif self.action == "rotate_secret":
            endpoint = services.endpoint_rotate_secret(endpoint=endpoint, by=by)
            _show_secret_once(request, endpoint)
            messages.success(request, _("The secret is new: update the receiver now."))
        elif self.action == "delete":
            services.endpoint_delete(endpoint=endpoint, by=by)
            messages.success(request, _("The endpoint is deleted."))
            return redirect("webhooks:endpoint_list")
        return redirect(endpoint)


class DeliveryRedeliverView(CapabilityRequiredMixin, View):
    required_capability = Capability.MANAGE_WEBHOOKS

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        delivery = delivery_get(user=request.user, pk=pk)
        services.delivery_redeliver(delivery=delivery, by=_actor(request))
        messages.success(request, _("The delivery will be sent again."))
        return redirect(delivery.endpoint)
