"""The contract events: activated, renewed, terminated, and the notice date within 30 days,
once per contract and notice date however often the scan runs."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
import time_machine

from accounts.models import User
from contracts.alerts import contract_scan
from contracts.models import Contract
from contracts.services import contract_renew, contract_terminate
from tests.contracts.conftest import TODAY, _today, make_contract, supplier  # noqa: F401
from webhooks.models import Endpoint, Event

pytestmark = pytest.mark.django_db

URL = "http://127.0.0.1:9/hooks"


def types() -> list[str]:
    return list(Event.objects.order_by("id").values_list("type", flat=True))


def test_activated_renewed_terminated(
    make_endpoint: Callable[..., Endpoint],
    make_contract: Callable[..., Contract],  # noqa: F811
    procurement_manager: User,
) -> None:
    make_endpoint(URL)
    contract = make_contract(renewal_term_months=12)
    contract_renew(contract=contract, by=procurement_manager, months=12)
    contract_terminate(
        contract=contract, by=procurement_manager, on=TODAY + timedelta(days=60), reason="Merged"
    )
    assert types() == ["contract.activated", "contract.renewed", "contract.terminated"]
    activated = Event.objects.get(type="contract.activated").payload["data"]
    assert activated["id"] == contract.pk
    assert activated["number"] == contract.number
    assert activated["status"] == "active"
    assert "value" not in activated  # confidential: read it through the API
    terminated = Event.objects.get(type="contract.terminated").payload["data"]
    assert terminated["ends_on"] == (TODAY + timedelta(days=60)).isoformat()
    renewed = Event.objects.get(type="contract.renewed").payload["data"]
    assert renewed["by_itself"] is False


def test_notice_date_near_is_sent_once_per_contract_and_notice_date(
    make_endpoint: Callable[..., Endpoint],
    make_contract: Callable[..., Contract],  # noqa: F811
) -> None:
    make_endpoint(URL, event_types=("contract.notice_date_near",))
    # Notice period 90 days: the last day to give notice is 20 days from today.
    contract = make_contract(end_date=TODAY + timedelta(days=110))
    far = make_contract(end_date=TODAY + timedelta(days=200))
    contract_scan(today=TODAY)
    contract_scan(today=TODAY)
    with time_machine.travel(TODAY + timedelta(days=3)):
        contract_scan(today=TODAY + timedelta(days=3))
    (event,) = Event.objects.filter(type="contract.notice_date_near")
    assert event.payload["data"]["id"] == contract.pk
    assert event.payload["data"]["notice_date"] == (TODAY + timedelta(days=20)).isoformat()
    assert not Event.objects.filter(payload__data__id=far.pk).exists()
