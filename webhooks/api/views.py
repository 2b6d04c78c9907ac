"""Webhook endpoints and deliveries over the API, for procurement managers and administrators
(``MANAGE_WEBHOOKS``); tokens need the ``webhooks`` scope. Every write goes through
webhooks.services; sending is the workers'."""

from __future__ import annotations

from typing import Any, cast

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from accounts.models import User
from accounts.roles import Capability
from core.api.views import ModelApiViewSet, ReadOnlyApiViewSet
from webhooks import services
from webhooks.api.serializers import (
    DeliverySerializer,
    DisableSerializer,
    EndpointSerializer,
    EndpointWithSecretSerializer,
)
from webhooks.filtersets import DeliveryFilterSet, EndpointFilterSet
from webhooks.models import Delivery, Endpoint
from webhooks.selectors import delivery_list, endpoint_list


def _actor(request: Request) -> User:
    return cast(User, request.user)


def _input(data: dict[str, Any], instance: Endpoint | None = None) -> services.EndpointInput:
    return services.EndpointInput(
        url=data.get("url", instance.url if instance else ""),
        description=data.get("description", instance.description if instance else ""),
        event_types=data.get("event_types", instance.event_types if instance else []),
    )


class EndpointViewSet(ModelApiViewSet[Endpoint]):
    """Webhook endpoints, newest first. The signing secret is returned by create and
    ``rotate-secret`` only. ``send-test`` puts a ``webhook.test`` event in the outbox."""

    token_scope = "webhooks"  # noqa: S105 - a scope name, not a secret
    serializer_class = EndpointSerializer
    filterset_class = EndpointFilterSet
    ordering_fields = ["created_at", "updated_at"]
    ordering = ("-created_at", "-id")
    required_capability = Capability.MANAGE_WEBHOOKS

    selector = endpoint_list

    def get_serializer_class(self) -> type[BaseSerializer[Any]]:
        if self.action == "disable":
            return DisableSerializer
        return EndpointSerializer

    def _read_back(self, endpoint: Endpoint) -> Endpoint:
        return self.get_queryset().get(pk=endpoint.pk)

    @extend_schema(request=EndpointSerializer, responses={201: EndpointWithSecretSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = cast(dict[str, Any], serializer.validated_data)
        endpoint = services.endpoint_create(by=_actor(request), data=_input(data))
        body = EndpointWithSecretSerializer(
            self._read_back(endpoint), context=self.get_serializer_context()
        ).data
        return Response(body, status=status.HTTP_201_CREATED)

    def perform_update(self, serializer: BaseSerializer[Endpoint]) -> None:
        endpoint = cast(Endpoint, serializer.instance)
        data = cast(dict[str, Any], serializer.validated_data)
        changed = services.endpoint_update(
            endpoint=endpoint, by=_actor(self.request), data=_input(data, endpoint)
        )
        serializer.instance = self._read_back(changed)

    def perform_destroy(self, instance: Endpoint) -> None:
        services.endpoint_delete(endpoint=instance, by=_actor(self.request))

    @extend_schema(request=None, responses=EndpointWithSecretSerializer)
    @action(detail=True, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request: Request, pk: str | None = None) -> Response:
        """A new signing secret, at once: deliveries from now on are signed with it."""
        endpoint = services.endpoint_rotate_secret(endpoint=self.get_object(), by=_actor(request))
        context = self.get_serializer_context()
        return Response(
            EndpointWithSecretSerializer(self._read_back(endpoint), context=context).data
        )

    @extend_schema(request=None, responses={202: DeliverySerializer})
    @action(detail=True, methods=["post"], url_path="send-test")
    def send_test(self, request: Request, pk: str | None = None) -> Response:
        """Puts a ``webhook.test`` event in the outbox for this endpoint; a worker sends it.
        The answer is the delivery, to follow at /api/v1/webhook-deliveries/{id}/."""
        delivery = services.endpoint_send_test(endpoint=self.get_object(), by=_actor(request))
        shown = delivery_list(user=request.user).get(pk=delivery.pk)
        context = self.get_serializer_context()
        return Response(DeliverySerializer(shown, context=context).data, status=202)

    @extend_schema(request=DisableSerializer, responses=EndpointSerializer)
    @action(detail=True, methods=["post"])
    def disable(self, request: Request, pk: str | None = None) -> Response:
        """Stops sending to it; its pending deliveries wait until it is enabled again."""
        serializer = DisableSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        reason = cast(dict[str, Any], serializer.validated_data).get("reason", "")
        endpoint = services.endpoint_set_active(
            endpoint=self.get_object(), by=_actor(request), active=False, reason=reason
        )
        context = self.get_serializer_context()
        return Response(EndpointSerializer(self._read_back(endpoint), context=context).data)

    @extend_schema(request=None, responses=EndpointSerializer)
    @action(detail=True, methods=["post"])
    def enable(self, request: Request, pk: str | None = None) -> Response:
        """Sends to it again, starting with what waited; its failure count starts over."""
        endpoint = services.endpoint_set_active(
            endpoint=self.get_object(), by=_actor(request), active=True
        )
        context = self.get_serializer_context()
        return Response(EndpointSerializer(self._read_back(endpoint), context=context).data)


class DeliveryViewSet(ReadOnlyApiViewSet[Delivery]):
    """Deliveries of the last WEBHOOKS_RETENTION_DAYS days, newest first, each with its event
    and every attempt; ``?endpoint=<id>`` for one endpoint's."""

    token_scope = "webhooks"  # noqa: S105 - a scope name, not a secret
    serializer_class = DeliverySerializer
    filterset_class = DeliveryFilterSet
    ordering_fields = ["created_at", "next_attempt_at"]
    ordering = ("-created_at", "-id")
    required_capability = Capability.MANAGE_WEBHOOKS

    selector = delivery_list

    @extend_schema(request=None, responses={202: DeliverySerializer})
    @action(detail=True, methods=["post"])
    def redeliver(self, request: Request, pk: str | None = None) -> Response:
        """Sends a finished delivery again, with the same webhook-id; a pending one is left as
        it is."""
        delivery = services.delivery_redeliver(delivery=self.get_object(), by=_actor(request))
        shown = self.get_queryset().get(pk=delivery.pk)
        context = self.get_serializer_context()
        return Response(DeliverySerializer(shown, context=context).data, status=202)
