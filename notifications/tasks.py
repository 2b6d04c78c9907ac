from celery import shared_task

from notifications.services import (
    MAX_ATTEMPTS,
    TransientDeliveryError,
    notification_deliver,
    notifications_to_queue,
)


@shared_task(
    autoretry_for=(TransientDeliveryError,),
    retry_backoff=30,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=MAX_ATTEMPTS,
)
def notification_deliver_task(notification_id: int) -> str:
    return notification_deliver(notification_id=notification_id)


@shared_task
def notification_sweep_task(batches: int = 20) -> int:
    """Queues the delivery of every due, unsent email: new ones, and those whose message was
    lost (a worker or Redis died) once REQUEUE_AFTER has passed."""
    queued = 0
    for _ in range(batches):
        ids = notifications_to_queue()
        for notification_id in ids:
            notification_deliver_task.delay(notification_id)
        queued += len(ids)
        if not ids:
            break
    return queued
