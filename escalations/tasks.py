from celery import shared_task

from escalations.services import escalations_climb


@shared_task
def escalation_climb_task() -> int:
    return escalations_climb()
