"""core.renderers: a <select> written in Python is Django's own markup, byte for byte."""

from __future__ import annotations

from typing import Any

import pytest
from django import forms
from django.forms.renderers import TemplatesSetting

from core.renderers import FormRenderer

CHOICES: list[Any] = [
    ("", "Any"),
    ("a&b", 'Quotes " and <tags>'),
    ("Group <1>", [("x", "Ex"), ("y", "Why")]),
    (3, "Three"),
]


class Sample(forms.Form):
    one = forms.ChoiceField(choices=CHOICES, required=False)
    many = forms.MultipleChoiceField(
        choices=CHOICES, required=False, widget=forms.SelectMultiple(attrs={"data-x": "1"})
    )
    flagged = forms.ChoiceField(
        choices=CHOICES, widget=forms.Select(attrs={"disabled": True, "hidden": False})
    )
    boxes = forms.MultipleChoiceField(
        choices=CHOICES, required=False, widget=forms.CheckboxSelectMultiple
    )


@pytest.mark.parametrize(
    "data", [None, {"one": "a&b", "many": ["x", "3"], "flagged": "y", "boxes": ["3"]}]
)
def test_select_renders_as_django_renders_it(data: dict[str, Any] | None) -> None:
    ours = Sample(data, renderer=FormRenderer()).as_div()
    django = Sample(data, renderer=TemplatesSetting()).as_div()

    assert ours == django
    assert "&lt;tags&gt;" in ours
    assert 'value="a&amp;b" selected' in ours or data is None
