"""Escalation pages: the list with its filters, an escalation with every step, acknowledge and
resolve, and the supplier page's panel. Each view parses input, calls one selector or service,
and renders; who may act is decided by escalations.permissions, which the template asks through
``{% allowed_actions %}``."""

from __future__ import annotations

from typing import Any, cast

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
from escalations.forms import (
    EscalationAcknowledgeForm,
    EscalationResolveForm,
    escalation_filter_form,
)
from escalations.models import Escalation
from escalations.selectors import (
    escalation_get,
    escalation_list,
    escalation_list_open_for_supplier,
    escalation_subject_for,
    level_recipient,
)
from escalations.services import EscalationClosedError, escalation_acknowledge, escalation_resolve
from suppliers.models import Supplier

DETAIL_TEMPLATE = "escalations/escalation_detail.html"
# Both forms have a "note" on one page: distinct ids, the same field name.
ACK_ID, RESOLVE_ID = "id_acknowledge_%s", "id_resolve_%s"


def _actor(request: HttpRequest) -> User:
    # Every page here sits behind sign-in (LoginRequiredMiddleware), so the user is real.
    return cast(User, request.user)


class EscalationListView(CapabilityRequiredMixin, View):
    required_capability = Capability.VIEW_PORTFOLIO

    def get(self, request: HttpRequest) -> HttpResponse:
        escalations = escalation_list(user=request.user, filters=request.GET)
        page = paginate(request, escalations)
        filter_form = escalation_filter_form(request.GET or None, user=request.user)
        return render(
            request,
            "escalations/escalation_list.html",
            {
                "page_obj": page,
                "escalations": list(page.object_list),
                "filter_form": filter_form,
                "filters_applied": any(
                    value for name in filter_form.fields for value in request.GET.getlist(name)
                ),
            },
        )


def _detail_context(
    request: HttpRequest,
    escalation: Escalation,
    *,
    acknowledge_form: EscalationAcknowledgeForm | None = None,
    resolve_form: EscalationResolveForm | None = None,
) -> dict[str, Any]:
    user = _actor(request)
    subject = escalation_subject_for(user=user, escalation=escalation)
    return {
        "escalation": escalation,
        "subject": subject,
        "subject_url": getattr(subject, "get_absolute_url", lambda: "")(),
        "current_person": level_recipient(supplier=escalation.supplier, level=escalation.level),
        "acknowledge_form": acknowledge_form or EscalationAcknowledgeForm(auto_id=ACK_ID),
        "resolve_form": resolve_form or EscalationResolveForm(auto_id=RESOLVE_ID),
    }


class EscalationDetailView(CapabilityRequiredMixin, View):
    required_capability = Capability.VIEW_PORTFOLIO

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        escalation = escalation_get(user=request.user, pk=pk)
        return render(request, DETAIL_TEMPLATE, _detail_context(request, escalation))


class EscalationAcknowledgeView(CapabilityRequiredMixin, View):
    """Someone has it in hand, so it stops climbing. Those who may not get a 403."""

    required_capability = Capability.VIEW_PORTFOLIO

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        escalation = escalation_get(user=request.user, pk=pk)
        form = EscalationAcknowledgeForm(request.POST, auto_id=ACK_ID)
        status = 200
        if form.is_valid():
            try:
                escalation_acknowledge(
                    escalation=escalation, by=_actor(request), note=form.cleaned_data["note"]
                )
            except EscalationClosedError as error:
                apply_errors(form, error)
                status = 409
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, _("The escalation is acknowledged: it climbs no more."))
                return redirect(escalation)
        context = _detail_context(request, escalation, acknowledge_form=form)
        return render(request, DETAIL_TEMPLATE, context, status=status)


class EscalationResolveView(CapabilityRequiredMixin, View):
    """Closes the escalation with a note saying how. Those who may not get a 403."""

    required_capability = Capability.VIEW_PORTFOLIO

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        escalation = escalation_get(user=request.user, pk=pk)
        form = EscalationResolveForm(request.POST, auto_id=RESOLVE_ID)
        if form.is_valid():
            try:
                escalation_resolve(
                    escalation=escalation, by=_actor(request), note=form.cleaned_data["note"]
                )
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, _("The escalation is resolved."))
                return redirect(escalation)
        context = _detail_context(request, escalation, resolve_form=form)
        return render(request, DETAIL_TEMPLATE, context)


def supplier_panel_context(request: HttpRequest, supplier: Supplier) -> dict[str, Any]:
    """What templates/escalations/partials/_supplier_panel.html shows on the supplier page:
    the supplier's escalations not yet resolved, in one query."""
    open_ones = escalation_list_open_for_supplier(user=request.user, supplier=supplier)
    return {"supplier": supplier, "open_escalations": list(open_ones)}
