from celery import shared_task

from meetings.reminders import commitment_reminders_scan


@shared_task
def commitment_reminders_scan_task() -> int:
    return commitment_reminders_scan()
