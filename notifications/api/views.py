"""The caller's notifications over the API: the inbox, and marking read. Nobody reads or marks
another's: the selector and the service both take the caller as the recipient."""

from __future__ import annotations

from typing import Any, cast

from drf_spectacular.utils import extend_schema
from rest_framework import permissions
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import User
from accounts.roles import Capability, user_can
from core.api.views import ReadOnlyApiViewSet
from notifications.api.serializers import (
    NotificationMarkedSerializer,
    NotificationMarkReadSerializer,
    NotificationSerializer,
)
from notifications.filtersets import NotificationFilterSet
from notifications.models import Notification
from notifications.selectors import notification_list
from notifications.services import notification_mark_read


class MayUseAPI(permissions.BasePermission):
    """Marking one's own notifications read changes no business data: people who only read
    (executives) may do it too."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return user_can(request.user, Capability.USE_API)


class NotificationViewSet(ReadOnlyApiViewSet[Notification]):
    """The caller's notifications that are due, newest first: the inbox of the pages. Another
    person's notification is not found (404)."""

    token_scope = "notifications"  # noqa: S105 - a scope name, not a secret

    serializer_class = NotificationSerializer
    filterset_class = NotificationFilterSet
    ordering_fields = ["scheduled_for"]
    ordering = ("-scheduled_for", "-id")

    selector = notification_list

    @extend_schema(request=NotificationMarkReadSerializer, responses=NotificationMarkedSerializer)
    @action(detail=False, methods=["post"], url_path="mark-read", permission_classes=[MayUseAPI])
    def mark_read(self, request: Request) -> Response:
        """Marks the given notifications of the caller read, or all of them when ``ids`` is
        left out. Ids of others' notifications, or of read ones, are passed over."""
        serializer = NotificationMarkReadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        ids = cast(dict[str, Any], serializer.validated_data).get("ids")
        marked = notification_mark_read(user=cast(User, request.user), notification_ids=ids)
        return Response({"marked": marked})
