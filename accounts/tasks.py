from celery import shared_task

from accounts.services import session_cleanup


@shared_task
def session_cleanup_task() -> None:
    session_cleanup()
