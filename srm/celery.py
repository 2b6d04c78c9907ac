"""The Celery application and the beat schedule.

Workers use Redis as the broker. Tasks are JSON only, acknowledged late so that a worker lost
mid-task hands its work to another, and time-limited; each worker process reserves one task at
a time. With no REDIS_URL they run eagerly. Run any number of workers but exactly one beat.
"""

from __future__ import annotations

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "srm.settings")

# Django's task class gives every task delay_on_commit(): queue only after the commit.
app = Celery("srm", task_cls="celery.contrib.django.task:DjangoTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.update(
    accept_content=["json"],
    task_serializer="json",
    result_serializer="json",
    task_ignore_result=True,
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    task_soft_time_limit=240,
    task_time_limit=300,
    worker_prefetch_multiplier=1,
    # Workers and beat ride out a Redis restart: they retry the connection for as long as it
    # takes (no limit, rather than exiting after 100 tries), at start-up too.
    broker_connection_retry=True,
    broker_connection_retry_on_startup=True,
    broker_connection_max_retries=None,
    broker_connection_timeout=2,
    # A task running when the connection drops is left to finish, not killed half-way through
    # an email; its message comes back later and finds the work done (Celery 6 flips this).
    worker_cancel_long_running_tasks_on_connection_loss=False,
    # A paused or unreachable Redis must not hang the caller; the visibility timeout is longer
    # than any task may run (time limit 300 s) or wait to retry (backoff at most 600 s), and no
    # task is ever scheduled further ahead than that.
    broker_transport_options={
        "socket_timeout": 5,
        "socket_connect_timeout": 2,
        "visibility_timeout": 3600,
    },
    timezone="UTC",
    beat_schedule={
        # Every hour, at minute 7: forget API Idempotency-Keys older than IDEMPOTENCY_KEY_HOURS.
        "idempotency-key-purge": {
            "task": "core.tasks.idempotency_keys_purge_task",
            "schedule": crontab(minute=7),
        },
        # Daily at 03:17: forget the change feed's deletions and ends older than
        # CHANGE_RETENTION_DAYS; a client whose cursor is older gets 410 cursor_expired.
        "change-scan": {
            "task": "core.tasks.change_scan_task",
            "schedule": crontab(hour=3, minute=17),
        },
        # Every minute: queue the emails of due notifications, and re-queue any whose
        # message was lost (the outbox sweep).
        "notification-sweep": {
            "task": "notifications.tasks.notification_sweep_task",
            "schedule": 60.0,
        },
        # Every 15 minutes: remind owners of commitments due or overdue, and escalate those
        # left overdue too long.
        "commitment-reminders": {
            "task": "meetings.tasks.commitment_reminder_scan_task",
            "schedule": crontab(minute="*/15"),
        },
        # Every hour at 40 past: alert contract owners as the last day to give notice nears
        # (120/90/60/30 days) or has passed, escalate those 14 days away with no decision,
        # remind of obligations coming due, renew contracts that renew themselves and end
        # those whose termination day has come. Hourly, not daily: a missed run costs an
        # hour, not a day.
        "contract-scan": {
            "task": "contracts.tasks.contract_scan_task",
            "schedule": crontab(minute=40),
        },
        # Every 5 minutes: climb escalations not acknowledged in time.
        "escalation-climb": {
            "task": "escalations.tasks.escalation_climb_scan_task",
            "schedule": crontab(minute="*/5"),
        },
        # Every minute: close RFP rounds whose deadline passed (proposals open to the buyers
        # only then) and remind invitees who have not responded three days before a deadline.
        "rfp-deadline-scan": {
            "task": "rfps.tasks.rfp_deadline_scan_task",
            "schedule": 60.0,
        },
        # Every hour at 20 past: create the reviews of periods that ended (once each), remind
        # raters 14 and 3 days before a review is due, and chase or escalate overdue reviews.
        "review-cadence": {
            "task": "reviews.tasks.review_cadence_scan_task",
            "schedule": crontab(minute=20),
        },
        # Every 5 seconds: send due webhook deliveries (workers may overlap: SKIP LOCKED).
        "webhook-scan": {
            "task": "webhooks.tasks.webhook_scan_task",
            "schedule": 5.0,
        },
        # Every hour at 50 past: forget webhook deliveries older than WEBHOOKS_RETENTION_DAYS.
        "webhook-purge": {
            "task": "webhooks.tasks.webhook_purge_task",
            "schedule": crontab(minute=50),
        },
        # Every night at 03:15 UTC: delete sessions that have expired.
        "session-cleanup": {
            "task": "accounts.tasks.session_cleanup_task",
            "schedule": crontab(hour=3, minute=15),
        },
    },
)
app.autodiscover_tasks()
