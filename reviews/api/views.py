"""Reviews over the API: templates (read), reviews with the submit, reopen and scores actions,
scores, corrective action plans, and the ERP's delivery lines and KPI values with their bulk
upserts. Who may see and do what is decided by the selectors and services."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import User
from accounts.permissions import RolePermission, may_sync_erp
from accounts.roles import Capability
from core.api.bulk import (
    ErrorSerializer,
    bulk_upsert_action,
    bulk_upsert_response,
)
from core.api.filters import FilterBackend
from core.api.views import ReadOnlyApiViewSet
from reviews import selectors, services
from reviews.api.serializers import (
    CorrectiveActionInputSerializer,
    CorrectiveActionPlanSerializer,
    CorrectiveActionPlanWriteSerializer,
    CorrectiveActionStatusSerializer,
    DeliveryBulkResultSerializer,
    DeliveryBulkRowSerializer,
    DeliveryLineSerializer,
    KpiValueBulkResultSerializer,
    KpiValueBulkRowSerializer,
    KpiValueSerializer,
    PlanVerifySerializer,
    ReviewReopenSerializer,
    ReviewScoreSerializer,
    ReviewSerializer,
    ReviewSubmitSerializer,
    ScorecardTemplateSerializer,
    ScoresInputSerializer,
    SurveyAnswerSerializer,
)
from reviews.filtersets import (
    CorrectiveActionPlanFilterSet,
    DeliveryLineFilterSet,
    KpiValueFilterSet,
    ReviewFilterSet,
    SurveyAnswerFilterSet,
)
from reviews.models import (
    CorrectiveActionPlan,
    CriterionResult,
    DeliveryLine,
    KpiValue,
    Rater,
    Review,
    ReviewScore,
    ScorecardTemplate,
    SurveyAnswer,
)
from reviews.services import delivery_upsert_many, kpi_value_upsert_many

# Bulk upserts: the ERP's integration account, or those who manage the data by hand.
_SYNC_PERMISSIONS = (RolePermission, may_sync_erp(Capability.MANAGE_PORTFOLIO))


_FORBIDDEN = OpenApiResponse(ErrorSerializer, description=_("You may not do this."))
_CONFLICT = OpenApiResponse(
    ErrorSerializer, description=_("``review_locked``: the review is submitted, or not yet.")
)
_INVALID = OpenApiResponse(ErrorSerializer, description=_("A field is missing or wrong."))


def _actor(request: Request) -> User:
    return cast(User, request.user)


def _data(serializer: Any) -> dict[str, Any]:
    return dict(cast(dict[str, Any], serializer.validated_data))


class ScorecardTemplateViewSet(ReadOnlyApiViewSet[ScorecardTemplate]):
    """Scorecard templates, every version, with their criteria and standing bands. Changing
    a template makes a new version; a review keeps the version it was started with."""

    token_scope = "reviews"  # noqa: S105 - a scope name, not a secret

    serializer_class = ScorecardTemplateSerializer
    required_capability = Capability.VIEW_PORTFOLIO
    ordering_fields = ["name", "created_at"]
    ordering = ("id",)

    def get_queryset(self) -> QuerySet[ScorecardTemplate]:
        return selectors.template_list()


def _review_queryset(user: Any) -> QuerySet[Review]:
    return selectors.review_list(user=user).prefetch_related(
        Prefetch("raters", queryset=Rater.objects.select_related("user").order_by("role", "id")),
        Prefetch("results", queryset=CriterionResult.objects.select_related("criterion")),
    )


class ReviewViewSet(ReadOnlyApiViewSet[Review]):
    """Reviews visible to you: procurement managers and executives see all; key-account owners
    their suppliers'; raters the reviews they are invited to. ``?overdue=true`` lists the
    overdue ones. Status and results change only through the actions."""

    token_scope = "reviews"  # noqa: S105 - a scope name, not a secret
    change_resource = "reviews"

    serializer_class = ReviewSerializer
    filter_backends = [FilterBackend]
    filterset_class = ReviewFilterSet
    ordering = ("due_date", "id")
    required_capability = Capability.VIEW_PORTFOLIO

    def get_queryset(self) -> QuerySet[Review]:
        return _review_queryset(self.request.user)

    def _fresh(self, review: Review) -> Response:
        changed = self.get_queryset().get(pk=review.pk)
        return Response(ReviewSerializer(changed, context=self.get_serializer_context()).data)

    @extend_schema(
        request=ReviewSubmitSerializer,
        responses={200: ReviewSerializer, 403: _FORBIDDEN, 409: _CONFLICT},
    )
    @action(detail=True, methods=["post"], serializer_class=ReviewSubmitSerializer)
    def submit(self, request: Request, pk: str | None = None) -> Response:
        """Computes the result and locks the review: by its owner or a procurement manager. A
        poor result opens a corrective action plan and an escalation."""
        review = self.get_object()
        serializer = ReviewSubmitSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        summary = _data(serializer).get("summary")
        services.review_submit(review=review, by=_actor(request), summary=summary)
        return self._fresh(review)

    @extend_schema(
        request=ReviewReopenSerializer,
        responses={200: ReviewSerializer, 400: _INVALID, 403: _FORBIDDEN, 409: _CONFLICT},
    )
    @action(detail=True, methods=["post"], serializer_class=ReviewReopenSerializer)
    def reopen(self, request: Request, pk: str | None = None) -> Response:
        """Unlocks a submitted review: procurement managers only, with a reason."""
        review = self.get_object()
        serializer = ReviewReopenSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.review_reopen(
            review=review, by=_actor(request), reason=_data(serializer)["reason"]
        )
        return self._fresh(review)

    @extend_schema(
        request=ScoresInputSerializer,
        responses={
            200: ReviewScoreSerializer(many=True),
            400: _INVALID,
            403: _FORBIDDEN,
            409: _CONFLICT,
        },
    )
    @action(detail=True, methods=["post"], serializer_class=ScoresInputSerializer)
    def scores(self, request: Request, pk: str | None = None) -> Response:
        """Saves your own scores (you must be one of the review's raters); answers with them."""
        review = self.get_object()
        serializer = ScoresInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        rows = _data(serializer)["scores"]
        saved = services.scores_save(
            review=review,
            by=_actor(request),
            scores={row["criterion"]: (row["score"], row.get("comment", "")) for row in rows},
        )
        mine = selectors.review_score_list(user=request.user).filter(pk__in=[s.pk for s in saved])
        return Response(ReviewScoreSerializer(mine, many=True).data)


class ReviewScoreViewSet(ReadOnlyApiViewSet[ReviewScore]):
    """Every rater's scores on the reviews you may see; filter with ``?review=``."""

    token_scope = "reviews"  # noqa: S105 - a scope name, not a secret

    serializer_class = ReviewScoreSerializer
    ordering_fields = ["updated_at"]
    ordering = ("id",)
    required_capability = Capability.VIEW_PORTFOLIO

    def get_queryset(self) -> QuerySet[ReviewScore]:
        queryset = selectors.review_score_list(user=self.request.user)
        review = self.request.query_params.get("review", "")
        return queryset.filter(rater__review_id=int(review)) if review.isdigit() else queryset


class CorrectiveActionPlanViewSet(ReadOnlyApiViewSet[CorrectiveActionPlan]):
    """Corrective action plans opened by poor reviews, visible with their review."""

    token_scope = "reviews"  # noqa: S105 - a scope name, not a secret
    change_resource = "corrective-action-plans"

    serializer_class = CorrectiveActionPlanSerializer
    filter_backends = [FilterBackend]
    filterset_class = CorrectiveActionPlanFilterSet
    ordering = ("-created_at", "-id")
    required_capability = Capability.VIEW_PORTFOLIO
    action_capabilities = dict.fromkeys(
        ["change", "add_action", "action_status", "verify"], Capability.MANAGE_OWN_SUPPLIERS
    )

    def get_queryset(self) -> QuerySet[CorrectiveActionPlan]:
        return selectors.plan_list(user=self.request.user).select_related("review__owner")

    def _fresh(self, plan: CorrectiveActionPlan) -> Response:
        changed = self.get_queryset().get(pk=plan.pk)
        return Response(
            CorrectiveActionPlanSerializer(changed, context=self.get_serializer_context()).data
        )

    def _run(self, request: Request, serializer_class: Any, act: Callable[..., Any]) -> Response:
        plan = self.get_object()
        serializer = serializer_class(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        act(plan=plan, by=_actor(request), **_data(serializer))
        return self._fresh(plan)

    @extend_schema(
        request=CorrectiveActionPlanWriteSerializer,
        responses={200: CorrectiveActionPlanSerializer, 400: _INVALID, 403: _FORBIDDEN},
    )
    @action(detail=True, methods=["post"], serializer_class=CorrectiveActionPlanWriteSerializer)
    def change(self, request: Request, pk: str | None = None) -> Response:
        """Records the problem, severity, root cause and the supplier's response."""
        return self._run(request, CorrectiveActionPlanWriteSerializer, services.plan_update)

    @extend_schema(
        request=CorrectiveActionInputSerializer,
        responses={200: CorrectiveActionPlanSerializer, 400: _INVALID, 403: _FORBIDDEN},
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="add-action",
        serializer_class=CorrectiveActionInputSerializer,
    )
    def add_action(self, request: Request, pk: str | None = None) -> Response:
        """Adds an action with an owner (ours or the supplier's contact) and a due date."""
        return self._run(request, CorrectiveActionInputSerializer, services.action_add)

    @extend_schema(
        request=CorrectiveActionStatusSerializer,
        responses={200: CorrectiveActionPlanSerializer, 403: _FORBIDDEN},
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="action-status",
        serializer_class=CorrectiveActionStatusSerializer,
    )
    def action_status(self, request: Request, pk: str | None = None) -> Response:
        """Marks one of the plan's actions done (or cancelled, or open again)."""
        plan = self.get_object()
        serializer = CorrectiveActionStatusSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = _data(serializer)
        corrective = plan.actions.filter(pk=data["action"]).first()
        if corrective is None:
            raise Http404
        services.action_set_status(action=corrective, by=_actor(request), status=data["status"])
        return self._fresh(plan)

    @extend_schema(
        request=PlanVerifySerializer,
        responses={200: CorrectiveActionPlanSerializer, 400: _INVALID, 403: _FORBIDDEN},
    )
    @action(detail=True, methods=["post"], serializer_class=PlanVerifySerializer)
    def verify(self, request: Request, pk: str | None = None) -> Response:
        """Closes the plan at a later review of the supplier: effective or not."""
        return self._run(request, PlanVerifySerializer, services.plan_verify)


class DeliveryLineViewSet(ReadOnlyApiViewSet[DeliveryLine]):
    """Purchase-order lines as delivered, from the ERP: the source of OTIF and the rejection
    rate. Pushed with ``bulk-upsert``, keyed by supplier ERP id, order and line."""

    token_scope = "deliveries"  # noqa: S105 - a scope name, not a secret
    change_resource = "deliveries"

    serializer_class = DeliveryLineSerializer
    filterset_class = DeliveryLineFilterSet
    ordering_fields = ["promised_date", "updated_at"]
    ordering = ("id",)
    required_capability = Capability.VIEW_PORTFOLIO

    selector = selectors.delivery_list

    @bulk_upsert_action(
        DeliveryBulkRowSerializer(many=True), DeliveryBulkResultSerializer, _SYNC_PERMISSIONS
    )
    def bulk_upsert(self, request: Request) -> Response:
        """Creates or updates up to 5,000 lines, all or nothing."""
        return bulk_upsert_response(request, delivery_upsert_many)


class KpiValueViewSet(ReadOnlyApiViewSet[KpiValue]):
    """KPI values the ERP computed itself, per supplier and period; they win over the figures
    computed from delivery lines. Pushed with ``bulk-upsert``."""

    token_scope = "deliveries"  # noqa: S105 - a scope name, not a secret
    change_resource = "kpi-values"

    serializer_class = KpiValueSerializer
    filterset_class = KpiValueFilterSet
    ordering_fields = ["period_end", "updated_at"]
    ordering = ("id",)
    required_capability = Capability.VIEW_PORTFOLIO

    selector = selectors.kpi_value_list

    @bulk_upsert_action(
        KpiValueBulkRowSerializer(many=True), KpiValueBulkResultSerializer, _SYNC_PERMISSIONS
    )
    def bulk_upsert(self, request: Request) -> Response:
        """Creates or updates up to 5,000 KPI values, all or nothing."""
        return bulk_upsert_response(request, kpi_value_upsert_many)


class SurveyAnswerViewSet(ReadOnlyApiViewSet[SurveyAnswer]):
    """The suppliers' answers to our customer-of-choice survey (how they rate us), newest
    first, read-only: whoever reads the portfolio reads them, as the supplier and scorecard
    pages show them. Sync new ones with ``?answered_since=…``."""

    token_scope = "reviews"  # noqa: S105 - a scope name, not a secret

    serializer_class = SurveyAnswerSerializer
    filterset_class = SurveyAnswerFilterSet
    ordering_fields = ["answered_at"]
    ordering = ("-answered_at", "-id")
    required_capability = Capability.VIEW_PORTFOLIO

    selector = selectors.survey_answer_list
