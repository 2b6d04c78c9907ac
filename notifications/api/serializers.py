"""Notifications over the API: the caller's own, as the inbox shows them. Serializers run no
query of their own: ``notification_list`` joins the content type."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from notifications.choices import NotificationKind
from notifications.models import Notification

MAX_IDS = 1000


@extend_schema_field(
    {"type": "string", "enum": NotificationKind.values, "readOnly": True},
    component_name="NotificationKind",
)
class NotificationKindField(serializers.ChoiceField):
    """A notification's kind, named apart from a meeting's in the schema."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=NotificationKind.choices, read_only=True, **kwargs)


class NotificationSerializer(serializers.ModelSerializer[Notification]):
    url = serializers.HyperlinkedIdentityField(view_name="api:notification-detail")
    kind = NotificationKindField()
    link = serializers.SerializerMethodField(
        help_text=_("The page of what it is about, for a person to open; null if none.")
    )
    subject_type = serializers.SerializerMethodField(
        help_text=_("What it is about, as app.model: meetings.commitment, escalations.escalation.")
    )
    subject_id = serializers.IntegerField(source="object_id", read_only=True)
    read = serializers.BooleanField(source="is_read", read_only=True)

    class Meta:
        model = Notification
        fields = [
            "id",
            "url",
            "kind",
            "title",
            "body",
            "link",
            "subject_type",
            "subject_id",
            "scheduled_for",
            "read",
            "read_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_link(self, notification: Notification) -> str | None:
        if not notification.url:
            return None
        request = self.context.get("request")
        return request.build_absolute_uri(notification.url) if request else notification.url

    @extend_schema_field(OpenApiTypes.STR)
    def get_subject_type(self, notification: Notification) -> str:
        content_type = notification.content_type
        return f"{content_type.app_label}.{content_type.model}"


class NotificationMarkReadSerializer(serializers.Serializer[dict[str, object]]):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        required=False,
        max_length=MAX_IDS,
        help_text=_("The notifications to mark read; leave it out to mark every one read."),
    )


class NotificationMarkedSerializer(serializers.Serializer[dict[str, object]]):
    marked = serializers.IntegerField(
        help_text=_("How many were unread and are now read; the caller's others only.")
    )
