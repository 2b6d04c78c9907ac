"""Contracts, obligations, benefits, documents and exchange rates over the API.

Reads go through the selectors (which decide what is confidential) and the FilterSets the
pages use; writes and actions go through the services, which decide who may (403 otherwise);
every write answers with the full representation, read back through the selector.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from django.db.models import QuerySet
from django.http import FileResponse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from accounts.models import User
from accounts.permissions import RolePermission, may_sync_erp
from accounts.roles import Capability
from contracts import services
from contracts.api.serializers import (
    BenefitRealisationSerializer,
    BenefitSerializer,
    ContractBulkResultSerializer,
    ContractBulkRowSerializer,
    ContractDetailSerializer,
    ContractSerializer,
    ContractWriteSerializer,
    DocumentSerializer,
    ExchangeRateBulkResultSerializer,
    ExchangeRateBulkRowSerializer,
    ExchangeRateSerializer,
    ObligationRecordSerializer,
    ObligationSerializer,
    RenewalDecisionSerializer,
    RenewSerializer,
    TerminateSerializer,
)
from contracts.filtersets import (
    BenefitFilterSet,
    ContractFilterSet,
    DocumentFilterSet,
    ExchangeRateFilterSet,
    ObligationFilterSet,
)
from contracts.models import Contract, ExchangeRate, Obligation
from contracts.selectors import (
    benefit_list,
    contract_list,
    document_list,
    exchange_rate_list,
    obligation_list,
)
from core.api.bulk import (
    ErrorSerializer,
    bulk_upsert_action,
    bulk_upsert_response,
)
from core.api.filters import FilterBackend
from core.api.views import ApiViewSet

# Bulk upserts: the ERP's integration account, or those who manage the data by hand.
_SYNC_PERMISSIONS = (RolePermission, may_sync_erp(Capability.MANAGE_CONTRACTS))


_FORBIDDEN = OpenApiResponse(ErrorSerializer, description=_("You may not do this."))
_CONFLICT = OpenApiResponse(
    ErrorSerializer,
    description=_(
        "``invalid_contract_state`` or ``invalid_renewal_transition``: the contract's state "
        "does not allow it."
    ),
)
_INVALID = OpenApiResponse(ErrorSerializer, description=_("A field is missing or wrong."))


def _actor(request: Request) -> User:
    return cast(User, request.user)


def _data(serializer: BaseSerializer[Any]) -> dict[str, Any]:
    return dict(cast(dict[str, Any], serializer.validated_data))


@extend_schema_view(
    create=extend_schema(responses={201: ContractDetailSerializer, 403: _FORBIDDEN}),
    partial_update=extend_schema(
        description=_("Amends the terms: a new version, the old one kept."),
        responses={200: ContractDetailSerializer, 403: _FORBIDDEN, 409: _CONFLICT},
    ),
)
class ContractViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    ApiViewSet[Contract],
):
    """Contracts, newest first. Everyone who reads the portfolio sees that a contract exists and
    its dates; the value and description only procurement managers, executives, the owner and
    the supplier's key-account owners (``restricted`` says which). PATCH amends the terms as a
    new version; the status changes through the actions. Sync with ``bulk-upsert`` and
    ``?changes_after=<cursor>`` (``?updated_since=`` still works, with its limits)."""

    token_scope = "contracts"  # noqa: S105 - a scope name, not a secret
    change_resource = "contracts"

    filter_backends = [FilterBackend]
    filterset_class = ContractFilterSet
    ordering = ("-created_at", "-id")
    required_capability = Capability.VIEW_PORTFOLIO
    http_method_names = ["get", "post", "patch", "head", "options"]

    selector = contract_list

    def get_serializer_class(self) -> type[BaseSerializer[Any]]:
        classes: dict[str, type[BaseSerializer[Any]]] = {
            "create": ContractWriteSerializer,
            "partial_update": ContractWriteSerializer,
            "renew": RenewSerializer,
            "terminate": TerminateSerializer,
            "renewal_decision": RenewalDecisionSerializer,
            "retrieve": ContractDetailSerializer,
        }
        return classes.get(self.action or "", ContractSerializer)

    def _answer(self, contract: Contract, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=contract.pk)
        context = self.get_serializer_context()
        return Response(ContractDetailSerializer(fresh, context=context).data, status=code)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = _data(serializer)
        data.pop("note", None)
        contract = services.contract_create(by=_actor(request), **data)
        return self._answer(contract, status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        contract = self.get_object()
        serializer = self.get_serializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        changes = _data(serializer)
        if "supplier" in changes and changes.pop("supplier").pk != contract.supplier_id:
            raise serializers.ValidationError({"supplier": [_("A contract keeps its supplier.")]})
        services.contract_amend(contract=contract, by=_actor(request), **changes)
        return self._answer(contract)

    def _act(self, request: Request, act: Callable[..., Any]) -> Response:
        contract = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        act(contract=contract, by=_actor(request), **_data(serializer))
        return self._answer(contract)

    @extend_schema(
        request=None,
        responses={200: ContractDetailSerializer, 400: _INVALID, 403: _FORBIDDEN, 409: _CONFLICT},
    )
    @action(detail=True, methods=["post"])
    def activate(self, request: Request, pk: str | None = None) -> Response:
        """Draft to active; 400 lists, by field, what an active contract needs and this lacks."""
        contract = self.get_object()
        services.contract_activate(contract=contract, by=_actor(request))
        return self._answer(contract)

    @extend_schema(
        request=RenewSerializer,
        responses={200: ContractDetailSerializer, 400: _INVALID, 403: _FORBIDDEN, 409: _CONFLICT},
    )
    @action(detail=True, methods=["post"])
    def renew(self, request: Request, pk: str | None = None) -> Response:
        """A new term after the current one, as a new version."""
        return self._act(request, services.contract_renew)

    @extend_schema(
        request=TerminateSerializer,
        responses={200: ContractDetailSerializer, 400: _INVALID, 403: _FORBIDDEN, 409: _CONFLICT},
    )
    @action(detail=True, methods=["post"])
    def terminate(self, request: Request, pk: str | None = None) -> Response:
        """Ends the contract on a date, for a reason. A later date leaves it active (in force)
        until that day, when the contract scan terminates it; ``allowed_actions`` then lacks
        ``renew``."""
        return self._act(request, services.contract_terminate)

    @extend_schema(
        request=RenewalDecisionSerializer,
        responses={200: ContractDetailSerializer, 400: _INVALID, 403: _FORBIDDEN, 409: _CONFLICT},
    )
    @action(detail=True, methods=["post"], url_path="renewal-decision")
    def renewal_decision(self, request: Request, pk: str | None = None) -> Response:
        """Moves the current term's renewal decision one stage on; who and when are recorded.
        Sending the stage it is at already changes nothing."""
        return self._act(request, services.renewal_decision_advance)

    @bulk_upsert_action(
        ContractBulkRowSerializer(many=True), ContractBulkResultSerializer, _SYNC_PERMISSIONS
    )
    def bulk_upsert(self, request: Request) -> Response:
        """Creates or updates up to 5,000 contracts keyed by ``external_id``, all or nothing."""
        return bulk_upsert_response(request, services.contract_upsert_many)


class _ConfidentialViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    ApiViewSet[Any],
):
    required_capability = Capability.VIEW_PORTFOLIO

    def _answer(self, instance: Any, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=instance.pk)
        return Response(
            self.get_serializer_class()(fresh, context=self.get_serializer_context()).data,
            status=code,
        )


@extend_schema_view(create=extend_schema(responses={201: ObligationSerializer, 403: _FORBIDDEN}))
class ObligationViewSet(_ConfidentialViewSet):
    """What each side signed up to do, for the contracts the caller may see in full."""

    token_scope = "contracts"  # noqa: S105 - a scope name, not a secret
    change_resource = "obligations"

    serializer_class = ObligationSerializer
    filterset_class = ObligationFilterSet
    ordering_fields = ["created_at", "updated_at"]
    ordering = ("id",)

    def get_queryset(self) -> QuerySet[Obligation]:
        return obligation_list(user=self.request.user).order_by("id")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = ObligationSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        obligation = services.obligation_create(by=_actor(request), **_data(serializer))
        return self._answer(obligation, status.HTTP_201_CREATED)

    @extend_schema(
        request=ObligationRecordSerializer,
        responses={200: ObligationSerializer, 400: _INVALID, 403: _FORBIDDEN},
    )
    @action(detail=True, methods=["post"])
    def record(self, request: Request, pk: str | None = None) -> Response:
        """How it went: met, missed or waived, with the evidence. A recurring one that was met
        or missed moves to its next due date and is open again."""
        obligation = self.get_object()
        serializer = ObligationRecordSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.obligation_record(obligation=obligation, by=_actor(request), **_data(serializer))
        return self._answer(obligation)


@extend_schema_view(create=extend_schema(responses={201: BenefitSerializer, 403: _FORBIDDEN}))
class BenefitViewSet(_ConfidentialViewSet):
    """Benefits promised against those realised, in the contract's currency and the reporting
    currency, for the contracts the caller may see in full."""

    token_scope = "contracts"  # noqa: S105 - a scope name, not a secret
    change_resource = "benefits"

    serializer_class = BenefitSerializer
    filterset_class = BenefitFilterSet
    ordering_fields = ["created_at", "updated_at"]
    ordering = ("id",)

    selector = benefit_list

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = BenefitSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        benefit = services.benefit_create(by=_actor(request), **_data(serializer))
        return self._answer(benefit, status.HTTP_201_CREATED)

    @extend_schema(
        request=BenefitRealisationSerializer,
        responses={200: BenefitSerializer, 400: _INVALID, 403: _FORBIDDEN},
    )
    @action(detail=True, methods=["post"])
    def realisations(self, request: Request, pk: str | None = None) -> Response:
        """Records what the benefit brought in a period; the same period again corrects it."""
        benefit = self.get_object()
        serializer = BenefitRealisationSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.benefit_realisation_record(
            benefit=benefit, by=_actor(request), **_data(serializer)
        )
        return self._answer(benefit)


@extend_schema_view(create=extend_schema(responses={201: DocumentSerializer, 403: _FORBIDDEN}))
class DocumentViewSet(_ConfidentialViewSet):
    """Contract documents, uploaded as multipart/form-data; the file's type is read from its
    content and its size is capped. ``download_url`` serves it to those who may see it."""

    token_scope = "contracts"  # noqa: S105 - a scope name, not a secret

    serializer_class = DocumentSerializer
    filterset_class = DocumentFilterSet
    # A file comes only as multipart/form-data; the rest of the API takes JSON only.
    parser_classes = [MultiPartParser]
    ordering_fields = ["uploaded_at"]
    ordering = ("-uploaded_at", "-id")

    selector = document_list

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = DocumentSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = _data(serializer)
        document = services.document_upload(
            by=_actor(request), contract=data["contract"], upload=data["file"], kind=data["kind"]
        )
        return self._answer(document, status.HTTP_201_CREATED)

    @extend_schema(
        responses={
            (200, "application/octet-stream"): OpenApiResponse(
                OpenApiTypes.BINARY, description=_("The file, as an attachment.")
            ),
            404: OpenApiResponse(ErrorSerializer, description=_("Not found.")),
        }
    )
    @action(detail=True, methods=["get"])
    def download(self, request: Request, pk: str | None = None) -> FileResponse:
        """The file's bytes, for those who may see the contract in full (404 for others)."""
        return services.document_response(self.get_object())


class ExchangeRateViewSet(mixins.ListModelMixin, ApiViewSet[ExchangeRate]):
    """Rates to the reporting currency by day; an amount converts at the latest rate on or
    before its date. The ERP sends them with ``bulk-upsert``."""

    token_scope = "exchange-rates"  # noqa: S105 - a scope name, not a secret
    change_resource = "exchange-rates"

    serializer_class = ExchangeRateSerializer
    filterset_class = ExchangeRateFilterSet
    ordering_fields = ["currency", "date", "updated_at"]
    ordering = ("currency", "-date", "id")
    required_capability = Capability.VIEW_PORTFOLIO

    selector = exchange_rate_list

    @bulk_upsert_action(
        ExchangeRateBulkRowSerializer(many=True),
        ExchangeRateBulkResultSerializer,
        _SYNC_PERMISSIONS,
    )
    def bulk_upsert(self, request: Request) -> Response:
        """Creates or updates up to 5,000 rates keyed by currency and date, all or nothing."""
        return bulk_upsert_response(request, services.exchange_rate_upsert_many)
