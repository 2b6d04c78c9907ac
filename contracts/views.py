"""Contract pages: the list with its filters, a contract with its obligations, benefits,
documents and history, the forms that change it, the renewal board, a document download and
the supplier page's panel. Each view parses input, calls one selector or service, and
renders; who may see what is decided in contracts.selectors, who may do what in
contracts.permissions (the services guard with it, the template asks
``{% allowed_actions contract as can %}``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from accounts.models import User
from accounts.permissions import CapabilityRequiredMixin
from accounts.roles import Capability
from contracts import services
from contracts.choices import RenewalStage
from contracts.forms import (
    BenefitForm,
    ConfirmForm,
    ContractForm,
    DocumentForm,
    ObligationForm,
    ObligationRecordForm,
    RealisationForm,
    RenewalForm,
    RenewForm,
    TerminateForm,
    contract_filter_form,
)
from contracts.history import version_changes
from contracts.models import Contract
from contracts.permissions import may_create_contract
from contracts.rules import notice_window
from contracts.selectors import (
    BOARD_STAGES,
    benefit_list,
    benefit_totals,
    contract_get,
    contract_get_in_full,
    contract_list,
    document_get,
    may_see_confidential,
    obligation_list,
    renewal_board,
    supplier_contracts,
)
from core.currencies import default_currency
from core.exceptions import DomainError
from core.forms import apply_errors
from core.pages import paginate
from suppliers.models import Supplier

BOARD_CARDS = 50
DETAIL_TEMPLATE = "contracts/contract_detail.html"
FORM_TEMPLATE = "contracts/contract_form.html"


def _actor(request: HttpRequest) -> User:
    # Every page here sits behind sign-in (LoginRequiredMiddleware), so the user is real.
    return cast(User, request.user)


class ContractListView(CapabilityRequiredMixin, View):
    required_capability = Capability.VIEW_PORTFOLIO

    def get(self, request: HttpRequest) -> HttpResponse:
        contracts = contract_list(user=request.user, filters=request.GET)
        page = paginate(request, contracts)
        filter_form = contract_filter_form(request.GET or None, user=request.user)
        return render(
            request,
            "contracts/contract_list.html",
            {
                "page_obj": page,
                "contracts": list(page.object_list),
                "filter_form": filter_form,
                "filters_applied": any(
                    value for name in filter_form.fields for value in request.GET.getlist(name)
                ),
                "may_create": may_create_contract(_actor(request)),
                "reporting_currency": settings.REPORTING_CURRENCY,
            },
        )


def _detail_context(request: HttpRequest, contract: Contract, **forms: Any) -> dict[str, Any]:
    user = _actor(request)
    confidential = may_see_confidential(user=user, contract=contract)
    renewal = getattr(contract, "current_renewal", None)
    stage = renewal.stage if renewal else RenewalStage.UPCOMING
    today = timezone.localdate()
    context: dict[str, Any] = {
        "contract": contract,
        "confidential": confidential,
        "renewal": renewal,
        "renewal_stage": stage,
        "notice": notice_window(contract, today=today),
        "versions": version_changes(
            contract.version_list,  # type: ignore[attr-defined]
            confidential=confidential,
        ),
        "today": today,
        "reporting_currency": settings.REPORTING_CURRENCY,
        "activation_problems": services.activation_problems(contract) if contract.is_draft else {},
        "activate_form": ConfirmForm(),
        "renew_form": RenewForm(auto_id="renew_form_%s"),
        "terminate_form": TerminateForm(
            auto_id="terminate_form_%s", initial={"on": timezone.localdate()}
        ),
        "renewal_form": RenewalForm(auto_id="renewal_form_%s", initial={"stage": _next(stage)}),
        "obligation_form": ObligationForm(auto_id="obligation_form_%s"),
        "record_form": ObligationRecordForm(),
        "benefit_form": BenefitForm(auto_id="benefit_form_%s"),
        "realisation_form": RealisationForm(),
        "document_form": DocumentForm(auto_id="document_form_%s"),
    }
    if confidential:
        context["totals"] = benefit_totals(contract.benefit_list, contract.currency)  # type: ignore[attr-defined]
    context.update(forms)
    return context


def _next(stage: str) -> str:
    stages = [s.value for s in BOARD_STAGES]
    index = stages.index(stage)
    return stages[min(index + 1, len(stages) - 1)]


class ContractDetailView(CapabilityRequiredMixin, View):
    required_capability = Capability.VIEW_PORTFOLIO

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        contract = contract_get_in_full(user=request.user, pk=pk)
        return render(request, DETAIL_TEMPLATE, _detail_context(request, contract))


class ContractCreateView(CapabilityRequiredMixin, View):
    required_capability = Capability.MANAGE_CONTRACTS

    def get(self, request: HttpRequest) -> HttpResponse:
        initial = {"owner": request.user.pk, "currency": default_currency()}
        supplier = request.GET.get("supplier", "")
        if supplier.isdigit():
            initial["supplier"] = int(supplier)
        form = ContractForm(user=request.user, initial=initial)
        return render(request, FORM_TEMPLATE, {"form": form})

    def post(self, request: HttpRequest) -> HttpResponse:
        form = ContractForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                contract = services.contract_create(by=_actor(request), **form.cleaned_data)
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, _("The contract is saved as a draft."))
                return redirect(contract)
        return render(request, FORM_TEMPLATE, {"form": form}, status=400)


class ContractAmendView(CapabilityRequiredMixin, View):
    """Changes the terms as a new version; the old one stays on the contract's history."""

    required_capability = Capability.MANAGE_CONTRACTS

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        contract = contract_get(user=request.user, pk=pk)
        form = ContractForm(user=request.user, contract=contract)
        return render(request, FORM_TEMPLATE, {"form": form, "contract": contract})

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        contract = contract_get(user=request.user, pk=pk)
        form = ContractForm(request.POST, user=request.user, contract=contract)
        status = 400
        if form.is_valid():
            try:
                services.contract_amend(contract=contract, by=_actor(request), **form.cleaned_data)
            except ValidationError as error:
                apply_errors(form, error)
            except DomainError as error:
                apply_errors(form, error)
                status = 409
            else:
                messages.success(request, _("The contract is amended."))
                return redirect(contract)
        context = {"form": form, "contract": contract}
        return render(request, FORM_TEMPLATE, context, status=status)


class _ContractActionView(CapabilityRequiredMixin, View):
    """A form posted from the contract page: on success back to it, else the page again with
    the form's errors (400), or the rule that refused it (409)."""

    required_capability = Capability.VIEW_PORTFOLIO
    form_class: type[Any]
    form_name = ""
    done_message: Any = ""

    def target(self, request: HttpRequest, pk: int) -> Any:
        return contract_get(user=request.user, pk=pk)

    def contract_of(self, target: Any) -> Contract:
        return cast(Contract, target)

    def act(self, request: HttpRequest, target: Any, data: dict[str, Any]) -> None:
        raise NotImplementedError

    def make_form(self, request: HttpRequest) -> Any:
        return self.form_class(request.POST, request.FILES, auto_id=f"{self.form_name}_%s")

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        target = self.target(request, pk)
        form = self.make_form(request)
        status = 400
        if form.is_valid():
            try:
                self.act(request, target, dict(form.cleaned_data))
            except ValidationError as error:
                apply_errors(form, error)
            except DomainError as error:
                apply_errors(form, error)
                status = 409
            else:
                messages.success(request, str(self.done_message))
                return redirect(self.contract_of(target))
        contract = contract_get_in_full(user=request.user, pk=self.contract_of(target).pk)
        context = _detail_context(request, contract, **{self.form_name: form})
        return render(request, DETAIL_TEMPLATE, context, status=status)


class _Act(_ContractActionView):
    """An action whose service takes (contract=, by=, **form data)."""

    service: Callable[..., Any]

    def act(self, request: HttpRequest, target: Any, data: dict[str, Any]) -> None:
        type(self).service(contract=target, by=_actor(request), **data)


class ContractActivateView(_Act):
    service = services.contract_activate
    form_class, form_name = ConfirmForm, "activate_form"
    done_message = gettext_lazy("The contract is active.")


class ContractRenewView(_Act):
    service = services.contract_renew
    form_class, form_name = RenewForm, "renew_form"
    done_message = gettext_lazy("The contract is renewed for a new term.")


class ContractTerminateView(_Act):
    service = services.contract_terminate
    form_class, form_name = TerminateForm, "terminate_form"
    done_message = gettext_lazy("The contract is terminated.")


class RenewalAdvanceView(_Act):
    service = services.renewal_decision_advance
    form_class, form_name = RenewalForm, "renewal_form"
    done_message = gettext_lazy("The renewal decision is recorded.")


class ObligationCreateView(_Act):
    service = services.obligation_create
    form_class, form_name = ObligationForm, "obligation_form"
    done_message = gettext_lazy("The obligation is added.")


class BenefitCreateView(_Act):
    service = services.benefit_create
    form_class, form_name = BenefitForm, "benefit_form"
    done_message = gettext_lazy("The benefit is added.")


class DocumentUploadView(_ContractActionView):
    form_class, form_name = DocumentForm, "document_form"
    done_message = gettext_lazy("The document is stored.")

    def act(self, request: HttpRequest, target: Any, data: dict[str, Any]) -> None:
        services.document_upload(
            by=_actor(request), contract=target, upload=data["file"], kind=data["kind"]
        )


class _RowAct(_ContractActionView):
    """An action on a row of a contract (an obligation, a benefit): the row comes from
    ``rows``, which holds only rows of contracts the user may see in full (404 for anyone
    else); its service takes (<row_name>=row, by=, **form data)."""

    rows: Callable[..., QuerySet[Any]]
    row_name: str
    service: Callable[..., Any]

    def target(self, request: HttpRequest, pk: int) -> Any:
        return get_object_or_404(type(self).rows(user=request.user), pk=pk)

    def contract_of(self, target: Any) -> Contract:
        return cast(Contract, target.contract)

    def act(self, request: HttpRequest, target: Any, data: dict[str, Any]) -> None:
        type(self).service(**{self.row_name: target}, by=_actor(request), **data)


class ObligationRecordView(_RowAct):
    rows, row_name, service = obligation_list, "obligation", services.obligation_record
    form_class, form_name = ObligationRecordForm, "record_form"
    done_message = gettext_lazy("The obligation is updated.")


class RealisationRecordView(_RowAct):
    rows, row_name, service = benefit_list, "benefit", services.benefit_realisation_record
    form_class, form_name = RealisationForm, "realisation_form"
    done_message = gettext_lazy("The realised amount is recorded.")


class DocumentDownloadView(CapabilityRequiredMixin, View):
    """The only way to a document's bytes: 404 to whoever may not see the contract in full."""

    required_capability = Capability.VIEW_PORTFOLIO

    def get(self, request: HttpRequest, pk: int) -> FileResponse:
        return services.document_response(document_get(user=request.user, pk=pk))


class RenewalBoardView(CapabilityRequiredMixin, View):
    """A column per stage of the renewal decision; each card shows the days to the notice day."""

    required_capability = Capability.VIEW_PORTFOLIO

    def get(self, request: HttpRequest) -> HttpResponse:
        within = request.GET.get("within", "")
        days = int(within) if within.isdigit() and 0 < int(within) <= 3650 else 180
        board = renewal_board(user=request.user, within_days=days)
        # A column shows its soonest cards; the list page (linked) has the rest.
        columns = [
            (stage, board[stage.value][:BOARD_CARDS], len(board[stage.value]))
            for stage in BOARD_STAGES
        ]
        return render(
            request,
            "contracts/renewal_board.html",
            {"columns": columns, "within": days, "cards": BOARD_CARDS},
        )


def supplier_panel_context(request: HttpRequest, supplier: Supplier) -> dict[str, Any]:
    """What templates/contracts/partials/_supplier_panel.html shows on the supplier page: the
    supplier's contracts, values only where the user may see them; one query."""
    contracts = supplier_contracts(user=request.user, supplier=supplier)
    return {
        "supplier": supplier,
        "contracts": list(contracts[:20]),
        "may_create": may_create_contract(_actor(request)),
        "reporting_currency": settings.REPORTING_CURRENCY,
    }
