"""Contract lifecycle through the services: create, activate with its checks, amend as a new
version, renew, terminate; the renewal decision's steps; obligations and benefits."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.models import User
from accounts.roles import Role
from contracts.choices import (
    ContractStatus,
    ObligationStatus,
    Party,
    RenewalChoice,
    RenewalStage,
    VersionKind,
)
from contracts.models import Contract, ContractVersion, RenewalDecision
from contracts.services import (
    ContractStateError,
    LineInput,
    RenewalTransitionError,
    benefit_create,
    benefit_realisation_record,
    contract_activate,
    contract_amend,
    contract_create,
    contract_renew,
    contract_terminate,
    obligation_create,
    obligation_record,
    renewal_decision_advance,
)
from escalations.choices import EscalationReason, EscalationStatus, Severity
from escalations.models import Escalation
from escalations.services import escalation_raise
from suppliers.models import Supplier
from tests.contracts.conftest import TODAY

pytestmark = pytest.mark.django_db
MakeContract = Callable[..., Contract]


def test_create_numbers_drafts_per_year_and_records_version_one(
    make_contract: MakeContract,
) -> None:
    first = make_contract(active=False)
    second = make_contract(active=False)
    assert (first.number, second.number) == ("C-2026-0001", "C-2026-0002")
    assert first.status == ContractStatus.DRAFT
    version = ContractVersion.objects.get(contract=first)
    assert (version.number, version.kind) == (1, VersionKind.CREATED)
    assert version.terms["value"] == "120000.00"
    assert version.terms["end_date"] == "2027-03-02"


def test_create_keeps_given_number_and_lines(procurement_manager: User, supplier: Supplier) -> None:
    contract = contract_create(
        by=procurement_manager,
        supplier=supplier,
        title="From an RFP",
        owner=procurement_manager,
        value=Decimal("500"),
        currency="sek",
        number="RFP-7",
        lines=[
            LineInput(
                description="Bolts", quantity=Decimal(100), unit="pcs", unit_price=Decimal("1.25")
            ),
            LineInput(description="Nuts", unit_price=Decimal("2.5")),
        ],
    )
    assert contract.number == "RFP-7"
    assert contract.currency == "SEK"
    lines = list(contract.lines.order_by("position"))
    assert [(line.description, line.amount) for line in lines] == [
        ("Bolts", Decimal("125.00")),
        ("Nuts", Decimal("2.50")),
    ]


def test_create_refuses_bad_currency_and_taken_number(
    make_contract: MakeContract,
) -> None:
    with pytest.raises(ValidationError) as error:
        make_contract(active=False, currency="XXQ")
    assert "currency" in error.value.message_dict
    taken = make_contract(active=False)
    with pytest.raises(ValidationError) as error:
        make_contract(active=False, number=taken.number)
    assert "number" in error.value.message_dict


def test_create_refuses_auto_renewal_without_term_and_notice_before_start(
    make_contract: MakeContract,
) -> None:
    with pytest.raises(ValidationError) as error:
        make_contract(active=False, auto_renew=True)
    assert "renewal_term_months" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        make_contract(
            active=False,
            start_date=TODAY,
            end_date=TODAY + timedelta(days=30),
            notice_period_days=60,
        )
    assert "notice_period_days" in error.value.message_dict


def test_only_contract_managers_create(account_manager: User, supplier: Supplier) -> None:
    with pytest.raises(PermissionDenied):
        contract_create(
            by=account_manager,
            supplier=supplier,
            title="Mine",
            owner=account_manager,
            value=Decimal(1),
            currency="EUR",
        )


def test_owner_must_be_someone_who_signs_in(make_contract: MakeContract, integration: User) -> None:
    with pytest.raises(ValidationError) as error:
        make_contract(active=False, owner=integration)
    assert "owner" in error.value.message_dict


def test_activate_lists_everything_missing(
    make_contract: MakeContract, procurement_manager: User, supplier: Supplier
) -> None:
    supplier.status = "suspended"
    supplier.save()
    draft = make_contract(active=False, start_date=None, value=Decimal(0))
    with pytest.raises(ValidationError) as error:
        contract_activate(contract=draft, by=procurement_manager)
    assert set(error.value.message_dict) == {"start_date", "value", "supplier"}
    draft.refresh_from_db()
    assert draft.status == ContractStatus.DRAFT


def test_activate_twice_is_harmless_and_terminated_cannot(
    make_contract: MakeContract, procurement_manager: User
) -> None:
    contract = make_contract()
    assert contract_activate(contract=contract, by=procurement_manager).status == "active"
    contract_terminate(contract=contract, by=procurement_manager, on=TODAY, reason="Merged")
    with pytest.raises(ContractStateError):
        contract_activate(contract=contract, by=procurement_manager)


def test_amend_keeps_the_old_version_readable(
    make_contract: MakeContract, procurement_manager: User
) -> None:
    contract = make_contract()
    amended = contract_amend(
        contract=contract,
        by=procurement_manager,
        value=Decimal("150000"),
        notice_period_days=60,
        note="Volume increase",
    )
    assert amended.version == 2
    versions = {v.number: v for v in ContractVersion.objects.filter(contract=contract)}
    assert versions[1].terms["value"] == "120000.00"
    assert versions[1].terms["notice_period_days"] == 90
    assert versions[2].terms["value"] == "150000.00"
    assert (versions[2].kind, versions[2].note, versions[2].created_by) == (
        VersionKind.AMENDED,
        "Volume increase",
        procurement_manager,
    )


def test_amend_without_change_writes_nothing(
    make_contract: MakeContract, procurement_manager: User
) -> None:
    contract = make_contract()
    contract_amend(contract=contract, by=procurement_manager, title=contract.title)
    assert ContractVersion.objects.filter(contract=contract).count() == 1


def test_amend_refuses_unknown_fields_invalid_values_and_terminated(
    make_contract: MakeContract, procurement_manager: User
) -> None:
    contract = make_contract()
    with pytest.raises(TypeError):  # the status is not a term: only the actions change it
        contract_amend(contract=contract, by=procurement_manager, status="draft")  # type: ignore[call-arg]
    with pytest.raises(ValidationError):
        contract_amend(contract=contract, by=procurement_manager, value=Decimal(-1))
    contract_terminate(contract=contract, by=procurement_manager, on=TODAY, reason="Done")
    with pytest.raises(ContractStateError):
        contract_amend(contract=contract, by=procurement_manager, title="New")


@pytest.mark.parametrize(
    ("end", "months", "new_end"),
    [
        (date(2027, 2, 28), 12, date(2028, 2, 29)),  # into a leap year: the month's last day
        (date(2028, 2, 29), 12, date(2029, 2, 28)),
        (date(2027, 1, 31), 1, date(2027, 2, 28)),
        (date(2026, 12, 31), 3, date(2027, 3, 31)),
        (date(2027, 6, 14), 24, date(2029, 6, 14)),
    ],
)
def test_renew_adds_a_term_after_the_current_one(
    make_contract: MakeContract, procurement_manager: User, end: date, months: int, new_end: date
) -> None:
    contract = make_contract(end_date=end, renewal_term_months=months)
    renewed = contract_renew(contract=contract, by=procurement_manager)
    assert renewed.end_date == new_end
    version = ContractVersion.objects.get(contract=contract, number=2)
    assert version.kind == VersionKind.RENEWED
    assert ContractVersion.objects.get(contract=contract, number=1).terms["end_date"] == (
        end.isoformat()
    )


def test_renew_closes_the_terms_decision(
    make_contract: MakeContract, procurement_manager: User
) -> None:
    contract = make_contract(renewal_term_months=12)
    old_end = contract.end_date
    contract_renew(contract=contract, by=procurement_manager)
    decision = RenewalDecision.objects.get(contract=contract, term_end=old_end)
    assert (decision.stage, decision.decision) == (RenewalStage.DONE, RenewalChoice.RENEW)
    assert decision.steps.get().actor == procurement_manager


def test_renew_refuses_open_ended_drafts_and_missing_term(
    make_contract: MakeContract, procurement_manager: User
) -> None:
    with pytest.raises(ContractStateError):
        contract_renew(contract=make_contract(end_date=None), by=procurement_manager)
    with pytest.raises(ContractStateError):
        contract_renew(contract=make_contract(active=False), by=procurement_manager, months=12)
    with pytest.raises(ValidationError):
        contract_renew(contract=make_contract(), by=procurement_manager)


def test_terminate_records_date_and_reason(
    make_contract: MakeContract, procurement_manager: User
) -> None:
    contract = make_contract()
    with pytest.raises(ValidationError) as error:
        contract_terminate(contract=contract, by=procurement_manager, on=TODAY, reason="  ")
    assert "reason" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        contract_terminate(
            contract=contract, by=procurement_manager, on=date(2020, 1, 1), reason="x"
        )
    assert "on" in error.value.message_dict
    ended = contract_terminate(
        contract=contract, by=procurement_manager, on=TODAY, reason="Supplier acquired"
    )
    assert (ended.status, ended.terminated_on, ended.termination_reason) == (
        ContractStatus.TERMINATED,
        TODAY,
        "Supplier acquired",
    )
    with pytest.raises(ContractStateError):
        contract_terminate(contract=contract, by=procurement_manager, on=TODAY, reason="again")


def test_renewal_decision_moves_stage_by_stage_recording_who_and_when(
    make_contract: MakeContract, procurement_manager: User
) -> None:
    contract = make_contract()
    for stage, decision in [
        (RenewalStage.UNDER_REVIEW, ""),
        (RenewalStage.DECIDED, RenewalChoice.RENEGOTIATE),
        (RenewalStage.DONE, ""),
    ]:
        renewal = renewal_decision_advance(
            contract=contract, by=procurement_manager, stage=stage, decision=decision, note=stage
        )
    assert (renewal.stage, renewal.decision) == (RenewalStage.DONE, RenewalChoice.RENEGOTIATE)
    steps = list(renewal.steps.order_by("at", "id"))
    assert [step.stage for step in steps] == ["under_review", "decided", "done"]
    assert all(step.actor == procurement_manager and step.at for step in steps)


def test_renewal_decision_cannot_skip_or_go_back_and_a_resend_changes_nothing(
    make_contract: MakeContract, procurement_manager: User
) -> None:
    contract = make_contract()
    with pytest.raises(RenewalTransitionError):
        renewal_decision_advance(
            contract=contract, by=procurement_manager, stage=RenewalStage.DECIDED, decision="renew"
        )
    renewal_decision_advance(contract=contract, by=procurement_manager, stage="under_review")
    again = renewal_decision_advance(
        contract=contract, by=procurement_manager, stage="under_review"
    )
    assert again.steps.count() == 1
    with pytest.raises(RenewalTransitionError):
        renewal_decision_advance(contract=contract, by=procurement_manager, stage="upcoming")
    with pytest.raises(ValidationError):
        renewal_decision_advance(contract=contract, by=procurement_manager, stage="decided")
    with pytest.raises(RenewalTransitionError):
        renewal_decision_advance(contract=contract, by=procurement_manager, stage="nonsense")


def test_a_decision_resolves_the_renewal_escalation(
    make_contract: MakeContract, procurement_manager: User
) -> None:
    contract = make_contract()
    escalation_raise(
        supplier=contract.supplier,
        subject=contract,
        reason=EscalationReason.CONTRACT_RENEWAL,
        severity=Severity.HIGH,
        summary="Notice day near",
    )
    renewal_decision_advance(contract=contract, by=procurement_manager, stage="under_review")
    assert Escalation.objects.get().status == EscalationStatus.OPEN
    renewal_decision_advance(
        contract=contract, by=procurement_manager, stage="decided", decision="terminate"
    )
    assert Escalation.objects.get().status == EscalationStatus.RESOLVED


def test_owner_works_on_their_contract_others_may_not(
    make_contract: MakeContract, make_user: Callable[..., User], outsider: User
) -> None:
    alice = make_user(Role.ACCOUNT_MANAGER, username="alice")
    contract = make_contract(owner=alice)
    renewal_decision_advance(contract=contract, by=alice, stage="under_review")
    benefit_create(by=alice, contract=contract, kind="savings", expected_amount=Decimal(10))
    for attempt in (
        lambda: renewal_decision_advance(contract=contract, by=outsider, stage="decided"),
        lambda: benefit_create(
            by=outsider, contract=contract, kind="savings", expected_amount=Decimal(1)
        ),
        lambda: obligation_create(by=outsider, contract=contract, party="us", description="x"),
        lambda: contract_amend(contract=contract, by=alice, title="x"),
    ):
        with pytest.raises(PermissionDenied):
            attempt()


def test_recurring_obligation_moves_to_its_next_due_date_when_met(
    make_contract: MakeContract, procurement_manager: User
) -> None:
    contract = make_contract()
    obligation = obligation_create(
        by=procurement_manager,
        contract=contract,
        party=Party.THEM,
        description="Quarterly service report",
        metric="On-time delivery",
        target="≥ 95%",
        due_date=date(2026, 1, 31),
        recurrence="quarterly",
    )
    obligation = obligation_record(
        obligation=obligation, by=procurement_manager, status="met", evidence_note="96.2%"
    )
    assert (obligation.status, obligation.due_date) == (ObligationStatus.OPEN, date(2026, 4, 30))
    once = obligation_create(
        by=procurement_manager,
        contract=contract,
        party="us",
        description="Forecast",
        due_date=TODAY,
    )
    assert obligation_record(obligation=once, by=procurement_manager, status="missed").status == (
        ObligationStatus.MISSED
    )


def test_recurring_obligation_needs_a_due_date(
    make_contract: MakeContract, procurement_manager: User
) -> None:
    with pytest.raises(ValidationError):
        obligation_create(
            by=procurement_manager,
            contract=make_contract(),
            party="us",
            description="Report",
            recurrence="monthly",
        )


def test_benefit_realisations_per_period_and_corrections(
    make_contract: MakeContract, procurement_manager: User
) -> None:
    contract = make_contract()
    benefit = benefit_create(
        by=procurement_manager,
        contract=contract,
        kind="savings",
        expected_amount=Decimal("20000"),
        gain_share_percent=Decimal("25"),
    )
    q1 = benefit_realisation_record(
        by=procurement_manager,
        benefit=benefit,
        period_start=date(2025, 10, 1),
        period_end=date(2025, 12, 31),
        amount=Decimal("4000"),
    )
    corrected = benefit_realisation_record(
        by=procurement_manager,
        benefit=benefit,
        period_start=date(2025, 10, 1),
        period_end=date(2025, 12, 31),
        amount=Decimal("4500"),
    )
    assert corrected.pk == q1.pk
    assert benefit.realisations.get().amount == Decimal("4500")
    with pytest.raises(ValidationError):
        benefit_realisation_record(
            by=procurement_manager,
            benefit=benefit,
            period_start=date(2026, 4, 1),
            period_end=date(2026, 3, 1),
            amount=Decimal(1),
        )
    with pytest.raises(ValidationError):
        benefit_create(
            by=procurement_manager,
            contract=contract,
            kind="savings",
            expected_amount=Decimal(1),
            gain_share_percent=Decimal(101),
        )
