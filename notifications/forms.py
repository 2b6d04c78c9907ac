from __future__ import annotations

from typing import Any

from django import forms

from notifications.choices import NotificationKind


class EmailPreferenceForm(forms.Form):
    """A checkbox per kind of notification: ticked, it comes by email as well as in the inbox."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for kind in NotificationKind:
            self.fields[kind.value] = forms.BooleanField(label=kind.label, required=False)

    def chosen(self) -> dict[str, bool]:
        return {kind: bool(self.cleaned_data.get(kind)) for kind in NotificationKind.values}
