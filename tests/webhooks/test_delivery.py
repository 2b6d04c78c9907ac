"""The delivery loop against a real receiver on loopback: signatures verified with the
standardwebhooks package, what an attempt records, the backoff schedule, giving up, disabling
an endpoint that keeps failing and telling its owner, leases, and the purge."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.utils import timezone
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from accounts.models import User
from notifications.choices import NotificationKind
from notifications.models import Notification
from webhooks.choices import DeliveryStatus
from webhooks.delivery import claim, deliver_due, purge, retry_delay
from webhooks.events import emit_test
from webhooks.models import Delivery, DeliveryAttempt, Endpoint, Event
from webhooks.services import endpoint_rotate_secret, endpoint_set_active
from webhooks.testing import Receiver

from .conftest import drain

pytestmark = pytest.mark.django_db


def test_a_delivery_is_signed_per_standard_webhooks(endpoint: Endpoint, receiver: Receiver) -> None:
    delivery = emit_test(endpoint)
    assert receiver.snapshot() == []  # nothing is sent until a worker runs
    drain()
    (received,) = receiver.snapshot()
    payload = Webhook(endpoint.secret).verify(received.body, received.headers)
    assert payload["type"] == "webhook.test"
    assert payload["data"]["endpoint_id"] == endpoint.pk
    assert received.headers["webhook-id"] == f"msg_{delivery.event_id}"
    assert received.headers["content-type"] == "application/json"
    with pytest.raises(WebhookVerificationError):
        Webhook("whsec_" + "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE=").verify(
            received.body, received.headers
        )
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_response_status) == (
        DeliveryStatus.SUCCEEDED,
        1,
        200,
    )
    attempt = DeliveryAttempt.objects.get(delivery=delivery)
    assert attempt.response_status == 200
    assert attempt.response_body == '{"ok": true}'
    assert attempt.request_headers["webhook-id"] == received.headers["webhook-id"]
    # The signature is kept shortened: the attempt's page shows it without handing it out.
    assert attempt.request_headers["webhook-signature"].endswith("…")


def test_after_rotating_the_secret_deliveries_verify_with_the_new_one(
    endpoint: Endpoint, receiver: Receiver, procurement_manager: User
) -> None:
    old = endpoint.secret
    endpoint = endpoint_rotate_secret(endpoint=endpoint, by=procurement_manager)
    assert endpoint.secret != old and endpoint.secret.startswith("whsec_")
    emit_test(endpoint)
    drain()
    (received,) = receiver.snapshot()
    Webhook(endpoint.secret).verify(received.body, received.headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(old).verify(received.body, received.headers)


def test_the_backoff_grows_four_times_each_attempt(settings: Any) -> None:
    settings.WEBHOOKS_RETRY_BASE_SECONDS = 30
    waits = [retry_delay(n).total_seconds() for n in range(1, 8)]
    assert waits == [30, 120, 480, 1920, 7680, 30720, 122880]


def test_a_failed_attempt_waits_for_its_backoff(
    settings: Any, make_endpoint: Callable[..., Endpoint]
) -> None:
    settings.WEBHOOKS_RETRY_BASE_SECONDS = 30
    with Receiver(status=500) as failing:
        endpoint = make_endpoint(failing.url)
        delivery = emit_test(endpoint)
        with time_machine.travel(timezone.now(), tick=False) as clock:
            assert deliver_due() == 1
            delivery.refresh_from_db()
            assert delivery.status == DeliveryStatus.PENDING
            assert delivery.attempts == 1
            assert delivery.next_attempt_at == timezone.now() + timedelta(seconds=30)
            assert deliver_due() == 0  # not due yet
            clock.shift(timedelta(seconds=31))
            assert deliver_due() == 1
            delivery.refresh_from_db()
            assert delivery.next_attempt_at == timezone.now() + timedelta(seconds=120)
        assert len(failing.snapshot()) == 2
        # Retries carry the same webhook-id, so the receiver can drop what it has seen.
        assert len({item.message_id for item in failing.snapshot()}) == 1


def test_a_delivery_gives_up_after_eight_attempts(make_endpoint: Callable[..., Endpoint]) -> None:
    with Receiver(status=503) as failing:
        endpoint = make_endpoint(failing.url)
        delivery = emit_test(endpoint)
        drain()
        delivery.refresh_from_db()
        assert delivery.status == DeliveryStatus.FAILED
        assert delivery.attempts == 8
        assert delivery.completed_at is not None
        assert len(failing.snapshot()) == 8
        assert DeliveryAttempt.objects.filter(delivery=delivery, response_status=503).count() == 8
    endpoint.refresh_from_db()
    assert endpoint.failure_count == 1
    assert endpoint.is_active  # one failed delivery is not five


def test_a_redirect_is_a_failure_and_is_not_followed(
    make_endpoint: Callable[..., Endpoint],
) -> None:
    with Receiver(status=302) as redirecting:
        endpoint = make_endpoint(redirecting.url)
        emit_test(endpoint)
        deliver_due(limit=1, budget_seconds=0.5)
        attempt = DeliveryAttempt.objects.order_by("at").first()
        assert attempt is not None and attempt.response_status == 302
        assert len(redirecting.snapshot()) >= 1


def test_a_receiver_that_is_not_there_is_an_error_recorded(
    make_endpoint: Callable[..., Endpoint],
) -> None:
    with Receiver() as gone:
        url = gone.url
    endpoint = make_endpoint(url)
    delivery = emit_test(endpoint)
    deliver_due(limit=1, budget_seconds=0.1)
    attempt = DeliveryAttempt.objects.filter(delivery=delivery).first()
    assert attempt is not None
    assert attempt.response_status is None
    assert "Connection" in attempt.error or "refused" in attempt.error.lower()


def test_an_endpoint_failing_five_deliveries_in_a_row_is_disabled_and_its_owner_told(
    make_endpoint: Callable[..., Endpoint], procurement_manager: User
) -> None:
    with Receiver(status=500) as failing:
        endpoint = make_endpoint(failing.url)
        for _n in range(4):
            emit_test(endpoint)
        drain()
        endpoint.refresh_from_db()
        assert endpoint.is_active and endpoint.failure_count == 4
        emit_test(endpoint)
        drain()
        endpoint.refresh_from_db()
        assert not endpoint.is_active
        assert endpoint.disabled_at is not None
        assert "5" in endpoint.disabled_reason
        assert sorted(Delivery.objects.values_list("status", flat=True)) == ["failed"] * 5
        assert len(failing.snapshot()) == 5 * 8
    (notification,) = Notification.objects.filter(kind=NotificationKind.WEBHOOK_DISABLED)
    assert notification.recipient == procurement_manager
    assert failing.url[:30] in notification.title
    assert notification.url == endpoint.get_absolute_url()


def test_a_success_between_failures_starts_the_count_over(
    settings: Any, make_endpoint: Callable[..., Endpoint]
) -> None:
    settings.WEBHOOKS_DISABLE_AFTER = 2
    answers = iter([500] * 8 + [200] + [500] * 8)
    with Receiver(status=lambda _n: next(answers)) as flaky:
        endpoint = make_endpoint(flaky.url)
        for _n in range(3):
            emit_test(endpoint)
            drain()
    endpoint.refresh_from_db()
    assert endpoint.is_active
    assert endpoint.failure_count == 1


def test_enabling_again_sends_what_waited(
    make_endpoint: Callable[..., Endpoint], procurement_manager: User, receiver: Receiver
) -> None:
    endpoint = make_endpoint(receiver.url)
    emit_test(endpoint)
    endpoint = endpoint_set_active(endpoint=endpoint, by=procurement_manager, active=False)
    assert drain() == 0
    endpoint_set_active(endpoint=endpoint, by=procurement_manager, active=True)
    assert drain() == 1
    assert len(receiver.snapshot()) == 1


def test_a_claimed_delivery_is_not_claimed_again_until_its_lease_runs_out(
    endpoint: Endpoint,
) -> None:
    delivery = emit_test(endpoint)
    token, ids = claim()
    assert ids == [delivery.pk]
    assert claim()[1] == []
    with time_machine.travel(timezone.now() + timedelta(minutes=6)):
        other, again = claim()
    assert again == [delivery.pk] and other != token


def test_a_worker_whose_lease_was_taken_over_records_nothing(
    endpoint: Endpoint, receiver: Receiver
) -> None:
    from webhooks.delivery import send

    delivery = emit_test(endpoint)
    stale, _ids = claim()
    with time_machine.travel(timezone.now() + timedelta(minutes=6)):
        fresh, _ids = claim()
    send(Delivery.objects.select_related("event", "endpoint").get(pk=delivery.pk), token=stale)
    assert not DeliveryAttempt.objects.exists()
    send(Delivery.objects.select_related("event", "endpoint").get(pk=delivery.pk), token=fresh)
    assert DeliveryAttempt.objects.count() == 1


def test_deliveries_older_than_a_week_are_purged_with_their_attempts_and_events(
    endpoint: Endpoint,
) -> None:
    old = emit_test(endpoint)
    drain()
    Delivery.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=8))
    Event.objects.filter(pk=old.event_id).update(created_at=timezone.now() - timedelta(days=8))
    recent = emit_test(endpoint)
    assert purge() == (1, 1)
    assert list(Delivery.objects.values_list("pk", flat=True)) == [recent.pk]
    assert not DeliveryAttempt.objects.filter(delivery_id=old.pk).exists()
    assert not Event.objects.filter(pk=old.event_id).exists()


def test_the_body_sent_is_the_event_payload(endpoint: Endpoint, receiver: Receiver) -> None:
    delivery = emit_test(endpoint)
    drain()
    (received,) = receiver.snapshot()
    assert json.loads(received.body) == Event.objects.get(pk=delivery.event_id).payload
