"""Reading endpoints and deliveries, for those who may (webhooks.permissions)."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from django.http import Http404

from webhooks.models import Delivery, DeliveryAttempt, Endpoint
from webhooks.permissions import AnyUser, may_view_webhooks

RECENT_DELIVERIES = 50


def endpoint_list(*, user: AnyUser) -> QuerySet[Endpoint]:
    if not may_view_webhooks(user):
        return Endpoint.objects.none()
    return Endpoint.objects.select_related("owner").order_by("-created_at", "-id")


def endpoint_get(*, user: AnyUser, pk: int) -> Endpoint:
    try:
        return endpoint_list(user=user).get(pk=pk)
    except Endpoint.DoesNotExist:
        raise Http404 from None


def delivery_list(*, user: AnyUser) -> QuerySet[Delivery]:
    """Deliveries with their event, endpoint and every attempt (newest first), in three
    queries whatever the number of rows."""
    if not may_view_webhooks(user):
        return Delivery.objects.none()
    attempts = DeliveryAttempt.objects.order_by("-at", "-id")
    return (
        Delivery.objects.select_related("event", "endpoint")
        .prefetch_related(Prefetch("attempts_made", queryset=attempts))
        .order_by("-created_at", "-id")
    )


def delivery_get(*, user: AnyUser, pk: int) -> Delivery:
    try:
        return delivery_list(user=user).get(pk=pk)
    except Delivery.DoesNotExist:
        raise Http404 from None


def recent_deliveries(*, user: AnyUser, endpoint: Endpoint) -> list[Delivery]:
    return list(delivery_list(user=user).filter(endpoint=endpoint)[:RECENT_DELIVERIES])
