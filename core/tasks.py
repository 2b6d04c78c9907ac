from __future__ import annotations

from celery import shared_task

from core.idempotency import idempotency_keys_purge


@shared_task
def idempotency_keys_purge_task() -> int:
    return idempotency_keys_purge()
