from celery import shared_task

from reviews.scheduling import review_cadence_scan


@shared_task
def review_cadence_scan_task() -> int:
    return review_cadence_scan()
