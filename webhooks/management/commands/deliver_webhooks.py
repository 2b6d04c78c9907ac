"""``manage.py deliver_webhooks``: the delivery loop outside Celery. Without Redis (eager
Celery: no beat, no worker) this is how webhooks are sent; the benchmark and the integration
tests run it as worker processes. Any number may run at once: claims skip what another holds.

``--until-idle`` stops when nothing is due (and nothing is leased) for ``--idle-seconds``;
without it the loop runs until interrupted, polling every second when there is nothing to do.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from webhooks.choices import DeliveryStatus
from webhooks.delivery import BATCH, deliver_due
from webhooks.models import Delivery


class Command(BaseCommand):
    help = "Sends due webhook deliveries (the loop the webhook_scan task runs)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--until-idle", action="store_true")
        parser.add_argument("--idle-seconds", type=float, default=1.0)
        parser.add_argument("--batch", type=int, default=BATCH)
        parser.add_argument("--poll", type=float, default=1.0)

    def handle(self, *args: object, **options: object) -> None:
        batch = int(options["batch"])  # type: ignore[call-overload]
        poll = float(options["poll"])  # type: ignore[arg-type]
        idle_for = float(options["idle_seconds"])  # type: ignore[arg-type]
        idle_since: float | None = None
        sent = 0
        try:
            while True:
                made = deliver_due(limit=batch, budget_seconds=30.0)
                sent += made
                if made:
                    idle_since = None
                    continue
                if options["until_idle"]:
                    idle_since = idle_since or time.monotonic()
                    if time.monotonic() - idle_since >= idle_for and not _due_soon():
                        break
                time.sleep(poll)
        except KeyboardInterrupt:
            pass
        self.stdout.write(f"{sent} attempts made")


def _due_soon() -> bool:
    """Pending deliveries of active endpoints due now or leased by another worker."""
    return Delivery.objects.filter(
        status=DeliveryStatus.PENDING,
        endpoint__is_active=True,
        next_attempt_at__lte=timezone.now(),
    ).exists()
