from celery import shared_task

from reviews.scheduling import review_cadence_run


@shared_task
def review_cadence_task() -> int:
    return review_cadence_run()
