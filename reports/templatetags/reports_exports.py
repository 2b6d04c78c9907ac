"""Export links for list pages: ``{% export_links "suppliers" %}`` offers the page's rows, with
its current filters, as CSV and XLSX."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse

register = template.Library()


def export_url(request: Any, dataset: str, file_format: str, **extra: Any) -> str:
    params = request.GET.copy()
    params.pop("page", None)  # an export holds every page
    for name, value in extra.items():
        params[name] = value
    url = reverse("reports:export", args=[dataset, file_format])
    return f"{url}?{params.urlencode()}" if params else url


@register.inclusion_tag("reports/partials/_export_links.html", takes_context=True)
def export_links(
    context: template.Context, dataset: str, title: str = "", **extra: Any
) -> dict[str, Any]:
    """CSV and XLSX links for ``dataset`` under ``title``; keyword arguments add or replace
    filters (``supplier=supplier.pk`` on a supplier's page)."""
    request = context["request"]
    return {
        "title": title,
        "csv_url": export_url(request, dataset, "csv", **extra),
        "xlsx_url": export_url(request, dataset, "xlsx", **extra),
    }
