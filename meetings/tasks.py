from celery import shared_task

from meetings.reminders import commitment_reminder_scan


@shared_task
def commitment_reminder_scan_task() -> int:
    return commitment_reminder_scan()
