"""Every write to webhook endpoints and deliveries made by a person (the pages and the API).

Each service checks ``may_manage_webhooks``, validates (the URL through the SSRF guard, the
event types against the registry) and writes in one transaction. Sending is the workers'
(webhooks.delivery): "send test event" and "redeliver" only put a delivery in the outbox.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from webhooks.addresses import AddressRefusedError, check_url
from webhooks.choices import DeliveryStatus
from webhooks.events import EVENT_TYPES, emit_test
from webhooks.models import Delivery, Endpoint, new_secret
from webhooks.permissions import may_manage_webhooks


@dataclass(frozen=True)
class EndpointInput:
    url: str
    description: str = ""
    event_types: Sequence[str] = ()


def _require(user: User) -> None:
    if not may_manage_webhooks(user):
        raise PermissionDenied


def _check(data: EndpointInput) -> EndpointInput:
    url = data.url.strip()
    errors: dict[str, list[str]] = {}
    if len(url) > 2000:
        errors["url"] = [_("Use a URL of at most 2000 characters.")]
    else:
        try:
            check_url(url)
        except AddressRefusedError as error:
            errors["url"] = list(error.messages)
    unknown = sorted(set(data.event_types) - set(EVENT_TYPES))
    if unknown:
        errors["event_types"] = [
            _("Unknown event types: %(types)s.") % {"types": ", ".join(unknown)}
        ]
    if len(data.description) > 200:
        errors["description"] = [_("Use at most 200 characters.")]
    if errors:
        raise ValidationError(errors)
    # Kept in the registry's order, each once.
    types = [name for name in EVENT_TYPES if name in set(data.event_types)]
    return EndpointInput(url=url, description=data.description.strip(), event_types=types)


@transaction.atomic
def endpoint_create(*, by: User, data: EndpointInput) -> Endpoint:
    """A new endpoint, active, owned by ``by``, with a fresh secret (shown to its creator)."""
    _require(by)
    data = _check(data)
    endpoint = Endpoint(
        url=data.url,
        description=data.description,
        event_types=list(data.event_types),
        owner=by,
    )
    endpoint.full_clean()
    endpoint.save()
    return endpoint


@transaction.atomic
def endpoint_update(*, endpoint: Endpoint, by: User, data: EndpointInput) -> Endpoint:
    _require(by)
    data = _check(data)
    endpoint = Endpoint.objects.select_for_update().get(pk=endpoint.pk)
    new = (data.url, data.description, list(data.event_types))
    if new != (endpoint.url, endpoint.description, list(endpoint.event_types)):
        endpoint.url, endpoint.description, endpoint.event_types = new
        endpoint.updated_at = timezone.now()
        endpoint.full_clean()
        endpoint.save()
    return endpoint


@transaction.atomic
def endpoint_set_active(
    *, endpoint: Endpoint, by: User, active: bool, reason: str = ""
) -> Endpoint:
    """Disables an endpoint (its pending deliveries wait) or enables it again (its failure
    count starts over, and what waited is sent)."""
    _require(by)
    endpoint = Endpoint.objects.select_for_update().get(pk=endpoint.pk)
    if endpoint.is_active == active:
        return endpoint
    now = timezone.now()
    endpoint.is_active = active
    endpoint.updated_at = now
    if active:
        endpoint.disabled_at = None
        endpoint.disabled_reason = ""
        endpoint.failure_count = 0
    else:
        endpoint.disabled_at = now
        endpoint.disabled_reason = (reason.strip() or _("Disabled by %(user)s.") % {"user": by})[
            :300
        ]
    endpoint.save()
    return endpoint


@transaction.atomic
def endpoint_rotate_secret(*, endpoint: Endpoint, by: User) -> Endpoint:
    """A new secret at once; deliveries from now on are signed with it."""
    _require(by)
    endpoint = Endpoint.objects.select_for_update().get(pk=endpoint.pk)
    endpoint.secret = new_secret()
    endpoint.updated_at = timezone.now()
    endpoint.save(update_fields=["secret", "updated_at"])
    return endpoint


@transaction.atomic
def endpoint_delete(*, endpoint: Endpoint, by: User) -> None:
    _require(by)
    endpoint.delete()


def endpoint_send_test(*, endpoint: Endpoint, by: User) -> Delivery:
    """Puts a ``webhook.test`` event in the outbox for this endpoint only."""
    _require(by)
    if not endpoint.is_active:
        raise ValidationError(_("Enable the endpoint first: a disabled endpoint receives nothing."))
    return emit_test(endpoint)


@transaction.atomic
def delivery_redeliver(*, delivery: Delivery, by: User) -> Delivery:
    """Sends a finished delivery again, with the same ``webhook-id``: its attempts start over
    (the earlier ones stay in its history)."""
    _require(by)
    delivery = Delivery.objects.select_for_update().get(pk=delivery.pk)
    if delivery.status == DeliveryStatus.PENDING:
        return delivery
    delivery.status = DeliveryStatus.PENDING
    delivery.attempts = 0
    delivery.next_attempt_at = timezone.now()
    delivery.completed_at = None
    delivery.leased_until = None
    delivery.lease_token = None
    delivery.save()
    return delivery
