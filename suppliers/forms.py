"""Forms of the supplier pages. They parse input only: the services validate and write."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from core.currencies import currency_choices, default_currency
from core.forms import DateField
from suppliers.choices import OwnershipRole, SupplierStatus
from suppliers.filtersets import SupplierFilterSet
from suppliers.models import Category, Contact, Supplier
from suppliers.permissions import status_moves
from suppliers.selectors import category_list, owner_candidate_list
from suppliers.services import CONTACT_FIELDS, SUPPLIER_FIELDS

# Filters of the API that the page leaves out: the search box covers the ERP id, "updated
# since" is for integrations, and the column headers set the ordering.
_API_ONLY_FILTERS = ("external_id", "updated_since", "ordering")
_CHECKBOX_FILTERS = ("status", "segment", "risk_level")


def supplier_filter_form(data: QueryDict | None, *, user: Any) -> forms.Form:
    """The list page's filter form: the form of the FilterSet the API uses, laid out for
    people (checkboxes for short lists, a list box for long ones)."""
    form: forms.Form = SupplierFilterSet(data, user=user).form
    for name in _API_ONLY_FILTERS:
        form.fields.pop(name, None)
    for name in _CHECKBOX_FILTERS:
        field = form.fields[name]
        field.widget = forms.CheckboxSelectMultiple(choices=field.choices)  # type: ignore[attr-defined]
    form.fields["q"].widget.attrs.update(
        {"type": "search", "placeholder": _("Name, legal name, ERP id or VAT number")}
    )
    form.fields["country"].widget.attrs["size"] = 6
    form.fields["category"].widget.attrs["size"] = 6
    form.fields["owner"].empty_label = _("Anyone")  # type: ignore[attr-defined]
    return form


class ServiceModelForm(forms.ModelForm):
    """A ModelForm that leaves the instance alone: the service copies the input onto it,
    validates the model and saves it, and it must see the old values to know what changed."""

    def _post_clean(self) -> None:
        pass


class CategoryChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Category) -> str:
        return f"{obj.parent.name} / {obj.name}" if obj.parent else obj.name


class SupplierForm(ServiceModelForm):
    website = forms.URLField(
        label=_("Website"),
        required=False,
        max_length=200,
        assume_scheme="https",
        widget=forms.URLInput(attrs={"placeholder": "https://"}),
    )
    default_currency = forms.ChoiceField(
        label=_("Default currency"), choices=currency_choices, initial=default_currency
    )
    categories = CategoryChoiceField(
        label=_("Categories"),
        queryset=Category.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "choice-list"}),
    )

    class Meta:
        model = Supplier
        fields = [*SUPPLIER_FIELDS, "categories"]
        widgets = {
            "notes": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args: Any, by: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["categories"].queryset = category_list(user=by).order_by("name")  # type: ignore[attr-defined]


class ContactForm(ServiceModelForm):
    class Meta:
        model = Contact
        fields = list(CONTACT_FIELDS)
        help_texts = {"is_primary": _("The primary contact of another person stops being one.")}


class StatusChangeForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"))
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Kept in the history. Needed to bring back an offboarded supplier."),
    )

    def __init__(self, *args: Any, supplier: Supplier, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Offer the lifecycle's next steps only; the service enforces them either way.
        allowed = status_moves(supplier)
        self.fields["status"].choices = [  # type: ignore[attr-defined]
            (value, label) for value, label in SupplierStatus.choices if value in allowed
        ]


class OwnershipAssignForm(forms.Form):
    user = forms.ModelChoiceField(label=_("Person"), queryset=User.objects.none())
    role = forms.ChoiceField(label=_("Role"), choices=OwnershipRole.choices)
    since = DateField(
        label=_("Since"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("A new owner replaces the current one, who stays in the history."),
    )

    def __init__(self, *args: Any, by: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("since", timezone.localdate())
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = owner_candidate_list(user=by)  # type: ignore[attr-defined]
