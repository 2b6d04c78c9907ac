"""Sending the outbox: claim due deliveries, POST each signed, record the attempt, retry or
give up, disable an endpoint that keeps failing.

Claiming is ``SELECT … FOR UPDATE SKIP LOCKED`` of due, unleased deliveries of active endpoints,
stamped with a lease (a time and a token) and committed before anything is sent: any number of
workers run ``deliver_due`` at once and never take the same row, and no row lock is held
across a network call. A batch is sent a few at a time in threads, then every attempt is
recorded in one transaction, only by the lease holder (the token must still match). A worker
that dies mid-batch leaves its rows leased; they fall due again when the lease runs out (the
one case where a receiver may see a message twice, with the same ``webhook-id``: Standard
Webhooks receivers drop repeats by it).

Each send re-checks the URL (webhooks.addresses: DNS may have changed since the endpoint was
saved) and connects to the address it checked, with urllib3 (installed with requests): TLS
still verifies the certificate for the host name, and redirects are not followed (a redirect
is a failed attempt, not a way around the address check).
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

import certifi
import urllib3
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy
from standardwebhooks.webhooks import Webhook

from core.text import LazyFormat
from notifications.choices import NotificationKind
from notifications.services import notification_create
from webhooks.addresses import AddressRefusedError, Target, check_url
from webhooks.choices import DeliveryStatus
from webhooks.models import Delivery, DeliveryAttempt, Endpoint, Event

log = logging.getLogger(__name__)

CONNECT_TIMEOUT = 3.0
READ_TIMEOUT = 5.0
LEASE = timedelta(minutes=5)
BODY_KEPT = 2000  # characters of the response body kept with the attempt
BATCH = 50
SEND_THREADS = 4
USER_AGENT = "SRM-Webhooks/1"


def retry_delay(attempts: int) -> timedelta:
    """The wait after the ``attempts``-th failed attempt: base * 4^(n-1), so with the default
    30 s: 30 s, 2 min, 8 min, 32 min, 2 h 8 min, 8 h 32 min, 34 h (8 attempts over ~45 h)."""
    return timedelta(seconds=settings.WEBHOOKS_RETRY_BASE_SECONDS * 4 ** (attempts - 1))


@dataclass
class Outcome:
    status: int | None = None
    body: str = ""
    error: str = ""
    duration_ms: int = 0

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def signed_headers(*, secret: str, message_id: str, body: str, at: datetime) -> dict[str, str]:
    """The Standard Webhooks headers for ``body``, signed with the endpoint's secret."""
    signature = Webhook(secret).sign(msg_id=message_id, timestamp=at, data=body)
    return {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        "webhook-id": message_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": signature,
    }


def _pool(target: Target) -> urllib3.HTTPConnectionPool:
    timeout = urllib3.Timeout(connect=CONNECT_TIMEOUT, read=READ_TIMEOUT)
    if target.scheme == "https":
        return urllib3.HTTPSConnectionPool(
            target.address,
            port=target.port,
            timeout=timeout,
            retries=False,
            maxsize=1,
            server_hostname=target.host,
            assert_hostname=target.host,
            cert_reqs="CERT_REQUIRED",
            ca_certs=settings.WEBHOOKS_CA_BUNDLE or certifi.where(),
        )
    return urllib3.HTTPConnectionPool(
        target.address, port=target.port, timeout=timeout, retries=False, maxsize=1
    )


def post(target: Target, *, body: str, headers: dict[str, str]) -> Outcome:
    """One POST to the checked address; never raises for a network or HTTP failure."""
    started = time.monotonic()
    host = target.host if ":" not in target.host else f"[{target.host}]"
    default_port = 443 if target.scheme == "https" else 80
    host_header = host if target.port == default_port else f"{host}:{target.port}"
    pool = _pool(target)
    try:
        response = pool.urlopen(
            "POST",
            target.path,
            body=body.encode(),
            headers={**headers, "host": host_header},
            redirect=False,
            retries=False,
            preload_content=False,
        )
        try:
            raw = response.read(BODY_KEPT * 4, decode_content=True)
        finally:
            response.release_conn()
        text = raw.decode("utf-8", "replace")[:BODY_KEPT]
        return Outcome(status=response.status, body=text, duration_ms=_since(started))
    except (urllib3.exceptions.HTTPError, OSError) as error:
        return Outcome(error=f"{type(error).__name__}: {error}"[:500], duration_ms=_since(started))
    finally:
        pool.close()


def _since(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


def claim(*, limit: int = BATCH, now: datetime | None = None) -> tuple[uuid.UUID, list[int]]:
    """Leases up to ``limit`` due deliveries to this worker and commits; rows another worker is
    claiming at the same moment are skipped, not waited for."""
    now = now or timezone.now()
    token = uuid.uuid4()
    with transaction.atomic():
        ids = list(
            Delivery.objects.filter(
                Q(leased_until__isnull=True) | Q(leased_until__lt=now),
                status=DeliveryStatus.PENDING,
                next_attempt_at__lte=now,
                endpoint__is_active=True,
            )
            .order_by("next_attempt_at", "id")
            .select_for_update(skip_locked=True, of=("self",))
            .values_list("id", flat=True)[:limit]
        )
        if ids:
            Delivery.objects.filter(pk__in=ids).update(leased_until=now + LEASE, lease_token=token)
    return token, ids


@dataclass
class _Try:
    delivery: Delivery
    outcome: Outcome
    at: datetime
    headers: dict[str, str]


def _attempt(delivery: Delivery) -> _Try:
    """Signs and POSTs one delivery (its event and endpoint loaded already); touches no
    database, so a batch's sends run in threads."""
    endpoint = delivery.endpoint
    body = json.dumps(delivery.event.payload, separators=(",", ":"), ensure_ascii=False)
    at = timezone.now()
    headers = signed_headers(
        secret=endpoint.secret, message_id=delivery.event.message_id, body=body, at=at
    )
    try:
        target = check_url(endpoint.url)
    except AddressRefusedError as error:
        outcome = Outcome(error=" ".join(error.messages)[:500])
    else:
        outcome = post(target, body=body, headers=headers)
    shown = {**headers, "webhook-signature": headers["webhook-signature"][:8] + "…"}
    return _Try(delivery, outcome, at, shown)


def send(delivery: Delivery, *, token: uuid.UUID | None = None) -> Outcome:
    """Attempts one delivery and records it; ``token`` is the lease it was claimed with (None:
    not claimed through ``claim``)."""
    attempt = _attempt(delivery)
    _record([attempt], token=token)
    return attempt.outcome


def send_batch(deliveries: list[Delivery], *, token: uuid.UUID) -> None:
    """Sends a claimed batch, SEND_THREADS at a time (one slow receiver does not hold up the
    rest), then records every attempt in one transaction."""
    with ThreadPoolExecutor(max_workers=SEND_THREADS) as pool:
        attempts = list(pool.map(_attempt, deliveries))
    _record(attempts, token=token)


@transaction.atomic
def _record(attempts: list[_Try], *, token: uuid.UUID | None) -> None:
    """Writes the attempts and moves each delivery on, only for the deliveries this worker
    still holds (the lease token matches): one whose lease ran out belongs to another now."""
    rows = Delivery.objects.select_for_update().filter(
        pk__in=[attempt.delivery.pk for attempt in attempts], status=DeliveryStatus.PENDING
    )
    if token is not None:
        rows = rows.filter(lease_token=token)
    held = rows.in_bulk()
    attempts = [attempt for attempt in attempts if attempt.delivery.pk in held]
    if not attempts:
        return
    DeliveryAttempt.objects.bulk_create(
        DeliveryAttempt(
            delivery_id=attempt.delivery.pk,
            at=attempt.at,
            request_headers=attempt.headers,
            response_status=attempt.outcome.status,
            response_body=attempt.outcome.body,
            duration_ms=attempt.outcome.duration_ms,
            error=attempt.outcome.error,
        )
        for attempt in attempts
    )
    now = timezone.now()
    succeeded: dict[int | None, list[int]] = {}
    for attempt in attempts:
        if attempt.outcome.ok:
            succeeded.setdefault(attempt.outcome.status, []).append(attempt.delivery.pk)
    for status_code, ids in succeeded.items():
        Delivery.objects.filter(pk__in=ids).update(
            status=DeliveryStatus.SUCCEEDED,
            attempts=F("attempts") + 1,
            last_response_status=status_code,
            completed_at=now,
            leased_until=None,
            lease_token=None,
        )
    fine = {attempt.delivery.endpoint_id for attempt in attempts if attempt.outcome.ok}
    if fine:
        Endpoint.objects.filter(pk__in=fine, failure_count__gt=0).update(failure_count=0)
    for attempt in attempts:
        if attempt.outcome.ok:
            continue
        current = held[attempt.delivery.pk]
        current.attempts += 1
        current.last_response_status = attempt.outcome.status
        current.leased_until = None
        current.lease_token = None
        if current.attempts >= settings.WEBHOOKS_MAX_ATTEMPTS:
            current.status = DeliveryStatus.FAILED
            current.completed_at = now
            _failed_for_good(current.endpoint_id)
        else:
            current.next_attempt_at = now + retry_delay(current.attempts)
        current.save(
            update_fields=[
                "attempts",
                "last_response_status",
                "leased_until",
                "lease_token",
                "status",
                "completed_at",
                "next_attempt_at",
            ]
        )


def _failed_for_good(endpoint_id: int) -> None:
    """Counts a delivery that ran out of attempts; at WEBHOOKS_DISABLE_AFTER in a row the
    endpoint is disabled and its owner told, once (the conditional update picks one worker)."""
    Endpoint.objects.filter(pk=endpoint_id).update(failure_count=F("failure_count") + 1)
    now = timezone.now()
    disabled = Endpoint.objects.filter(
        pk=endpoint_id,
        is_active=True,
        failure_count__gte=settings.WEBHOOKS_DISABLE_AFTER,
    ).update(
        is_active=False,
        disabled_at=now,
        disabled_reason=str(
            LazyFormat(
                gettext_lazy("The last %(count)s deliveries failed."),
                count=settings.WEBHOOKS_DISABLE_AFTER,
            )
        ),
        updated_at=now,
    )
    if disabled:
        endpoint = Endpoint.objects.select_related("owner").get(pk=endpoint_id)
        notification_create(
            recipient=endpoint.owner,
            kind=NotificationKind.WEBHOOK_DISABLED,
            subject=endpoint,
            occasion=f"disabled-{now.isoformat()}",
            title=LazyFormat(
                gettext_lazy("Webhook endpoint disabled: %(url)s"), url=endpoint.url[:200]
            ),
            body=LazyFormat(
                gettext_lazy(
                    "The last %(count)s deliveries to %(url)s failed, so no more events are "
                    "sent to it. Fix the receiver, then enable the endpoint again."
                ),
                count=settings.WEBHOOKS_DISABLE_AFTER,
                url=endpoint.url,
            ),
            url=reverse("webhooks:endpoint_detail", args=[endpoint.pk]),
        )


def deliver_due(*, limit: int = BATCH, budget_seconds: float = 60.0) -> int:
    """Claims and sends batches until nothing is due or the time budget is spent (checked
    between batches); returns how many attempts were made."""
    started = time.monotonic()
    made = 0
    while time.monotonic() - started < budget_seconds:
        token, ids = claim(limit=limit)
        if not ids:
            break
        deliveries = Delivery.objects.filter(pk__in=ids).select_related("event", "endpoint")
        by_id = {delivery.pk: delivery for delivery in deliveries}
        send_batch([by_id[pk] for pk in ids if pk in by_id], token=token)
        made += len(by_id)
    return made


def purge(*, now: datetime | None = None) -> tuple[int, int]:
    """Deletes deliveries (with their attempts) older than WEBHOOKS_RETENTION_DAYS, and the
    events left with none; returns (deliveries, events) deleted."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.WEBHOOKS_RETENTION_DAYS)
    _total, deleted = Delivery.objects.filter(created_at__lt=cutoff).delete()
    _total, deleted_events = Event.objects.filter(
        created_at__lt=cutoff, deliveries__isnull=True
    ).delete()
    return deleted.get(Delivery._meta.label, 0), deleted_events.get(Event._meta.label, 0)
