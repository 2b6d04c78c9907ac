"""The delivery loop as Celery tasks. Beat sends ``webhook_scan_task`` every 5 seconds; any
number of workers may run it at once (claims skip what another worker holds). With no Redis
(eager Celery) there is no beat and no worker, so nothing is sent until
``manage.py deliver_webhooks`` runs: the request path never sends."""

from __future__ import annotations

from celery import shared_task

from webhooks.delivery import deliver_due, purge


@shared_task
def webhook_scan_task() -> int:
    # About one beat interval: a backlog is worked through by a run on every tick (on every
    # worker that takes one), never by a task that outlives many ticks.
    return deliver_due(budget_seconds=4.0)


@shared_task
def webhook_purge_task() -> int:
    deliveries, _events = purge()
    return deliveries
