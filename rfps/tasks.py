from celery import shared_task

from rfps.services.rfp import rfp_deadline_scan


@shared_task
def rfp_deadline_scan_task() -> dict[str, int]:
    return rfp_deadline_scan()
