"""The dashboard's figures over the API, for BI tools: the same filters and the same role rules
as the page (an account manager's figures cover only their own suppliers)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.roles import Capability
from reports.api.serializers import (
    ContractFiguresSerializer,
    DashboardSerializer,
    EscalationFiguresSerializer,
    PerformanceSerializer,
    PortfolioSerializer,
    RelationshipSerializer,
)
from reports.filtersets import PERIOD_CHOICES, ReportFilterSet
from reports.selectors import dashboard_figures, report_scope
from suppliers.choices import Segment

FILTERS = [
    OpenApiParameter("segment", str, many=True, enum=Segment.values, explode=True),
    OpenApiParameter(
        "category", int, many=True, explode=True, description="Includes those below it."
    ),
    OpenApiParameter("owner", int, description="A user id: any current key-account role."),
    OpenApiParameter(
        "period",
        str,
        enum=[value for value, _label in PERIOD_CHOICES],
        description="Days looked back over for review scores, bands moved and savings "
        "realised; 365 unless given.",
    ),
]


class ReportViewSet(viewsets.ViewSet):
    """Dashboard figures: ``dashboard`` holds every panel, the others one each."""

    token_scope = "reports"  # noqa: S105 - a scope name, not a secret

    required_capability = Capability.VIEW_PORTFOLIO

    def _figures(self, request: Request, *panels: str) -> dict[str, Any]:
        filterset = ReportFilterSet(request.query_params)
        if not filterset.is_valid():
            raise serializers.ValidationError(filterset.errors)
        scope = report_scope(user=request.user, filters=request.query_params)
        if panels:
            return dashboard_figures(scope, panels=panels)
        return dashboard_figures(scope)

    def _answer(self, request: Request, serializer: type[Any], *panels: str) -> Response:
        figures = self._figures(request, *panels)
        data = figures[panels[0]] if len(panels) == 1 else figures
        return Response(serializer(data, context={"request": request}).data)

    @extend_schema(parameters=FILTERS, responses=DashboardSerializer)
    @action(detail=False, methods=["get"])
    def dashboard(self, request: Request) -> Response:
        return self._answer(request, DashboardSerializer)

    @extend_schema(parameters=FILTERS, responses=PortfolioSerializer)
    @action(detail=False, methods=["get"])
    def portfolio(self, request: Request) -> Response:
        return self._answer(request, PortfolioSerializer, "portfolio")

    @extend_schema(parameters=FILTERS, responses=PerformanceSerializer)
    @action(detail=False, methods=["get"])
    def performance(self, request: Request) -> Response:
        return self._answer(request, PerformanceSerializer, "performance")

    @extend_schema(parameters=FILTERS, responses=ContractFiguresSerializer)
    @action(detail=False, methods=["get"])
    def contracts(self, request: Request) -> Response:
        return self._answer(request, ContractFiguresSerializer, "contracts")

    @extend_schema(parameters=FILTERS, responses=RelationshipSerializer)
    @action(detail=False, methods=["get"])
    def relationship(self, request: Request) -> Response:
        return self._answer(request, RelationshipSerializer, "relationship")

    @extend_schema(parameters=FILTERS, responses=EscalationFiguresSerializer)
    @action(detail=False, methods=["get"])
    def escalations(self, request: Request) -> Response:
        return self._answer(request, EscalationFiguresSerializer, "escalations")
