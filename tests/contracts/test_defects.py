"""Defects found by using the product (issue 15), each through the public surface: realised
benefits that double-count or lie in the future, the notice window past its last day, and a
termination dated in the future; and the allowed actions that pages and the API share."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import User
from contracts.choices import ObligationStatus
from contracts.models import (
    Benefit,
    BenefitRealisation,
    Contract,
    ContractVersion,
    Obligation,
)
from contracts.selectors import contract_list
from contracts.services import (
    benefit_create,
    benefit_realisation_record,
    contract_renew,
    contract_terminate,
    obligation_create,
)
from contracts.tasks import contract_scan_task
from escalations.models import Escalation
from notifications.choices import NotificationKind
from notifications.models import Notification
from tests.contracts.conftest import TODAY

pytestmark = pytest.mark.django_db
MakeContract = Callable[..., Contract]


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _api(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _scan_on(day: date) -> None:
    with time_machine.travel(datetime(day.year, day.month, day.day, 6, 40, tzinfo=UTC)):
        contract_scan_task.delay().get()


# --- Realised benefits: no overlapping periods, no future periods --------------------------


@pytest.fixture
def benefit(make_contract: MakeContract, procurement_manager: User) -> Benefit:
    benefit = benefit_create(
        by=procurement_manager,
        contract=make_contract(),
        kind="savings",
        expected_amount=Decimal("12000"),
    )
    benefit_realisation_record(
        by=procurement_manager,
        benefit=benefit,
        period_start=date(2026, 1, 1),
        period_end=date(2026, 1, 31),
        amount=Decimal("1000"),
    )
    return benefit


def _realised(benefit: Benefit) -> list[tuple[date, date, Decimal]]:
    return list(
        BenefitRealisation.objects.filter(benefit=benefit)
        .order_by("period_start")
        .values_list("period_start", "period_end", "amount")
    )


JANUARY = [(date(2026, 1, 1), date(2026, 1, 31), Decimal("1000.00"))]


@pytest.mark.parametrize(
    ("start", "end"),
    [
        ("2026-01-15", "2026-02-15"),  # overlaps its end
        ("2025-12-01", "2026-01-01"),  # shares its first day
        ("2025-12-01", "2026-02-28"),  # covers it
        ("2026-01-10", "2026-01-20"),  # inside it
    ],
)
def test_an_overlapping_realisation_period_is_refused_by_page_and_api(
    benefit: Benefit, procurement_manager: User, start: str, end: str
) -> None:
    page = _client(procurement_manager).post(
        f"/contracts/benefits/{benefit.pk}/realisations/",
        {"period_start": start, "period_end": end, "amount": "500"},
    )
    assert page.status_code == 400
    assert "overlaps 2026-01-01 to 2026-01-31" in page.content.decode()
    api = _api(procurement_manager).post(
        f"/api/v1/benefits/{benefit.pk}/realisations/",
        {"period_start": start, "period_end": end, "amount": "500"},
        format="json",
    )
    assert api.status_code == 400, api.json()
    assert "period_start" in api.json()["error"]["fields"]
    assert _realised(benefit) == JANUARY


def test_the_database_refuses_overlapping_periods_too(benefit: Benefit) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        BenefitRealisation.objects.bulk_create(
            [
                BenefitRealisation(
                    benefit=benefit,
                    period_start=date(2026, 1, 31),
                    period_end=date(2026, 2, 28),
                    amount=Decimal(1),
                )
            ]
        )


def test_adjacent_periods_and_a_correction_of_the_same_period_are_accepted(
    benefit: Benefit, procurement_manager: User
) -> None:
    client = _api(procurement_manager)
    url = f"/api/v1/benefits/{benefit.pk}/realisations/"
    february = {"period_start": "2026-02-01", "period_end": "2026-02-28", "amount": "700"}
    assert client.post(url, february, format="json").status_code == 200
    corrected = {"period_start": "2026-01-01", "period_end": "2026-01-31", "amount": "900"}
    answer = client.post(url, corrected, format="json")
    assert answer.status_code == 200
    assert answer.json()["realised"] == "1600.00"
    assert len(_realised(benefit)) == 2


def test_another_benefits_periods_do_not_count_as_overlapping(
    benefit: Benefit, procurement_manager: User
) -> None:
    other = benefit_create(
        by=procurement_manager,
        contract=benefit.contract,
        kind="quality",
        expected_amount=Decimal(10),
    )
    benefit_realisation_record(
        by=procurement_manager,
        benefit=other,
        period_start=date(2026, 1, 1),
        period_end=date(2026, 1, 31),
        amount=Decimal(5),
    )
    assert len(_realised(other)) == 1


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (TODAY - timedelta(days=5), TODAY + timedelta(days=1)),  # not over yet
        (TODAY + timedelta(days=30), TODAY + timedelta(days=60)),  # in the future
    ],
)
def test_realised_figures_for_a_period_not_yet_ended_are_refused(
    benefit: Benefit, procurement_manager: User, start: date, end: date
) -> None:
    body = {"period_start": start.isoformat(), "period_end": end.isoformat(), "amount": "5"}
    page = _client(procurement_manager).post(
        f"/contracts/benefits/{benefit.pk}/realisations/", body
    )
    assert page.status_code == 400
    assert "has not ended yet" in page.content.decode()
    api = _api(procurement_manager).post(
        f"/api/v1/benefits/{benefit.pk}/realisations/", body, format="json"
    )
    assert api.status_code == 400
    assert "period_end" in api.json()["error"]["fields"]
    with pytest.raises(ValidationError) as error:
        benefit_realisation_record(
            by=procurement_manager,
            benefit=benefit,
            period_start=start,
            period_end=end,
            amount=Decimal(1),
        )
    assert "period_end" in error.value.message_dict
    assert _realised(benefit) == JANUARY


def test_a_period_ending_today_is_accepted_and_one_ending_before_it_starts_is_not(
    benefit: Benefit, procurement_manager: User
) -> None:
    url = f"/api/v1/benefits/{benefit.pk}/realisations/"
    client = _api(procurement_manager)
    backwards = {"period_start": "2026-02-10", "period_end": "2026-02-01", "amount": "1"}
    answer = client.post(url, backwards, format="json")
    assert answer.status_code == 400
    assert "period_end" in answer.json()["error"]["fields"]
    today = {"period_start": "2026-02-01", "period_end": TODAY.isoformat(), "amount": "1"}
    assert client.post(url, today, format="json").status_code == 200


def test_someone_else_may_not_record_a_realisation(benefit: Benefit, outsider: User) -> None:
    answer = _api(outsider).post(
        f"/api/v1/benefits/{benefit.pk}/realisations/",
        {"period_start": "2026-02-01", "period_end": "2026-02-28", "amount": "1"},
        format="json",
    )
    assert answer.status_code == 404
    assert _realised(benefit) == JANUARY


# --- Past the last notice day: the window is closed, and what happens now -------------------


def _past_notice(make_contract: MakeContract, **fields: object) -> Contract:
    """Active, its last notice day five days ago, no decision recorded."""
    return make_contract(end_date=TODAY + timedelta(days=85), notice_period_days=90, **fields)


def test_past_the_notice_day_a_contract_that_does_not_renew_is_said_to_lapse(
    make_contract: MakeContract, procurement_manager: User
) -> None:
    contract = _past_notice(make_contract)
    end = contract.end_date
    assert end is not None
    _scan_on(TODAY)
    _scan_on(TODAY)
    summary = Escalation.objects.get().summary
    assert "-5" not in summary
    assert "notice window closed on 2026-02-25" in summary
    assert f"it lapses on {end.isoformat()}" in summary
    closed = Notification.objects.get(
        kind=NotificationKind.CONTRACT_NOTICE, occasion="notice-closed:2026-02-25"
    )
    assert closed.recipient == procurement_manager
    assert "has closed" in closed.title
    assert f"it lapses on {end.isoformat()}" in closed.body
    page = _client(procurement_manager).get(f"/contracts/{contract.pk}/").content.decode()
    assert "The notice window has closed: the contract lapses on May 26, 2026." in page


def test_past_the_notice_day_a_contract_that_renews_itself_says_when(
    make_contract: MakeContract, procurement_manager: User
) -> None:
    contract = _past_notice(make_contract, auto_renew=True, renewal_term_months=12)
    end = contract.end_date
    assert end is not None
    _scan_on(TODAY)
    renews = (end + timedelta(days=1)).isoformat()
    assert f"it renews itself on {renews}" in Escalation.objects.get().summary
    body = Notification.objects.get(occasion="notice-closed:2026-02-25").body
    assert f"it renews itself on {renews}" in body
    page = _client(procurement_manager).get(f"/contracts/{contract.pk}/").content.decode()
    assert "The notice window has closed: the contract renews itself on May 27, 2026." in page


def test_before_the_notice_day_the_page_counts_down_and_says_nothing_of_a_closed_window(
    make_contract: MakeContract, procurement_manager: User
) -> None:
    contract = make_contract(end_date=TODAY + timedelta(days=120), notice_period_days=90)
    page = _client(procurement_manager).get(f"/contracts/{contract.pk}/").content.decode()
    assert "notice window has closed" not in page
    assert "(in 4\xa0weeks" in page


# --- A termination dated in the future ----------------------------------------------------


def test_a_termination_dated_later_keeps_the_contract_in_force_until_that_day(
    make_contract: MakeContract, procurement_manager: User
) -> None:
    contract = make_contract()
    obligation = obligation_create(
        by=procurement_manager,
        contract=contract,
        party="them",
        description="Monthly report",
        due_date=TODAY + timedelta(days=20),
    )
    ends = TODAY + timedelta(days=10)
    client = _client(procurement_manager)
    answer = client.post(
        f"/contracts/{contract.pk}/terminate/",
        {"on": ends.isoformat(), "reason": "Moving to another supplier"},
    )
    assert answer.status_code == 302
    contract.refresh_from_db()
    assert (contract.status, contract.terminated_on, contract.terminates_on) == (
        "active",
        ends,
        ends,
    )
    assert Obligation.objects.get(pk=obligation.pk).status == ObligationStatus.OPEN
    in_force = contract_list(user=procurement_manager, filters={"in_force": "true"})
    assert list(in_force.values_list("pk", flat=True)) == [contract.pk]
    page = client.get(f"/contracts/{contract.pk}/").content.decode()
    assert "Terminates on March 12, 2026" in page
    assert "Terminate the contract" in page  # a new date may still be given
    detail = _api(procurement_manager).get(f"/api/v1/contracts/{contract.pk}/").json()
    assert detail["status"] == "active"
    assert "renew" not in detail["allowed_actions"]
    assert "terminate" in detail["allowed_actions"]

    _scan_on(ends - timedelta(days=1))
    assert Contract.objects.get(pk=contract.pk).status == "active"
    _scan_on(ends)
    _scan_on(ends)
    contract.refresh_from_db()
    assert contract.status == "terminated"
    assert list(
        ContractVersion.objects.filter(contract=contract)
        .order_by("number")
        .values_list("kind", "created_by")
    ) == [
        ("created", procurement_manager.pk),
        ("terminating", procurement_manager.pk),
        ("terminated", None),
    ]
    with time_machine.travel(datetime(ends.year, ends.month, ends.day, 12, tzinfo=UTC)):
        gone = contract_list(user=procurement_manager, filters={"in_force": "true"})
        assert not gone.exists()
        page = _client(procurement_manager).get(f"/contracts/{contract.pk}/").content.decode()
    assert "Terminated on" in page and "Terminate the contract" not in page


def test_past_its_termination_day_a_contract_the_scan_has_not_reached_is_not_in_force(
    make_contract: MakeContract, procurement_manager: User
) -> None:
    contract = make_contract()
    contract_terminate(
        contract=contract, by=procurement_manager, on=TODAY + timedelta(days=3), reason="x"
    )
    with time_machine.travel(datetime(2026, 3, 6, 9, tzinfo=UTC)):
        assert not contract_list(user=procurement_manager, filters={"in_force": "true"}).exists()


def test_a_contract_terminating_later_is_not_renewed(
    make_contract: MakeContract, procurement_manager: User
) -> None:
    contract = make_contract(auto_renew=True, renewal_term_months=12)
    contract_terminate(
        contract=contract, by=procurement_manager, on=TODAY + timedelta(days=30), reason="x"
    )
    answer = _api(procurement_manager).post(
        f"/api/v1/contracts/{contract.pk}/renew/", {}, format="json"
    )
    assert answer.status_code == 409
    from contracts.services import ContractStateError

    with pytest.raises(ContractStateError):
        contract_renew(contract=contract, by=procurement_manager)


def test_a_termination_dated_today_or_earlier_takes_effect_at_once(
    make_contract: MakeContract, procurement_manager: User
) -> None:
    contract = contract_terminate(
        contract=make_contract(), by=procurement_manager, on=TODAY, reason="Breach"
    )
    assert (contract.status, contract.terminates_on) == ("terminated", None)
    assert ContractVersion.objects.filter(contract=contract, kind="terminated").count() == 1


def test_someone_else_may_not_terminate(make_contract: MakeContract, outsider: User) -> None:
    contract = make_contract()
    answer = _api(outsider).post(
        f"/api/v1/contracts/{contract.pk}/terminate/",
        {"on": (TODAY + timedelta(days=5)).isoformat(), "reason": "x"},
        format="json",
    )
    assert answer.status_code == 403
    contract.refresh_from_db()
    assert contract.terminated_on is None


# --- Allowed actions: pages and the API ask the same rule ---------------------------------


def test_the_api_detail_lists_allowed_actions_as_the_page_shows_buttons(
    make_contract: MakeContract, procurement_manager: User, outsider: User
) -> None:
    draft = make_contract(active=False)
    manager = _api(procurement_manager).get(f"/api/v1/contracts/{draft.pk}/").json()
    assert manager["allowed_actions"] == [
        "activate",
        "add_benefit",
        "add_obligation",
        "amend",
        "terminate",
        "upload_document",
    ]
    assert _api(outsider).get(f"/api/v1/contracts/{draft.pk}/").json()["allowed_actions"] == []
    page = _client(outsider).get(f"/contracts/{draft.pk}/").content.decode()
    assert "/activate/" not in page and "/amend/" not in page
    listed = _api(procurement_manager).get("/api/v1/contracts/").json()["results"]
    assert "allowed_actions" not in listed[0]  # the list stays one query per page
