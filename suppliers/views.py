"""Supplier pages: each view parses input, calls one selector or service, and renders."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import ProtectedError, QuerySet, RestrictedError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views import View

from accounts.models import User
from accounts.permissions import CapabilityRequiredMixin
from accounts.roles import Capability
from core.exceptions import DomainError
from core.forms import apply_errors
from core.integrity import protected_message
from core.pages import paginate, sort_links
from health.selectors import with_health
from suppliers import services
from suppliers.forms import (
    ContactForm,
    OwnershipAssignForm,
    StatusChangeForm,
    SupplierForm,
    supplier_filter_form,
)
from suppliers.history import history_entries
from suppliers.inputs import ContactInput, SupplierInput
from suppliers.models import Contact, Supplier
from suppliers.permissions import (
    may_assign_owners,
    may_change_status,
    may_edit_supplier,
    may_manage_contacts,
    may_manage_portfolio,
)
from suppliers.selectors import (
    contact_get,
    ownership_list,
    supplier_get,
    supplier_list,
    supplier_list_lacking_owner,
    supplier_list_owned,
    supplier_visible,
)

# Columns whose header sorts the list; each is an ordering of SupplierFilterSet.
SORTABLE_COLUMNS = ("name", "country", "segment", "status", "risk_level")
DETAIL_TEMPLATE = "suppliers/supplier_detail.html"


def _actor(request: HttpRequest) -> User:
    # Every page here sits behind sign-in (LoginRequiredMiddleware), so the user is real.
    return cast(User, request.user)


def _require(allowed: bool) -> None:
    """403 unless a ``suppliers.permissions`` predicate said yes."""
    if not allowed:
        raise PermissionDenied


def _supplier_for(request: HttpRequest, pk: int, may: Callable[[Any, Supplier], bool]) -> Supplier:
    """The supplier the user is about to change: 404 unless they see it, 403 unless ``may``."""
    supplier = supplier_get(user=request.user, pk=pk)
    _require(may(request.user, supplier))
    return supplier


def _paginate(request: HttpRequest, suppliers: QuerySet[Supplier]) -> dict[str, Any]:
    return {"page_obj": paginate(request, suppliers)}


class SupplierListView(CapabilityRequiredMixin, View):
    required_capability = Capability.VIEW_PORTFOLIO

    def get(self, request: HttpRequest) -> HttpResponse:
        suppliers = with_health(
            supplier_list(user=request.user, filters=request.GET), user=request.user
        )
        filter_form = supplier_filter_form(request.GET or None, user=request.user)
        return render(
            request,
            "suppliers/supplier_list.html",
            {
                **_paginate(request, suppliers),
                "filter_form": filter_form,
                "filters_applied": any(
                    value
                    for name in filter_form.fields
                    if name != "q"
                    for value in request.GET.getlist(name)
                ),
                "sort": sort_links(request, allowed=SORTABLE_COLUMNS, default="name"),
            },
        )


class SupplierMineView(CapabilityRequiredMixin, View):
    # Anyone who reads the portfolio may hold a key-account role (executives sponsor).
    required_capability = Capability.VIEW_PORTFOLIO

    def get(self, request: HttpRequest) -> HttpResponse:
        suppliers = with_health(supplier_list_owned(user=request.user), user=request.user)
        return render(request, "suppliers/supplier_mine.html", _paginate(request, suppliers))


class SupplierLackingOwnerView(CapabilityRequiredMixin, View):
    required_capability = Capability.MANAGE_PORTFOLIO

    def get(self, request: HttpRequest) -> HttpResponse:
        suppliers = with_health(supplier_list_lacking_owner(user=request.user), user=request.user)
        return render(
            request, "suppliers/supplier_lacking_owner.html", _paginate(request, suppliers)
        )


def _detail_context(
    request: HttpRequest, supplier: Supplier, *, status_form: StatusChangeForm | None = None
) -> dict[str, Any]:
    user = _actor(request)
    if status_form is None and may_change_status(user, supplier):
        status_form = StatusChangeForm(supplier=supplier)
    ownerships = supplier.all_ownerships  # type: ignore[attr-defined]
    return {
        "supplier": supplier,
        "past_ownerships": [ownership for ownership in ownerships if not ownership.is_current],
        "status_form": status_form,
        "history": history_entries(supplier),
    }


class SupplierDetailView(CapabilityRequiredMixin, View):
    required_capability = Capability.VIEW_PORTFOLIO

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        supplier = supplier_get(user=request.user, pk=pk)
        return render(request, DETAIL_TEMPLATE, _detail_context(request, supplier))


class SupplierCreateView(CapabilityRequiredMixin, View):
    required_capability = Capability.MANAGE_PORTFOLIO
    template_name = "suppliers/supplier_form.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        _require(may_manage_portfolio(request.user))
        return render(request, self.template_name, {"form": SupplierForm(by=request.user)})

    def post(self, request: HttpRequest) -> HttpResponse:
        _require(may_manage_portfolio(request.user))
        form = SupplierForm(request.POST, by=request.user)
        if form.is_valid():
            try:
                supplier = services.supplier_create(
                    by=_actor(request),
                    data=SupplierInput.from_validated(form.cleaned_data),
                    categories=form.cleaned_data["categories"],
                )
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, _("The supplier was added."))
                return redirect(supplier)
        return render(request, self.template_name, {"form": form})


class SupplierUpdateView(CapabilityRequiredMixin, View):
    required_capability = Capability.MANAGE_PORTFOLIO
    template_name = "suppliers/supplier_form.html"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        supplier = _supplier_for(request, pk, may_edit_supplier)
        form = SupplierForm(instance=supplier, by=request.user)
        return render(request, self.template_name, {"form": form, "supplier": supplier})

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        supplier = _supplier_for(request, pk, may_edit_supplier)
        form = SupplierForm(request.POST, instance=supplier, by=request.user)
        if form.is_valid():
            try:
                services.supplier_update(
                    supplier=supplier,
                    by=_actor(request),
                    data=SupplierInput.from_validated(form.cleaned_data),
                    categories=form.cleaned_data["categories"],
                )
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, _("The changes were saved."))
                return redirect(supplier)
        return render(request, self.template_name, {"form": form, "supplier": supplier})


class SupplierStatusChangeView(CapabilityRequiredMixin, View):
    required_capability = Capability.MANAGE_PORTFOLIO

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        supplier = _supplier_for(request, pk, may_change_status)
        form = StatusChangeForm(request.POST, supplier=supplier)
        if form.is_valid():
            try:
                services.supplier_change_status(
                    supplier=supplier,
                    status=form.cleaned_data["status"],
                    reason=form.cleaned_data["reason"],
                    by=_actor(request),
                )
            except DomainError as error:
                field = "reason" if error.code == "reason_required" else None
                form.add_error(field, error.message)
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, _("The status was changed."))
                return redirect(supplier)
        context = _detail_context(request, supplier, status_form=form)
        return render(request, DETAIL_TEMPLATE, context)


# --- Contacts ---------------------------------------------------------------------------------


def _supplier_for_contacts(request: HttpRequest, pk: int) -> Supplier:
    """The supplier whose contacts the user is about to change; 403 unless they may."""
    supplier = get_object_or_404(supplier_visible(user=request.user), pk=pk)
    _require(may_manage_contacts(_actor(request), supplier))
    return supplier


def _contact_for_change(request: HttpRequest, pk: int, contact_pk: int) -> Contact:
    contact = contact_get(user=request.user, pk=contact_pk)
    if contact.supplier_id != pk:
        raise Http404
    _require(may_manage_contacts(_actor(request), contact.supplier))
    return contact


class ContactCreateView(CapabilityRequiredMixin, View):
    required_capability = Capability.CHANGE_DATA
    template_name = "suppliers/contact_form.html"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        supplier = _supplier_for_contacts(request, pk)
        return render(request, self.template_name, {"form": ContactForm(), "supplier": supplier})

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        supplier = _supplier_for_contacts(request, pk)
        form = ContactForm(request.POST)
        if form.is_valid():
            try:
                services.contact_create(
                    supplier=supplier,
                    by=_actor(request),
                    data=ContactInput.from_validated(form.cleaned_data),
                )
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, _("The contact was added."))
                return redirect(supplier)
        return render(request, self.template_name, {"form": form, "supplier": supplier})


class ContactUpdateView(CapabilityRequiredMixin, View):
    required_capability = Capability.CHANGE_DATA
    template_name = "suppliers/contact_form.html"

    def get(self, request: HttpRequest, pk: int, contact_pk: int) -> HttpResponse:
        contact = _contact_for_change(request, pk, contact_pk)
        context = {"form": ContactForm(instance=contact), "supplier": contact.supplier}
        return render(request, self.template_name, {**context, "contact": contact})

    def post(self, request: HttpRequest, pk: int, contact_pk: int) -> HttpResponse:
        contact = _contact_for_change(request, pk, contact_pk)
        form = ContactForm(request.POST, instance=contact)
        if form.is_valid():
            try:
                services.contact_update(
                    contact=contact,
                    by=_actor(request),
                    data=ContactInput.from_validated(form.cleaned_data),
                )
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, _("The contact was saved."))
                return redirect(contact.supplier)
        context = {"form": form, "supplier": contact.supplier, "contact": contact}
        return render(request, self.template_name, context)


class ContactDeleteView(CapabilityRequiredMixin, View):
    required_capability = Capability.CHANGE_DATA
    template_name = "suppliers/contact_confirm_delete.html"

    def get(self, request: HttpRequest, pk: int, contact_pk: int) -> HttpResponse:
        contact = _contact_for_change(request, pk, contact_pk)
        return render(request, self.template_name, {"contact": contact})

    def post(self, request: HttpRequest, pk: int, contact_pk: int) -> HttpResponse:
        contact = _contact_for_change(request, pk, contact_pk)
        try:
            services.contact_delete(contact=contact, by=_actor(request))
        except (ProtectedError, RestrictedError) as error:
            messages.error(request, protected_message(error))
            return render(request, self.template_name, {"contact": contact}, status=409)
        messages.success(request, _("The contact was removed."))
        return redirect(contact.supplier)


# --- Key-account owners -----------------------------------------------------------------------


class OwnershipAssignView(CapabilityRequiredMixin, View):
    required_capability = Capability.MANAGE_PORTFOLIO
    template_name = "suppliers/ownership_form.html"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        supplier = _supplier_for(request, pk, may_assign_owners)
        role = request.GET.get("role")
        form = OwnershipAssignForm(initial={"role": role} if role else {}, by=request.user)
        return render(request, self.template_name, {"form": form, "supplier": supplier})

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        supplier = _supplier_for(request, pk, may_assign_owners)
        form = OwnershipAssignForm(request.POST, by=request.user)
        if form.is_valid():
            try:
                services.ownership_assign(
                    supplier=supplier,
                    user=form.cleaned_data["user"],
                    role=form.cleaned_data["role"],
                    since=form.cleaned_data["since"],
                    by=_actor(request),
                )
            except (DomainError, ValidationError) as error:
                apply_errors(form, error)
            else:
                messages.success(request, _("The key-account role was assigned."))
                return redirect(supplier)
        return render(request, self.template_name, {"form": form, "supplier": supplier})


class OwnershipEndView(CapabilityRequiredMixin, View):
    required_capability = Capability.MANAGE_PORTFOLIO

    def post(self, request: HttpRequest, pk: int, ownership_pk: int) -> HttpResponse:
        ownership = get_object_or_404(
            ownership_list(user=request.user), pk=ownership_pk, supplier_id=pk
        )
        _require(may_assign_owners(request.user, ownership.supplier))
        try:
            services.ownership_end(ownership=ownership, by=_actor(request))
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("The key-account role was ended."))
        return redirect(ownership.supplier)
