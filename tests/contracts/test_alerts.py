"""The contract scan with a frozen clock: notice alerts at 120/90/60/30 days, the escalation
at 14 days with no decision, obligation reminders; each sent once however often it runs."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.core import mail

from accounts.models import User
from contracts.models import Contract
from contracts.services import (
    contract_renew,
    contract_terminate,
    obligation_create,
    renewal_decision_advance,
)
from contracts.tasks import contract_scan_task
from escalations.choices import EscalationReason
from escalations.models import Escalation
from escalations.services import escalation_resolve
from notifications.choices import NotificationKind
from notifications.models import Notification
from notifications.tasks import notification_sweep_task
from srm.celery import app
from tests.contracts.conftest import TODAY

pytestmark = pytest.mark.django_db
MakeContract = Callable[..., Contract]


def _scan_on(day: date) -> None:
    with time_machine.travel(datetime(day.year, day.month, day.day, 6, 40, tzinfo=UTC)):
        contract_scan_task.delay().get()


def _notices() -> list[str]:
    return list(
        Notification.objects.filter(kind=NotificationKind.CONTRACT_NOTICE)
        .order_by("id")
        .values_list("occasion", flat=True)
    )


def _ending_with_notice_on(make_contract: MakeContract, notice: date, **fields: Any) -> Contract:
    return make_contract(end_date=notice + timedelta(days=90), notice_period_days=90, **fields)


def test_owner_is_alerted_at_each_mark_once_and_escalated_at_14_days(
    make_contract: MakeContract,
) -> None:
    notice = TODAY + timedelta(days=130)
    contract = _ending_with_notice_on(make_contract, notice)
    day = TODAY
    while day <= notice + timedelta(days=3):
        _scan_on(day)
        _scan_on(day)  # a second beat, or a retry: no second alert
        day += timedelta(days=1)
    marks = [f"notice-{mark}:{notice.isoformat()}" for mark in (120, 90, 60, 30)]
    # Past the notice day with no decision: told once that the window closed.
    assert _notices() == [*marks, f"notice-closed:{notice.isoformat()}"]
    assert set(Notification.objects.values_list("recipient", flat=True)) == {contract.owner_id}
    escalation = Escalation.objects.get()
    assert (escalation.reason, escalation.object_id) == (
        EscalationReason.CONTRACT_RENEWAL,
        contract.pk,
    )
    assert escalation.raised_at.date() == notice - timedelta(days=14)


def test_first_alert_on_the_day_the_120_day_mark_is_reached(make_contract: MakeContract) -> None:
    notice = TODAY + timedelta(days=121)
    _ending_with_notice_on(make_contract, notice)
    _scan_on(TODAY)
    assert _notices() == []
    _scan_on(TODAY + timedelta(days=1))
    assert _notices() == [f"notice-120:{notice.isoformat()}"]


def test_contract_first_seen_late_gets_only_the_latest_mark(make_contract: MakeContract) -> None:
    notice = TODAY + timedelta(days=50)
    _ending_with_notice_on(make_contract, notice)
    _scan_on(TODAY)
    assert _notices() == [f"notice-60:{notice.isoformat()}"]


def test_a_recorded_decision_stops_alerts_and_the_escalation(
    make_contract: MakeContract, procurement_manager: User
) -> None:
    notice = TODAY + timedelta(days=20)
    contract = _ending_with_notice_on(make_contract, notice)
    renewal_decision_advance(contract=contract, by=procurement_manager, stage="under_review")
    renewal_decision_advance(
        contract=contract, by=procurement_manager, stage="decided", decision="renew"
    )
    for offset in range(0, 21):
        _scan_on(TODAY + timedelta(days=offset))
    assert _notices() == []
    assert not Escalation.objects.exists()


def test_under_review_is_no_decision_yet(
    make_contract: MakeContract, procurement_manager: User
) -> None:
    contract = _ending_with_notice_on(make_contract, TODAY + timedelta(days=10))
    renewal_decision_advance(contract=contract, by=procurement_manager, stage="under_review")
    _scan_on(TODAY)
    assert Escalation.objects.count() == 1


def test_an_escalation_resolved_by_hand_is_not_raised_again_for_the_term(
    make_contract: MakeContract, procurement_manager: User
) -> None:
    _ending_with_notice_on(make_contract, TODAY + timedelta(days=10))
    _scan_on(TODAY)
    escalation_resolve(escalation=Escalation.objects.get(), by=None, note="Talked to the owner")
    _scan_on(TODAY + timedelta(days=1))
    assert Escalation.objects.count() == 1


def test_open_ended_draft_and_terminated_contracts_are_never_alerted(
    make_contract: MakeContract, procurement_manager: User
) -> None:
    make_contract(end_date=None)
    _ending_with_notice_on(make_contract, TODAY + timedelta(days=10), active=False)
    ended = _ending_with_notice_on(make_contract, TODAY + timedelta(days=10))
    contract_terminate(contract=ended, by=procurement_manager, on=TODAY, reason="Merged")
    _scan_on(TODAY)
    assert _notices() == []
    assert not Escalation.objects.exists()


def test_a_renewed_term_is_alerted_afresh(
    make_contract: MakeContract, procurement_manager: User
) -> None:
    notice = TODAY + timedelta(days=25)
    contract = _ending_with_notice_on(make_contract, notice, renewal_term_months=12)
    _scan_on(TODAY)
    contract = contract_renew(contract=contract, by=procurement_manager)
    new_notice = contract.last_notice_date
    assert new_notice is not None
    _scan_on(new_notice - timedelta(days=100))
    assert _notices() == [f"notice-30:{notice.isoformat()}", f"notice-120:{new_notice.isoformat()}"]


def test_obligations_coming_due_are_reminded_once(
    make_contract: MakeContract, procurement_manager: User
) -> None:
    contract = make_contract()
    soon = obligation_create(
        by=procurement_manager,
        contract=contract,
        party="them",
        description="Quarterly service report",
        due_date=TODAY + timedelta(days=7),
    )
    obligation_create(
        by=procurement_manager,
        contract=contract,
        party="us",
        description="Annual forecast",
        due_date=TODAY + timedelta(days=8),
    )
    _scan_on(TODAY)
    _scan_on(TODAY)
    reminders = Notification.objects.filter(kind=NotificationKind.OBLIGATION_DUE)
    assert [(n.object_id, n.recipient_id) for n in reminders] == [(soon.pk, contract.owner_id)]
    assert "Quarterly service report" in reminders.get().title


def test_alerts_arrive_by_email_with_the_contract_link(
    make_contract: MakeContract, settings: Any
) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    contract = _ending_with_notice_on(make_contract, TODAY + timedelta(days=100))
    _scan_on(TODAY)
    notification_sweep_task.delay().get()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [contract.owner.email]
    assert "100 days left to give notice" in message.subject
    assert contract.get_absolute_url() in message.body
    assert "Record the renewal decision" in message.body


def test_the_scan_is_in_the_beat_schedule() -> None:
    entry = app.conf.beat_schedule["contract-scan"]
    assert entry["task"] == contract_scan_task.name


def test_value_is_irrelevant_to_alerts(make_contract: MakeContract) -> None:
    # A contract's value plays no part in when its owner is warned.
    _ending_with_notice_on(make_contract, TODAY + timedelta(days=30), value=Decimal("1"))
    _scan_on(TODAY)
    assert len(_notices()) == 1


def test_a_contract_that_renews_itself_is_renewed_when_its_term_ends_without_notice(
    make_contract: MakeContract, procurement_manager: User
) -> None:
    end = TODAY + timedelta(days=10)
    itself = make_contract(
        end_date=end, notice_period_days=0, auto_renew=True, renewal_term_months=12
    )
    ending = make_contract(
        end_date=end, notice_period_days=0, auto_renew=True, renewal_term_months=12
    )
    renewal_decision_advance(contract=ending, by=procurement_manager, stage="under_review")
    renewal_decision_advance(
        contract=ending, by=procurement_manager, stage="decided", decision="terminate"
    )
    plain = make_contract(end_date=end, notice_period_days=0)
    _scan_on(end)  # the last day of the term: nothing yet
    _scan_on(end + timedelta(days=1))
    _scan_on(end + timedelta(days=1))
    for contract in (itself, ending, plain):
        contract.refresh_from_db()
    assert itself.end_date == date(2027, 3, 12)
    assert itself.versions.get(number=2).created_by is None
    assert (ending.end_date, plain.end_date) == (end, end)
    assert plain.phase_on(end + timedelta(days=1)) == "expired"


def test_alerts_of_an_owner_who_left_go_to_the_suppliers_key_account_owner(
    make_contract: MakeContract, make_user: Callable[..., User]
) -> None:
    from accounts.roles import Role
    from tests.factories import OwnershipFactory

    gone = make_user(Role.ACCOUNT_MANAGER, username="gone")
    alice = make_user(Role.ACCOUNT_MANAGER, username="alice")
    notice = TODAY + timedelta(days=100)
    contract = _ending_with_notice_on(make_contract, notice, owner=gone)
    OwnershipFactory(supplier=contract.supplier, user=alice, role="owner")
    User.objects.filter(pk=gone.pk).update(is_active=False)
    _scan_on(TODAY)
    _scan_on(TODAY)
    alert = Notification.objects.get(kind=NotificationKind.CONTRACT_NOTICE)
    assert (alert.recipient_id, alert.occasion) == (alice.pk, f"notice-120:{notice.isoformat()}")
    assert not Notification.objects.filter(recipient=gone).exists()


def test_without_a_key_account_owner_they_go_to_the_head_of_procurement(
    make_contract: MakeContract, make_user: Callable[..., User], procurement_manager: User
) -> None:
    from accounts.roles import Role

    gone = make_user(Role.ACCOUNT_MANAGER, username="gone")
    contract = _ending_with_notice_on(make_contract, TODAY + timedelta(days=100), owner=gone)
    obligation_create(
        by=procurement_manager,
        contract=contract,
        party="them",
        description="Quarterly service report",
        due_date=TODAY + timedelta(days=3),
    )
    User.objects.filter(pk=gone.pk).update(is_active=False)
    _scan_on(TODAY)
    recipients = set(Notification.objects.values_list("kind", "recipient"))
    assert recipients == {
        (NotificationKind.CONTRACT_NOTICE, procurement_manager.pk),
        (NotificationKind.OBLIGATION_DUE, procurement_manager.pk),
    }


def test_an_obligation_still_open_after_its_due_date_is_flagged_once(
    make_contract: MakeContract, procurement_manager: User
) -> None:
    contract = make_contract()
    late = obligation_create(
        by=procurement_manager,
        contract=contract,
        party="them",
        description="Quarterly service report",
        due_date=TODAY + timedelta(days=2),
    )
    met = obligation_create(
        by=procurement_manager,
        contract=contract,
        party="us",
        description="Annual forecast",
        due_date=TODAY + timedelta(days=2),
    )
    from contracts.services import obligation_record

    obligation_record(obligation=met, by=procurement_manager, status="met")
    for offset in range(0, 12):
        _scan_on(TODAY + timedelta(days=offset))
        _scan_on(TODAY + timedelta(days=offset))
    occasions = list(
        Notification.objects.filter(kind=NotificationKind.OBLIGATION_DUE)
        .order_by("id")
        .values_list("object_id", "occasion", "title")
    )
    due = late.due_date.isoformat()  # type: ignore[union-attr]
    assert [(o, occasion) for o, occasion, _title in occasions] == [
        (late.pk, f"due:{due}"),
        (late.pk, f"overdue:{due}"),
    ]
    assert occasions[1][2].startswith(f"Overdue (due {due})")
    # Sent the day after it was due, not later.
    overdue = Notification.objects.get(occasion=f"overdue:{due}")
    assert overdue.created_at.date() == TODAY + timedelta(days=3)
