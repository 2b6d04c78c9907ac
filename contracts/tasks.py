from celery import shared_task

from contracts.alerts import contract_alerts_scan


@shared_task
def contract_alerts_task() -> int:
    return contract_alerts_scan()
