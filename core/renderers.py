"""The form renderer: Django's templates, except a ``<select>``, whose options are written here.

A country or currency list is 250 options. Rendered by Django's templates, each option costs an
``{% include %}`` of ``select_option.html`` and another of ``attrs.html``; the filter forms made
most of a list page's rendering time. The markup is Django's, byte for byte.
"""

from __future__ import annotations

from typing import Any

from django.forms.renderers import TemplatesSetting
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

SELECT = "django/forms/widgets/select.html"
OPTION = "django/forms/widgets/select_option.html"


def _attrs(attrs: dict[str, Any]) -> SafeString:
    return format_html_join(
        "",
        " {}{}",
        (
            (name, "" if value is True else format_html('="{}"', str(value)))
            for name, value in attrs.items()
            if value is not False
        ),
    )


def render_select(widget: dict[str, Any]) -> SafeString:
    groups = []
    for group_name, options, _index in widget["optgroups"]:
        rendered = format_html_join(
            "",
            '\n  <option value="{}"{}>{}</option>\n',
            ((str(opt["value"]), _attrs(opt["attrs"]), opt["label"]) for opt in options),
        )
        if group_name:
            rendered = format_html(
                '\n  <optgroup label="{}">{}\n  </optgroup>', group_name, rendered
            )
        groups.append(rendered)
    return format_html(
        '<select name="{}"{}>{}\n</select>',
        widget["name"],
        _attrs(widget["attrs"]),
        mark_safe("".join(groups)),  # noqa: S308 - every part went through format_html
    )


class FormRenderer(TemplatesSetting):
    """Forms render through TEMPLATES (so ``templates/django/forms/`` may override a widget's
    template), and selects in Python."""

    def render(
        self, template_name: str, context: dict[str, Any], request: HttpRequest | None = None
    ) -> str:
        widget = context.get("widget") or {}
        if template_name == SELECT and all(
            option["template_name"] == OPTION
            for _name, options, _index in widget.get("optgroups", ())
            for option in options
        ):
            return render_select(widget)
        return super().render(template_name, context, request)
