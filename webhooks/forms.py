from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from webhooks.events import event_type_choices


class EndpointForm(forms.Form):
    """What a person types; webhooks.services validates the URL (where it resolves) and the
    event types, and the view shows its errors beside these fields."""

    url = forms.CharField(
        label=_("URL"),
        max_length=2000,
        widget=forms.URLInput(attrs={"placeholder": "https://erp.example.com/srm-events"}),
        help_text=_("https:// only; its host must resolve to public addresses."),
    )
    description = forms.CharField(label=_("Description"), max_length=200, required=False)
    event_types = forms.MultipleChoiceField(
        label=_("Event types"),
        required=False,
        choices=event_type_choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every event type, including those added later."),
    )


class DisableForm(forms.Form):
    reason = forms.CharField(label=_("Why"), max_length=300, required=False)
