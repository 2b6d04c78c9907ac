from celery import shared_task

from escalations.services import escalation_climb_scan


@shared_task
def escalation_climb_scan_task() -> int:
    return escalation_climb_scan()
