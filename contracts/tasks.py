from celery import shared_task

from contracts.alerts import contract_scan


@shared_task
def contract_scan_task() -> int:
    """Every contract scan (contracts.alerts): notices, reminders, renewals, terminations."""
    return contract_scan()
