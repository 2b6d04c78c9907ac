"""Forms of the contract pages. They parse input only: the services validate and write."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.models import AnonymousUser
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from contracts.choices import (
    BenefitKind,
    DocumentKind,
    ObligationStatus,
    Party,
    Recurrence,
    RenewalChoice,
    RenewalStage,
)
from contracts.filtersets import ContractFilterSet
from contracts.models import Contract
from core.currencies import currency_choices
from core.forms import DateField
from suppliers.selectors import AnyUser, owner_candidate_list, supplier_visible

_API_ONLY_FILTERS = ("external_id", "updated_since", "ordering")
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MONEY = {"max_digits": 16, "decimal_places": 2, "min_value": 0}


def contract_filter_form(data: QueryDict | None, *, user: AnyUser) -> forms.Form:
    """The list page's filter form: the form of the FilterSet the API uses; the suppliers
    offered are those the user may see that have contracts."""
    form: forms.Form = ContractFilterSet(data).form
    for name in _API_ONLY_FILTERS:
        form.fields.pop(name, None)
    status = form.fields["status"]
    status.widget = forms.CheckboxSelectMultiple(choices=status.choices)  # type: ignore[attr-defined]
    form.fields["q"].widget.attrs.update({"type": "search"})
    supplier = form.fields["supplier"]
    supplier.queryset = (  # type: ignore[attr-defined]
        supplier_visible(user=user).filter(contracts__isnull=False).distinct().order_by("name")
    )
    for name in ("supplier", "owner"):
        form.fields[name].empty_label = _("Any")  # type: ignore[attr-defined]
    form.fields["currency"].empty_label = _("Any")  # type: ignore[attr-defined]
    # The supplier's category and key-account holder come from the dashboard's links: kept,
    # not offered (two more lists of options to read on every page).
    form.fields["category"].widget = forms.MultipleHiddenInput()
    form.fields["account_owner"].widget = forms.HiddenInput()
    for name in ("notice_within", "ending_within"):
        form.fields[name].widget.attrs.update({"inputmode": "numeric", "step": 1})
    return form


class ContractForm(forms.Form):
    """Creating a contract, and amending its terms (then the supplier is fixed)."""

    supplier = forms.ModelChoiceField(
        label=_("Supplier"), queryset=supplier_visible(user=AnonymousUser())
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    owner = forms.ModelChoiceField(
        label=_("Owner"), queryset=owner_candidate_list(user=AnonymousUser())
    )
    value = forms.DecimalField(label=_("Value"), **MONEY)  # type: ignore[arg-type]
    currency = forms.ChoiceField(label=_("Currency"), choices=currency_choices)
    start_date = DateField(label=_("Start date"), required=False, widget=DATE)
    end_date = DateField(
        label=_("End date"),
        required=False,
        widget=DATE,
        help_text=_("Empty for an open-ended contract."),
    )
    notice_period_days = forms.IntegerField(
        label=_("Notice period (days)"), min_value=0, max_value=3650, initial=90
    )
    auto_renew = forms.BooleanField(label=_("Renews automatically"), required=False)
    renewal_term_months = forms.IntegerField(
        label=_("Renewal term (months)"), min_value=1, max_value=120, required=False
    )
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    external_id = forms.CharField(label=_("ERP id"), max_length=100, required=False)
    note = forms.CharField(
        label=_("What changed and why"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(
        self, *args: Any, user: AnyUser, contract: Contract | None = None, **kwargs: Any
    ) -> None:
        if contract is not None:
            kwargs.setdefault("initial", _initial(contract))
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owner_candidate_list(user=user)  # type: ignore[attr-defined]
        if contract is None:
            self.fields.pop("note")
            self.fields["supplier"].queryset = supplier_visible(user=user).order_by("name")  # type: ignore[attr-defined]
        else:
            self.fields.pop("supplier")


def _initial(contract: Contract) -> dict[str, Any]:
    names = (
        "title",
        "owner",
        "value",
        "currency",
        "start_date",
        "end_date",
        "notice_period_days",
        "auto_renew",
        "renewal_term_months",
        "description",
        "external_id",
    )
    return {name: getattr(contract, name) for name in names}


class ConfirmForm(forms.Form):
    """An action with nothing to fill in (activate)."""


class RenewForm(forms.Form):
    months = forms.IntegerField(
        label=_("New term (months)"),
        min_value=1,
        max_value=120,
        required=False,
        help_text=_("Empty: the contract's renewal term."),
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=2000)


class TerminateForm(forms.Form):
    on = DateField(label=_("Ends on"), widget=DATE)
    reason = forms.CharField(
        label=_("Why it ends"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class RenewalForm(forms.Form):
    stage = forms.ChoiceField(label=_("Move to"), choices=RenewalStage.choices)
    decision = forms.ChoiceField(
        label=_("Decision"), choices=[("", "—"), *RenewalChoice.choices], required=False
    )
    note = forms.CharField(
        label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class ObligationForm(forms.Form):
    party = forms.ChoiceField(label=_("Who owes it"), choices=Party.choices)
    description = forms.CharField(label=_("Description"), max_length=500)
    metric = forms.CharField(label=_("Metric"), max_length=200, required=False)
    target = forms.CharField(label=_("Target"), max_length=100, required=False)
    due_date = DateField(label=_("Due date"), required=False, widget=DATE)
    recurrence = forms.ChoiceField(
        label=_("Recurrence"), choices=Recurrence.choices, required=False
    )


class ObligationRecordForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=ObligationStatus.choices)
    evidence_note = forms.CharField(
        label=_("Evidence"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class BenefitForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=BenefitKind.choices)
    expected_amount = forms.DecimalField(label=_("Expected amount"), **MONEY)  # type: ignore[arg-type]
    gain_share_percent = forms.DecimalField(
        label=_("Gain share (%)"), required=False, min_value=0, max_value=100, decimal_places=2
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=2000)


class RealisationForm(forms.Form):
    period_start = DateField(label=_("Period start"), widget=DATE)
    period_end = DateField(label=_("Period end"), widget=DATE)
    amount = forms.DecimalField(label=_("Realised amount"), max_digits=16, decimal_places=2)
    note = forms.CharField(label=_("Note"), required=False, max_length=2000)


class DocumentForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=DocumentKind.choices)
    file = forms.FileField(label=_("File"))
