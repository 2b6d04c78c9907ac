"""Report pages: the home page (the dashboard or My day, by role), the management dashboard,
My day, and the exports of every list page."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views import View

from accounts.permissions import CapabilityRequiredMixin
from accounts.roles import Capability, user_can
from core.exports import FORMATS, export_response
from reports.dashboard import dashboard
from reports.exports import DATASETS
from reports.filtersets import DEFAULT_PERIOD_DAYS, ReportFilterSet
from reports.selectors import my_day, report_scope
from suppliers.selectors import owner_candidate_list


def dashboard_filter_form(request: HttpRequest) -> forms.Form:
    form: forms.Form = ReportFilterSet(request.GET or None).form
    segment = form.fields["segment"]
    segment.widget = forms.CheckboxSelectMultiple(choices=segment.choices)  # type: ignore[attr-defined]
    form.fields["category"].widget.attrs["size"] = 4
    form.fields["period"].initial = str(DEFAULT_PERIOD_DAYS)
    owner = form.fields["owner"]
    owner.queryset = owner_candidate_list(user=request.user)  # type: ignore[attr-defined]
    owner.empty_label = _("Anyone")  # type: ignore[attr-defined]
    return form


def dashboard_context(request: HttpRequest) -> dict[str, Any]:
    scope = report_scope(user=request.user, filters=request.GET)
    form = dashboard_filter_form(request)
    return {
        "scope": scope,
        "filter_form": form,
        "filters_applied": bool(scope.filters.keys() - {"period"}),
        **dashboard(scope),
    }


class DashboardView(CapabilityRequiredMixin, View):
    """The management dashboard: the whole portfolio for those who see confidential figures,
    one's own suppliers for anyone else."""

    required_capability = Capability.VIEW_PORTFOLIO

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, "reports/dashboard.html", dashboard_context(request))


class MyDayView(CapabilityRequiredMixin, View):
    required_capability = Capability.VIEW_PORTFOLIO

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, "reports/my_day.html", {"day": my_day(user=request.user)})


class HomeView(View):
    """The first page after sign-in: the dashboard for procurement managers and executives,
    My day for account managers, a welcome for anyone else (an administrator)."""

    def get(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user_can(user, Capability.VIEW_CONFIDENTIAL):
            return render(request, "reports/dashboard.html", dashboard_context(request))
        if user_can(user, Capability.MANAGE_OWN_SUPPLIERS):
            return render(request, "reports/my_day.html", {"day": my_day(user=user)})
        return render(request, "core/home.html")


class ExportView(View):
    """A list page's rows, with the page's own filters, as CSV or XLSX: every page at once."""

    def get(
        self, request: HttpRequest, dataset: str, file_format: str
    ) -> StreamingHttpResponse | FileResponse:
        spec = DATASETS.get(dataset)
        if spec is None or file_format not in FORMATS:
            raise Http404
        if not user_can(request.user, spec.capability):
            raise PermissionDenied
        filename = f"{dataset}-{timezone.localdate().isoformat()}"
        return export_response(
            spec.rows(request.user, request.GET),
            spec.columns,
            file_format=file_format,
            filename=filename,
            sheet=str(spec.title),
        )
