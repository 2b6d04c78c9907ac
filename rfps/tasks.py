from celery import shared_task

from rfps.services import rfps_scan


@shared_task
def rfps_scan_task() -> dict[str, int]:
    return rfps_scan()
