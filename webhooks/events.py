"""The event types a webhook endpoint may receive, what each payload carries, and ``emit``.

Every payload is the Standard Webhooks envelope ``{"type", "timestamp", "data"}``; ``data``
holds the object's ``id``, its ``resource`` (the API path under /api/v1/ to read it whole) and a
documented subset of its fields (``fields`` below), plus the event's own facts (``extra``:
the status before and after, say). Payloads carry ids and facts, never confidential values
(contract values, review scores): an administrator may manage endpoints without seeing those,
and a receiver reads the rest through the API with a token whose role decides what it sees.

``emit`` is called by the services of the other apps, in the transaction of the change: the
event and one delivery per subscribed endpoint are written there, or not at all when the change
rolls back. Nothing is sent here: workers send (webhooks.delivery).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from webhooks.models import Delivery, Endpoint, Event


@dataclass(frozen=True)
class EventType:
    name: str
    description: str | Promise
    resource: str
    fields: tuple[str, ...]


_SUPPLIER = ("name", "external_id", "status", "segment", "risk_level", "country", "updated_at")
_REVIEW = ("supplier_id", "period_start", "period_end", "status", "standing", "submitted_at")
_PLAN = ("supplier_id", "review_id", "severity", "status", "verified_at")
_RFP = ("reference", "title", "status", "deadline", "published_at")
_CONTRACT = ("number", "external_id", "supplier_id", "status", "start_date", "end_date")
_ESCALATION = ("supplier_id", "reason", "severity", "level", "status", "raised_at", "resolved_at")

TEST = "webhook.test"

EVENT_TYPES: dict[str, EventType] = {
    event.name: event
    for event in [
        EventType("supplier.created", _("A supplier was created."), "suppliers", _SUPPLIER),
        EventType(
            "supplier.changed", _("A supplier's profile was changed."), "suppliers", _SUPPLIER
        ),
        EventType(
            "supplier.status_changed",
            _("A supplier moved along its lifecycle (extra: previous_status)."),
            "suppliers",
            _SUPPLIER,
        ),
        EventType(
            "supplier.standing_changed",
            _("A supplier's latest review gave it another standing (extra: previous_standing)."),
            "suppliers",
            _SUPPLIER,
        ),
        EventType("review.submitted", _("A performance review was submitted."), "reviews", _REVIEW),
        EventType(
            "plan.opened",
            _("A corrective action plan was opened after a poor review."),
            "corrective-action-plans",
            _PLAN,
        ),
        EventType(
            "plan.verified",
            _("A corrective action plan was verified, effective or not."),
            "corrective-action-plans",
            _PLAN,
        ),
        EventType("rfp.published", _("An RFP was published to its invitees."), "rfps", _RFP),
        EventType(
            "rfp.awarded",
            _("An RFP was awarded (extra: supplier_id, contract_id)."),
            "rfps",
            _RFP,
        ),
        EventType("contract.activated", _("A contract became active."), "contracts", _CONTRACT),
        EventType("contract.renewed", _("A contract was renewed."), "contracts", _CONTRACT),
        EventType(
            "contract.terminated",
            _("Notice of termination was given on a contract (extra: ends_on)."),
            "contracts",
            _CONTRACT,
        ),
        EventType(
            "contract.notice_date_near",
            _("The last day to give notice is 30 days away or less (extra: notice_date)."),
            "contracts",
            _CONTRACT,
        ),
        EventType("escalation.raised", _("An escalation was raised."), "escalations", _ESCALATION),
        EventType(
            "escalation.climbed",
            _("An escalation climbed a level, not acknowledged in time."),
            "escalations",
            _ESCALATION,
        ),
        EventType(
            "escalation.resolved", _("An escalation was resolved."), "escalations", _ESCALATION
        ),
    ]
}


def event_type_choices() -> list[tuple[str, str]]:
    return [(name, f"{name}: {event.description}") for name, event in EVENT_TYPES.items()]


def _plain(value: Any) -> Any:
    """JSON-ready: dates and times in ISO 8601, decimals as strings, countries as codes."""
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder, default=str))


def payload_for(
    event_type: str, obj: Model, extra: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The ``data`` of an event about ``obj``: id, resource and the type's fields."""
    kind = EVENT_TYPES[event_type]
    data: dict[str, Any] = {"id": obj.pk, "resource": kind.resource}
    for name in kind.fields:
        value = getattr(obj, name, None)
        data[name] = getattr(value, "code", value)  # a django-countries Country
    data.update(extra or {})
    return _plain(data)


def _envelope(event_type: str, data: Mapping[str, Any]) -> dict[str, Any]:
    return {"type": event_type, "timestamp": timezone.now().isoformat(), "data": dict(data)}


def emit(
    event_type: str,
    obj: Model,
    *,
    extra: Mapping[str, Any] | None = None,
    once_key: str | None = None,
) -> Event | None:
    """Writes the event and a delivery for each active endpoint subscribed to it, in the
    caller's transaction; returns None when nobody subscribes (nothing is written) or when
    ``once_key`` was emitted before. One query when nobody subscribes."""
    if event_type not in EVENT_TYPES:
        raise ValueError(f"unknown webhook event type {event_type!r}")
    endpoints = [
        endpoint
        for endpoint in Endpoint.objects.filter(is_active=True).only("id", "event_types")
        if endpoint.wants(event_type)
    ]
    if not endpoints:
        return None
    key = f"{event_type}:{once_key}" if once_key else None
    if key and Event.objects.filter(dedupe_key=key).exists():
        return None
    event = Event(
        type=event_type,
        payload=_envelope(event_type, payload_for(event_type, obj, extra)),
        dedupe_key=key,
    )
    try:
        with transaction.atomic():
            event.save()
    except IntegrityError:
        return None  # the same once_key, written by another worker at the same moment
    Delivery.objects.bulk_create(
        [Delivery(event=event, endpoint=endpoint) for endpoint in endpoints]
    )
    return event


def emit_many(
    event_type: str,
    objects: Sequence[Model],
    *,
    extra: Callable[[Model], Mapping[str, Any]] | None = None,
) -> int:
    """``emit`` for a bulk write (the ERP's upserts): one event per object, all written with
    their deliveries in a few queries, in the caller's transaction; returns how many events.
    ``extra(obj)`` gives each event's own facts."""
    if event_type not in EVENT_TYPES:
        raise ValueError(f"unknown webhook event type {event_type!r}")
    if not objects:
        return 0
    endpoints = [
        endpoint
        for endpoint in Endpoint.objects.filter(is_active=True).only("id", "event_types")
        if endpoint.wants(event_type)
    ]
    if not endpoints:
        return 0
    events = Event.objects.bulk_create(
        [
            Event(
                type=event_type,
                payload=_envelope(
                    event_type, payload_for(event_type, obj, extra(obj) if extra else None)
                ),
            )
            for obj in objects
        ],
        batch_size=1000,
    )
    Delivery.objects.bulk_create(
        [Delivery(event=event, endpoint=endpoint) for event in events for endpoint in endpoints],
        batch_size=1000,
    )
    return len(events)


def emit_test(endpoint: Endpoint) -> Delivery:
    """A ``webhook.test`` event for one endpoint (whatever its event types), delivered by the
    workers like any other."""
    with transaction.atomic():
        event = Event.objects.create(
            type=TEST,
            payload=_envelope(
                TEST,
                {"endpoint_id": endpoint.pk, "message": "This is a test event from SRM."},
            ),
        )
        return Delivery.objects.create(event=event, endpoint=endpoint)
