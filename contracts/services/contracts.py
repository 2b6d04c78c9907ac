"""Writes to contracts themselves: create, activate, amend, renew, terminate.

Each service checks the actor, validates (``full_clean``), writes in one transaction and keeps
history: a contract's terms are snapshotted as a new ``ContractVersion`` at creation, at each
amendment, renewal and termination, and its rows are audited by database triggers. The scans
that call these live in ``contracts.alerts``; who may do what in ``contracts.permissions``,
and term arithmetic in ``contracts.rules``. A termination given for a later day leaves the
contract active (in force, its obligations open, its value counted) until
``contract_termination_scan`` ends it on that day.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.roles import Capability, capabilities_of
from contracts.choices import ContractStatus, RenewalChoice, VersionKind
from contracts.models import Contract, ContractLine, ContractVersion
from contracts.permissions import may_create_contract, may_manage, may_work_on
from contracts.rules import next_term_end
from contracts.services.renewals import close_decision
from core.dates import date_range_message
from core.exceptions import DomainError
from core.inputs import UNSET, Unset
from suppliers.choices import SupplierStatus
from suppliers.models import Supplier
from webhooks.events import emit

# The terms a version records and an amendment may change.
TERM_FIELDS = (
    "title",
    "owner_id",
    "value",
    "currency",
    "start_date",
    "end_date",
    "notice_period_days",
    "auto_renew",
    "renewal_term_months",
    "description",
)


class ContractStateError(DomainError):
    code = "invalid_contract_state"


@dataclass(frozen=True)
class LineInput:
    """A line of a contract: what is bought, how many, at what price each."""

    description: str
    unit_price: Decimal
    quantity: Decimal = Decimal(1)
    unit: str = ""


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def _require_worker(user: User, contract: Contract) -> None:
    _require(may_work_on(user, contract))


# --- Contracts ----------------------------------------------------------------------------


def _next_number(today: date) -> str:
    prefix = f"C-{today.year}-"
    numbers = Contract.objects.filter(number__startswith=prefix).values_list("number", flat=True)
    highest = max((int(n[len(prefix) :]) for n in numbers if n[len(prefix) :].isdigit()), default=0)
    return f"{prefix}{highest + 1:04d}"


def _terms(contract: Contract) -> dict[str, Any]:
    terms: dict[str, Any] = {}
    for name in TERM_FIELDS:
        value = getattr(contract, name)
        terms[name] = value.isoformat() if isinstance(value, date) else value
        if isinstance(value, Decimal):
            # 250000 typed and 250000.00 stored are one value: compare them as stored.
            terms[name] = str(value.quantize(Decimal("0.01")))
    return terms


def _record_version(contract: Contract, *, kind: str, by: User | None, note: str = "") -> None:
    ContractVersion.objects.create(
        contract=contract,
        number=contract.version,
        kind=kind,
        terms=_terms(contract),
        note=note,
        created_by=by,
    )


def _check_owner(owner: User) -> None:
    if not owner.is_active or Capability.USE_PAGES not in capabilities_of(owner):
        raise ValidationError({"owner": _("The owner must be an active user who signs in.")})


def _build_lines(contract: Contract, lines: Iterable[LineInput]) -> None:
    built = []
    for position, line in enumerate(lines, start=1):
        row = ContractLine(
            contract=contract,
            position=position,
            description=line.description,
            quantity=line.quantity,
            unit=line.unit,
            unit_price=line.unit_price,
        )
        try:
            row.full_clean()
        except ValidationError as error:
            raise ValidationError(
                {"lines": _("Line %(n)d: %(e)s") % {"n": position, "e": "; ".join(error.messages)}}
            ) from None
        built.append(row)
    ContractLine.objects.bulk_create(built)


@transaction.atomic
def contract_create(
    *,
    by: User,
    supplier: Supplier,
    title: str,
    owner: User,
    value: Decimal,
    currency: str,
    start_date: date | None = None,
    end_date: date | None = None,
    notice_period_days: int = 0,
    auto_renew: bool = False,
    renewal_term_months: int | None = None,
    description: str = "",
    external_id: str | None = None,
    number: str | None = None,
    lines: Iterable[LineInput] | None = None,
) -> Contract:
    """A draft contract, numbered C-<year>-<nnnn> unless ``number`` is given; version 1 of its
    terms is recorded."""
    _require(may_create_contract(by))
    _check_owner(owner)
    contract = Contract(
        supplier=supplier,
        title=title.strip(),
        owner=owner,
        value=value,
        currency=(currency or "").upper(),
        start_date=start_date,
        end_date=end_date,
        notice_period_days=notice_period_days,
        auto_renew=auto_renew,
        renewal_term_months=renewal_term_months,
        description=description,
        external_id=external_id or None,
        number=number or "C-0",
    )
    contract.full_clean(exclude=["number"] if number is None else None)
    _check_terms(contract)
    for _attempt in range(5):
        if number is None:
            contract.number = _next_number(timezone.localdate())
        try:
            with transaction.atomic():
                contract.save()
            break
        except IntegrityError:
            if number is not None:
                raise ValidationError({"number": _("This number is taken.")}) from None
    else:  # pragma: no cover - five clashes in a row would need five creators at once
        raise ValidationError({"number": _("No free number; try again.")})
    _build_lines(contract, lines or [])
    _record_version(contract, kind=VersionKind.CREATED, by=by)
    return contract


def _check_terms(contract: Contract) -> None:
    """Rules between fields that hold for drafts too."""
    errors: dict[str, str] = {}
    if contract.auto_renew and not contract.renewal_term_months:
        errors["renewal_term_months"] = _("A contract that renews itself needs a renewal term.")
    if contract.auto_renew and contract.end_date is None:
        errors["end_date"] = _("An open-ended contract does not renew: give an end date.")
    notice = contract.last_notice_date
    if notice is not None and contract.start_date is not None and notice < contract.start_date:
        errors["notice_period_days"] = _(
            "The notice period is longer than the contract: notice would be due before it starts."
        )
    if errors:
        raise ValidationError(errors)


def activation_problems(contract: Contract) -> dict[str, str]:
    """What an active contract needs and this one lacks, by field; empty when it may start."""
    problems: dict[str, str] = {}
    if contract.start_date is None:
        problems["start_date"] = _("An active contract needs a start date.")
    if contract.value <= 0:
        problems["value"] = _("An active contract needs its value.")
    if contract.supplier.status in (SupplierStatus.SUSPENDED, SupplierStatus.OFFBOARDED):
        problems["supplier"] = _("The supplier is %(status)s.") % {
            "status": contract.supplier.get_status_display().lower()
        }
    if contract.end_date is not None and contract.end_date < timezone.localdate():
        problems["end_date"] = _("The contract has ended already.")
    if not contract.owner.is_active:
        problems["owner"] = _("The owner has left: choose another.")
    return problems


@transaction.atomic
def contract_activate(*, contract: Contract, by: User) -> Contract:
    """Draft to active, when it has what an active contract needs (``activation_problems``)."""
    _require(may_manage(by, contract))
    contract = (
        Contract.objects.select_for_update().select_related("supplier", "owner").get(pk=contract.pk)
    )
    if contract.status == ContractStatus.ACTIVE:
        return contract
    if contract.status != ContractStatus.DRAFT:
        raise ContractStateError(_("Only a draft contract can be activated."))
    problems = activation_problems(contract)
    if problems:
        raise ValidationError(problems)
    contract.status = ContractStatus.ACTIVE
    contract.updated_at = timezone.now()
    contract.save(update_fields=["status", "updated_at"])
    emit("contract.activated", contract)
    return contract


@transaction.atomic
def contract_amend(
    *,
    contract: Contract,
    by: User,
    note: str = "",
    title: str | Unset = UNSET,
    owner: User | Unset = UNSET,
    value: Decimal | Unset = UNSET,
    currency: str | Unset = UNSET,
    start_date: date | Unset | None = UNSET,
    end_date: date | Unset | None = UNSET,
    notice_period_days: int | Unset = UNSET,
    auto_renew: bool | Unset = UNSET,
    renewal_term_months: int | Unset | None = UNSET,
    description: str | Unset = UNSET,
    external_id: str | Unset | None = UNSET,
) -> Contract:
    """Changes a contract's terms (those given) as a new version; the old one stays readable.
    Nothing is written when nothing changed. A terminated contract is not amended."""
    _require(may_manage(by, contract))
    given: dict[str, object] = {
        "title": title,
        "owner": owner,
        "value": value,
        "currency": currency,
        "start_date": start_date,
        "end_date": end_date,
        "notice_period_days": notice_period_days,
        "auto_renew": auto_renew,
        "renewal_term_months": renewal_term_months,
        "description": description,
        "external_id": external_id,
    }
    changes = {name: change for name, change in given.items() if change is not UNSET}
    contract = (
        Contract.objects.select_for_update().select_related("supplier", "owner").get(pk=contract.pk)
    )
    if contract.status == ContractStatus.TERMINATED:
        raise ContractStateError(_("A terminated contract cannot be amended."))
    before = _terms(contract) | {"external_id": contract.external_id}
    for name, change in changes.items():
        if name == "currency" and isinstance(change, str):
            change = change.upper()
        if name == "external_id":
            change = change or None
        setattr(contract, name, change)
    if "owner" in changes:
        _check_owner(contract.owner)
    if _terms(contract) | {"external_id": contract.external_id} == before:
        return contract
    contract.full_clean()
    _check_terms(contract)
    if contract.status == ContractStatus.ACTIVE:
        problems = activation_problems(contract)
        problems.pop("end_date", None)  # an amendment may record that it ended
        if problems:
            raise ValidationError(problems)
    contract.version += 1
    contract.updated_at = timezone.now()
    contract.save()
    _record_version(contract, kind=VersionKind.AMENDED, by=by, note=note.strip())
    return contract


@transaction.atomic
def contract_renew(
    *, contract: Contract, by: User | None, months: int | None = None, note: str = ""
) -> Contract:
    """A new term after the current one (``months``, default the renewal term), as a new
    version; the current term's renewal decision is done. ``by`` None: the system renewed a
    contract that renews itself."""
    if by is not None:
        _require(may_manage(by, contract))
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    if contract.status != ContractStatus.ACTIVE:
        raise ContractStateError(_("Only an active contract can be renewed."))
    if contract.terminates_on is not None:
        raise ContractStateError(
            _("The contract terminates on %(day)s: it is not renewed.")
            % {"day": contract.terminates_on.isoformat()}
        )
    if contract.end_date is None:
        raise ContractStateError(_("An open-ended contract has no term to renew."))
    months = months or contract.renewal_term_months
    if not months or not 1 <= months <= 120:
        raise ValidationError({"months": _("Say how many months the new term runs (1 to 120).")})
    old_end = contract.end_date
    new_end = next_term_end(old_end, months)
    if new_end is None:
        raise ValidationError({"months": date_range_message()})
    contract.end_date = new_end
    contract.version += 1
    contract.updated_at = timezone.now()
    contract.save(update_fields=["end_date", "version", "updated_at"])
    _record_version(contract, kind=VersionKind.RENEWED, by=by, note=note.strip())
    close_decision(contract, term_end=old_end, decision=RenewalChoice.RENEW, by=by)
    emit(
        "contract.renewed", contract, extra={"previous_end_date": old_end, "by_itself": by is None}
    )
    return contract


@transaction.atomic
def contract_terminate(*, contract: Contract, by: User, on: date, reason: str) -> Contract:
    """Ends the contract on ``on`` for ``reason``; the current term's decision is done. An
    active contract terminated for a later day stays active (in force, its obligations open,
    its value counted) until then: ``contract_termination_complete`` ends it on the day. Given
    again before that day, the new day and reason replace the old. Both steps are versions."""
    _require(may_manage(by, contract))
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    if contract.status == ContractStatus.TERMINATED:
        raise ContractStateError(_("The contract is terminated already."))
    errors = {}
    if not reason.strip():
        errors["reason"] = _("Say why the contract ends.")
    if contract.start_date is not None and on < contract.start_date:
        errors["on"] = _("A contract cannot end before it starts.")
    if errors:
        raise ValidationError(errors)
    given = contract.status == ContractStatus.ACTIVE and on > timezone.localdate()
    term_end = contract.end_date
    if not given:
        contract.status = ContractStatus.TERMINATED
    contract.terminated_on = on
    contract.termination_reason = reason.strip()
    contract.version += 1
    contract.updated_at = timezone.now()
    contract.save(
        update_fields=["status", "terminated_on", "termination_reason", "version", "updated_at"]
    )
    kind = VersionKind.TERMINATING if given else VersionKind.TERMINATED
    _record_version(contract, kind=kind, by=by, note=reason.strip())
    if term_end is not None:
        close_decision(contract, term_end=term_end, decision=RenewalChoice.TERMINATE, by=by)
    emit("contract.terminated", contract, extra={"ends_on": on, "reason": reason.strip()[:500]})
    return contract


@transaction.atomic
def contract_termination_complete(*, contract: Contract, today: date) -> bool:
    """The day a termination given for it has come: the contract is terminated, by the
    system, as a version. False when there is nothing to do (not yet, or done already)."""
    claimed = Contract.objects.filter(
        pk=contract.pk,
        status=ContractStatus.ACTIVE,
        terminated_on__isnull=False,
        terminated_on__lte=today,
    ).update(status=ContractStatus.TERMINATED, version=F("version") + 1, updated_at=timezone.now())
    if not claimed:
        return False
    contract.refresh_from_db()
    _record_version(
        contract, kind=VersionKind.TERMINATED, by=None, note=contract.termination_reason
    )
    return True
