from __future__ import annotations

from celery import shared_task

from core.changes import change_purge
from core.idempotency import idempotency_keys_purge


@shared_task
def idempotency_keys_purge_task() -> int:
    return idempotency_keys_purge()


@shared_task
def change_scan_task() -> int:
    """Forgets the change feed's tombstones older than CHANGE_RETENTION_DAYS."""
    return change_purge()
