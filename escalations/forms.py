from __future__ import annotations

from django import forms
from django.db.models import Exists, OuterRef
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from escalations.filtersets import EscalationFilterSet
from escalations.models import Escalation
from suppliers.selectors import AnyUser, supplier_visible

# Filters for machines: the page sorts newest first and shows every change anyway.
_API_ONLY_FILTERS = ("updated_since", "ordering")
_CHECKBOX_FILTERS = ("status", "level", "severity", "reason")


def escalation_filter_form(data: QueryDict | None, *, user: AnyUser) -> forms.Form:
    """The page's filter form: the form of the FilterSet the API uses, laid out for people.
    The supplier list offers only suppliers the reader may see that have escalations, not the
    whole portfolio."""
    form: forms.Form = EscalationFilterSet(data, user=user).form
    for name in _API_ONLY_FILTERS:
        form.fields.pop(name, None)
    for name in _CHECKBOX_FILTERS:
        field = form.fields[name]
        field.widget = forms.CheckboxSelectMultiple(choices=field.choices)  # type: ignore[attr-defined]
    supplier = form.fields["supplier"]
    escalated = Escalation.objects.filter(supplier=OuterRef("pk"))
    shown = supplier_visible(user=user).filter(Exists(escalated)).order_by("name")
    supplier.queryset = shown  # type: ignore[attr-defined]
    supplier.empty_label = _("Any")  # type: ignore[attr-defined]
    form.fields["older_than"].widget.attrs.update({"inputmode": "numeric", "step": 1})
    return form


class EscalationAcknowledgeForm(forms.Form):
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Optional: what you are doing about it."),
    )


class EscalationResolveForm(forms.Form):
    # Required by escalations.services.escalation_resolve, which says so beside this field;
    # the attribute lets the browser say it first.
    note = forms.CharField(
        label=_("How was it resolved?"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "required": True}),
    )
