"""Webhook endpoints and deliveries over the API. The secret is in the answer to create and
rotate-secret only; reads render what the selectors loaded and run no query of their own."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.api.serializers import UserBriefSerializer
from webhooks.choices import DeliveryStatus
from webhooks.events import EVENT_TYPES
from webhooks.models import Delivery, DeliveryAttempt, Endpoint, Event

EVENT_TYPE_HELP = _(
    "Event types to receive; empty: every event type, including those added later. "
    "See the event type list in the README."
)


class EndpointSerializer(serializers.ModelSerializer[Endpoint]):
    url = serializers.CharField(
        max_length=2000,
        help_text=_(
            "An https:// URL whose host resolves to public addresses only (checked at save and "
            "before each send)."
        ),
    )
    event_types = serializers.ListField(
        child=serializers.ChoiceField(choices=sorted(EVENT_TYPES)),
        required=False,
        allow_empty=True,
        max_length=len(EVENT_TYPES),
        help_text=EVENT_TYPE_HELP,
    )
    owner = UserBriefSerializer(read_only=True, help_text=_("Told when it is disabled."))
    is_active = serializers.BooleanField(
        read_only=True, help_text=_("Changed by the disable and enable actions.")
    )
    failure_count = serializers.IntegerField(
        read_only=True,
        help_text=_("Deliveries in a row that failed for good; a success resets it."),
    )

    class Meta:
        model = Endpoint
        fields = [
            "id",
            "url",
            "description",
            "event_types",
            "is_active",
            "disabled_at",
            "disabled_reason",
            "failure_count",
            "owner",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "id",
            "disabled_at",
            "disabled_reason",
            "created_at",
            "updated_at",
        ]


class EndpointWithSecretSerializer(EndpointSerializer):
    """The answer to create and rotate-secret: the only time the secret is shown."""

    secret = serializers.CharField(
        read_only=True,
        help_text=_(
            "The Standard Webhooks signing secret (whsec_…): verify each delivery's "
            "webhook-signature with it. Shown only now; rotate it to get a new one."
        ),
    )

    class Meta(EndpointSerializer.Meta):
        fields = [*EndpointSerializer.Meta.fields, "secret"]


@extend_schema_field(
    {"type": "string", "enum": DeliveryStatus.values, "readOnly": True},
    component_name="WebhookDeliveryStatus",
)
class DeliveryStatusField(serializers.ChoiceField):
    """ "status" means other things on other resources: the schema names this enum apart."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=DeliveryStatus.choices, read_only=True, **kwargs)


class DeliveryAttemptSerializer(serializers.ModelSerializer[DeliveryAttempt]):
    request_headers = serializers.DictField(
        child=serializers.CharField(),
        read_only=True,
        help_text=_("The headers sent; the signature is shortened."),
    )

    class Meta:
        model = DeliveryAttempt
        fields = [
            "id",
            "at",
            "request_headers",
            "response_status",
            "response_body",
            "duration_ms",
            "error",
        ]
        read_only_fields = fields


class EventSerializer(serializers.ModelSerializer[Event]):
    message_id = serializers.CharField(read_only=True, help_text=_("The webhook-id header."))
    payload = serializers.JSONField(read_only=True, help_text=_("The body sent, as JSON."))

    class Meta:
        model = Event
        fields = ["id", "type", "message_id", "payload", "created_at"]
        read_only_fields = fields


class DeliverySerializer(serializers.ModelSerializer[Delivery]):
    event = EventSerializer(read_only=True)
    endpoint: serializers.PrimaryKeyRelatedField[Endpoint] = serializers.PrimaryKeyRelatedField(
        read_only=True
    )
    status = DeliveryStatusField(
        help_text=_("pending until it succeeds or runs out of attempts (failed).")
    )
    attempts_made = DeliveryAttemptSerializer(many=True, read_only=True)

    class Meta:
        model = Delivery
        fields = [
            "id",
            "endpoint",
            "event",
            "status",
            "attempts",
            "next_attempt_at",
            "last_response_status",
            "created_at",
            "completed_at",
            "attempts_made",
        ]
        read_only_fields = fields


class DisableSerializer(serializers.Serializer[dict[str, Any]]):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=300)
