"""The management dashboard assembled from reports.selectors: each figure with the link to the
list behind it, and the charts' geometry. The page renders it; the API returns the figures."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.roles import Capability, user_can
from escalations.choices import EscalationStatus, Level
from reports import selectors
from reports.charts import Bar, Bubble, bar_chart, bubble_radius, line_chart
from reports.selectors import AGE_THRESHOLDS, NEAR_DAYS, SPEND_BANDS, Scope
from reviews.choices import Standing
from suppliers.choices import RiskLevel, Segment, SupplierStatus

SEGMENT_CSS = {key: f"segment-{key}" for key in Segment.values}
STANDING_CSS = {key: f"standing-{key}" for key in Standing.values}
SPEND_LABELS = {"1m": "≥ 1M", "100k": "100k-1M", "10k": "10k-100k", "0": "< 10k"}


def link(name: str, params: Iterable[tuple[str, Any]] = ()) -> str:
    url = reverse(name)
    query = urlencode([(key, value) for key, value in params if value not in (None, "")])
    return f"{url}?{query}" if query else url


def _supplier_params(scope: Scope) -> list[tuple[str, Any]]:
    """The dashboard's own supplier filters, carried to the supplier list."""
    params: list[tuple[str, Any]] = [
        ("segment", segment) for segment in scope.filters.get("segment", [])
    ]
    params += [("category", category.pk) for category in scope.filters.get("category", [])]
    owner = scope.filters.get("owner")
    if owner is None and not scope.whole_portfolio:
        owner = scope.user  # an account manager's figures are of their own suppliers
    if owner is not None:
        params.append(("owner", owner.pk))
    return params


def _scope_params(scope: Scope) -> list[tuple[str, Any]]:
    """The same filters for lists of things that belong to suppliers (contracts, reviews,
    commitments, escalations), whose own ``owner`` is someone else: the key-account holder
    goes as ``account_owner``."""
    return [
        ("account_owner" if key == "owner" else key, value)
        for key, value in _supplier_params(scope)
    ]


def portfolio_panel(scope: Scope) -> dict[str, Any]:
    cells = selectors.portfolio_by_segment_and_status(scope)
    carried = [(key, value) for key, value in _supplier_params(scope) if key != "segment"]
    chosen = scope.filters.get("segment")
    rows = []
    # Filtered by segment, only those segments' rows: another's link could not keep the filter.
    for segment in [segment for segment in Segment if not chosen or segment.value in chosen]:
        row_cells = [cell for cell in cells if cell["segment"] == segment.value]
        for cell in row_cells:
            params = [("segment", segment.value), ("status", cell["status"]), *carried]
            cell["url"] = link("suppliers:supplier_list", params)
        total = sum(cell["count"] for cell in row_cells)
        url = link("suppliers:supplier_list", [("segment", segment.value), *carried])
        rows.append({"segment": segment, "cells": row_cells, "total": total, "url": url})
    chart = bar_chart(
        [
            Bar(
                str(row["segment"].label),
                row["total"],
                row["url"],
                SEGMENT_CSS[row["segment"].value],
            )
            for row in rows
        ]
    )
    return {"rows": rows, "statuses": list(SupplierStatus), "chart": chart}


def _spend_params(band: str) -> list[tuple[str, Any]]:
    bounds = [lower for lower, key in SPEND_BANDS]
    keys = [key for _lower, key in SPEND_BANDS]
    if band not in keys:
        return [("no_spend", "true")]  # no spend figure from the ERP yet
    index = keys.index(band)
    params: list[tuple[str, Any]] = [("spend_min", bounds[index])]
    if index > 0:
        params.append(("spend_below", bounds[index - 1]))
    return params


def kraljic_panel(scope: Scope) -> dict[str, Any]:
    cells = selectors.kraljic_matrix(scope)
    largest = max((cell["count"] for cell in cells), default=0)
    risks = list(RiskLevel)
    bands = [key for _lower, key in SPEND_BANDS]  # highest spend first: the top row
    carried = _supplier_params(scope)
    bubbles, unspent = [], []
    for cell in cells:
        params = [("risk_level", cell["risk_level"]), *_spend_params(cell["spend_band"]), *carried]
        cell["url"] = link("suppliers:supplier_list", params)
        cell["risk_label"] = RiskLevel(cell["risk_level"]).label
        cell["band_label"] = SPEND_LABELS.get(cell["spend_band"], _("No spend figure"))
        if cell["spend_band"] == "none":
            unspent.append(cell)
            continue
        column, row = risks.index(cell["risk_level"]), bands.index(cell["spend_band"])
        if cell["count"]:
            bubbles.append(
                Bubble(
                    x=110 + column * 75,
                    y=30 + row * 60,
                    r=bubble_radius(cell["count"], largest),
                    count=cell["count"],
                    label=f"{cell['risk_label']}, {cell['band_label']}",
                    url=cell["url"],
                )
            )
    return {
        "cells": [cell for cell in cells if cell["spend_band"] != "none"],
        "unspent": unspent,
        "bubbles": bubbles,
        "risks": [(110 + index * 75, risk.label) for index, risk in enumerate(risks)],
        "bands": [(30 + index * 60, SPEND_LABELS[key]) for index, key in enumerate(bands)],
    }


def _quarter_label(day: date) -> str:
    return f"{day.year} Q{(day.month - 1) // 3 + 1}"


def performance_panel(scope: Scope) -> dict[str, Any]:
    averages = selectors.average_score_by_quarter(scope)
    quarters = sorted({row["quarter"] for row in averages})
    labels = [_quarter_label(quarter) for quarter in quarters]
    found = {(row["quarter"], row["segment"]): row for row in averages}
    series = []
    for segment in Segment:
        values = [
            found[(quarter, segment.value)]["average"]
            if (quarter, segment.value) in found
            else None
            for quarter in quarters
        ]
        if any(value is not None for value in values):
            series.append((str(segment.label), SEGMENT_CSS[segment.value], values))
    table = [
        {"quarter": label, "values": [values[index] for _name, _css, values in series]}
        for index, label in enumerate(labels)
    ]
    summary = selectors.standings(scope)
    standings = summary.distribution
    for row in standings:
        row["label"] = Standing(row["standing"]).label
        row["url"] = link(
            "reviews:review_list",
            [("standing", row["standing"]), ("latest", "true"), *_scope_params(scope)],
        )
    moved_count, moved = summary.moved_down_count, summary.moved_down
    moved_rows = [
        {
            "supplier": supplier,
            "before": Standing(supplier.previous_standing).label,  # type: ignore[attr-defined]
            "now": Standing(supplier.standing).label,  # type: ignore[attr-defined]
        }
        for supplier in moved
    ]
    return {
        "line": line_chart(labels, series) if labels else None,
        "series_names": [name for name, _css, _values in series],
        "table": table,
        "standings": standings,
        "standing_chart": bar_chart(
            [
                Bar(str(row["label"]), row["count"], row["url"], STANDING_CSS[row["standing"]])
                for row in standings
            ]
        ),
        "moved_down_count": moved_count,
        "moved_down": moved_rows,
    }


def contracts_panel(scope: Scope) -> dict[str, Any]:
    figures = selectors.contract_figures(scope)
    savings = selectors.savings_figures(scope)
    carried = _scope_params(scope)
    return {
        **figures,
        "savings": savings,
        "notice_url": link("contracts:contract_list", [("notice_within", NEAR_DAYS), *carried]),
        "expiring_url": link("contracts:contract_list", [("ending_within", NEAR_DAYS), *carried]),
        "active_url": link("contracts:contract_list", [("in_force", "true"), *carried]),
        "spend_url": link("suppliers:supplier_list", _supplier_params(scope)),
        "near_days": NEAR_DAYS,
    }


def relationship_panel(scope: Scope) -> dict[str, Any]:
    figures = selectors.relationship_figures(scope)
    suppliers = _supplier_params(scope)
    others = [(key, value) for key, value in suppliers if key != "segment"]
    carried = _scope_params(scope)
    chosen = scope.filters.get("segment")
    return {
        **figures,
        "strategic_not_met": figures["strategic_active"] - figures["strategic_met_in_person"],
        # None when the filter leaves strategic suppliers out: no list would be empty to match.
        "not_met_url": None
        if chosen and Segment.STRATEGIC not in chosen
        else link(
            "meetings:overdue_contact",
            [("segment", Segment.STRATEGIC), ("in_person", "on"), *others],
        ),
        # Its list is for those who read the whole portfolio.
        "single_threaded_url": link("meetings:single_threaded", suppliers)
        if user_can(scope.user, Capability.VIEW_CONFIDENTIAL)
        else None,
        "overdue_ours_url": link(
            "meetings:commitment_list", [("overdue", "true"), ("side", "ours"), *carried]
        ),
        "overdue_theirs_url": link(
            "meetings:commitment_list", [("overdue", "true"), ("side", "theirs"), *carried]
        ),
    }


def escalations_panel(scope: Scope) -> dict[str, Any]:
    rows = selectors.escalation_figures(scope)
    unresolved = [("status", EscalationStatus.OPEN), ("status", EscalationStatus.ACKNOWLEDGED)]
    carried = _scope_params(scope)
    for row in rows:
        row["label"] = Level(row["level"]).label
        row["urls"] = {
            days: link(
                "escalations:escalation_list",
                [*unresolved, ("level", row["level"]), ("older_than", days or None), *carried],
            )
            for days in AGE_THRESHOLDS
        }
        row["cells"] = [
            (row["open"], row["urls"][0]),
            (row["older_than_7"], row["urls"][7]),
            (row["older_than_30"], row["urls"][30]),
        ]
    return {
        "rows": rows,
        "chart": bar_chart(
            [
                Bar(
                    _("Level %(level)s") % {"level": row["level"]},
                    row["open"],
                    row["urls"][0],
                    f"level-{row['level']}",
                )
                for row in rows
            ]
        ),
        "overdue_reviews": selectors.overdue_review_count(scope),
        "overdue_reviews_url": link("reviews:review_list", [("overdue", "true"), *carried]),
    }


def dashboard(scope: Scope) -> dict[str, Any]:
    return {
        "portfolio": portfolio_panel(scope),
        "kraljic": kraljic_panel(scope),
        "performance": performance_panel(scope),
        "contracts": contracts_panel(scope),
        "relationship": relationship_panel(scope),
        "escalations": escalations_panel(scope),
    }
