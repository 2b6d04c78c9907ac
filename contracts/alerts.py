"""The contract scans, one place for all of them: ``contract_scan`` (run by beat through
``contract_scan_task``) runs each, and each is safe to run as often as one likes.

- ``contract_notice_scan``: notice alerts and renewal escalations;
- ``obligation_reminder_scan``: obligations coming due and overdue;
- ``contract_renewal_scan``: contracts that renew themselves;
- ``contract_termination_scan``: terminations given for a later day that take effect.

What they do:

- The owner of each active contract is alerted 120, 90, 60 and 30 days before its last day
  to give notice: the latest of those marks reached, once each (the notification's occasion
  holds the mark and the notice date, so a renewed term is alerted afresh). A contract first
  seen at 50 days gets the 60-day alert only, not three at once. Once the term's decision is
  recorded the alerts stop: they would be noise. Past the last notice day with no decision,
  the owner is told once that the window has closed and what happens now: the contract renews
  itself on the day after its term ends, or lapses on its last day.
- 14 days before that day with no decision recorded, an escalation (CONTRACT_RENEWAL) is
  raised, once per term (a conditional update on the term's RenewalDecision row).
- The owner is reminded of every open obligation due within OBLIGATION_REMINDER_DAYS, once
  per due date; and told once when one is still open the day after it was due (looked for up
  to OBLIGATION_REMINDER_DAYS after, so a missed scan day loses nothing).
- Alerts and reminders go to someone who can act: the contract's owner, or, when the owner has
  left (is inactive), whoever answers for the supplier at the first level of the escalation
  ladder: its active key-account owner, else the head of procurement.
- An active contract that renews itself and whose term has ended is renewed (by the system,
  as a new version), as the contract says happens when nobody gives notice; unless the term's
  decision is to terminate, which someone must then carry out, or a termination was given.
- An active contract whose termination was given for a later day is terminated on that day
  (a conditional update: once, however often the scan runs), as a version by the system.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from contracts.choices import ContractStatus, ObligationStatus, RenewalChoice, RenewalStage
from contracts.models import Contract, Obligation, RenewalDecision
from contracts.rules import NoticeWindow, notice_window
from contracts.services import contract_renew, contract_termination_complete
from core.dates import DATE_MIN
from core.text import LazyFormat
from escalations.choices import EscalationReason, Level, Severity
from escalations.messages import contract_notice_closed_summary, contract_renewal_summary
from escalations.services import escalation_raise, level_recipient
from notifications.choices import NotificationKind
from notifications.services import notification_create
from webhooks.events import emit

NOTICE_MARKS = (120, 90, 60, 30)
# The webhook event contract.notice_date_near: once per contract and notice date, this close.
WEBHOOK_NOTICE_DAYS = 30
ESCALATE_DAYS = 14
BATCH = 500


def _decided(contract_ref: str = "pk") -> Exists:
    return Exists(
        RenewalDecision.objects.filter(
            contract=OuterRef(contract_ref),
            term_end=OuterRef("end_date"),
            stage__in=[RenewalStage.DECIDED, RenewalStage.DONE],
        )
    )


def contracts_near_notice(*, today: date, after_id: int = 0) -> list[Contract]:
    """A batch of active contracts whose notice day is at most 120 days away and whose term
    has not ended, with no decision recorded; locked, rows another scan holds skipped."""
    return list(
        Contract.objects.with_notice_date()
        .filter(  # type: ignore[misc]
            status=ContractStatus.ACTIVE,
            end_date__gte=today,
            last_notice_date__lte=today + timedelta(days=NOTICE_MARKS[0]),
            pk__gt=after_id,
        )
        .exclude(_decided())
        .select_related("supplier", "owner")
        .select_for_update(skip_locked=True, of=("self",))
        .order_by("pk")[:BATCH]
    )


def contract_scan(*, today: date | None = None) -> int:
    """Every contract scan, in order; returns how many contracts and obligations were acted
    on or looked at."""
    today = today or timezone.localdate()
    return (
        contract_termination_scan(today=today)
        + contract_notice_scan(today=today)
        + obligation_reminder_scan(today=today)
        + contract_renewal_scan(today=today)
    )


def contract_termination_scan(*, today: date) -> int:
    """Terminates the active contracts whose termination was given for a day now come."""
    ended = 0
    while True:
        due = list(
            Contract.objects.filter(
                status=ContractStatus.ACTIVE,
                terminated_on__isnull=False,
                terminated_on__lte=today,
            )
            .order_by("pk")
            .values_list("pk", flat=True)[:BATCH]
        )
        done = [contract_termination_complete(contract=Contract(pk=pk), today=today) for pk in due]
        ended += sum(done)
        if len(due) < BATCH or not any(done):
            return ended


def contract_notice_scan(*, today: date) -> int:
    """Notice alerts and renewal escalations; returns how many contracts were looked at.
    Each batch is its own transaction."""
    seen, after_id = 0, 0
    while True:
        with transaction.atomic():
            batch = contracts_near_notice(today=today, after_id=after_id)
            for contract in batch:
                _alert_notice(contract, today=today)
        if not batch:
            break
        seen += len(batch)
        after_id = batch[-1].pk
    return seen


def contract_renewal_scan(*, today: date) -> int:
    """Renews the contracts that renew themselves and whose term ended before today."""
    terminating = RenewalDecision.objects.filter(
        contract=OuterRef("pk"), term_end=OuterRef("end_date"), decision=RenewalChoice.TERMINATE
    )
    due = (
        Contract.objects.filter(
            status=ContractStatus.ACTIVE,
            auto_renew=True,
            renewal_term_months__isnull=False,
            end_date__lt=today,
            # An end date stored before dates were bounded (year 1, say) is a typo for a
            # person to fix, not two thousand terms to renew.
            end_date__gte=DATE_MIN,
            terminated_on__isnull=True,
        )
        .exclude(Exists(terminating))
        .order_by("pk")
    )
    renewed = 0
    for contract_id in list(due.values_list("pk", flat=True)[:BATCH]):
        with transaction.atomic():
            contract = Contract.objects.select_for_update(skip_locked=True).filter(pk=contract_id)
            found = contract.first()
            # Another scan holds it, or renewed it already: its end date moved on.
            while found is not None and found.end_date is not None and found.end_date < today:
                found = contract_renew(
                    contract=found, by=None, note=str(_("Renewed by itself: no notice was given."))
                )
                renewed += 1
    return renewed


def alert_recipient(contract: Contract) -> User | None:
    """The contract's owner while active; else who answers for its supplier at level 1."""
    if contract.owner.is_active:
        return contract.owner
    return level_recipient(supplier=contract.supplier, level=Level.OWNER)


def _closed_outcome(window: NoticeWindow) -> LazyFormat:
    """What happens now that the notice window has closed, as people read it."""
    if window.renews_on is not None:
        return LazyFormat(_("it renews itself on %(day)s"), day=window.renews_on.isoformat())
    lapses = window.lapses_on.isoformat() if window.lapses_on else ""
    return LazyFormat(_("it lapses on %(day)s"), day=lapses)


def _alert_notice(contract: Contract, *, today: date) -> None:
    window = notice_window(contract, today=today)
    if window is None:  # the query asked for an end date; the type does not know
        return
    notice, days = window.last_day, window.days_left
    if window.is_closed:
        _alert_closed(contract, window)
        _escalate(contract, window=window)
        return
    if days <= WEBHOOK_NOTICE_DAYS:
        emit(
            "contract.notice_date_near",
            contract,
            extra={"notice_date": notice, "days_left": days},
            once_key=f"{contract.pk}:{notice.isoformat()}",
        )
    reached = [mark for mark in NOTICE_MARKS if days <= mark]
    recipient = alert_recipient(contract) if reached else None
    if recipient is not None:
        mark = reached[-1]
        notification_create(
            recipient=recipient,
            kind=NotificationKind.CONTRACT_NOTICE,
            subject=contract,
            occasion=f"notice-{mark}:{notice.isoformat()}",
            title=LazyFormat(
                _("%(days)s days left to give notice on %(contract)s (%(supplier)s)"),
                days=days,
                contract=contract.number,
                supplier=contract.supplier.name,
            ),
            body=LazyFormat(
                _("The last day to give notice is %(notice)s; the term ends %(end)s."),
                notice=notice.isoformat(),
                end=contract.end_date.isoformat() if contract.end_date else "",
            ),
            url=contract.get_absolute_url(),
        )
    if days <= ESCALATE_DAYS:
        _escalate(contract, window=window)


def _alert_closed(contract: Contract, window: NoticeWindow) -> None:
    """Once per term: the window closed with no decision, and what happens now."""
    recipient = alert_recipient(contract)
    if recipient is None:
        return
    notification_create(
        recipient=recipient,
        kind=NotificationKind.CONTRACT_NOTICE,
        subject=contract,
        occasion=f"notice-closed:{window.last_day.isoformat()}",
        title=LazyFormat(
            _("The notice window on %(contract)s (%(supplier)s) has closed"),
            contract=contract.number,
            supplier=contract.supplier.name,
        ),
        body=LazyFormat(
            _("The last day to give notice was %(notice)s and no decision is recorded: %(then)s."),
            notice=window.last_day.isoformat(),
            then=_closed_outcome(window),
        ),
        url=contract.get_absolute_url(),
    )


def _escalate(contract: Contract, *, window: NoticeWindow) -> None:
    if contract.end_date is None:
        return
    renewal, _created = RenewalDecision.objects.get_or_create(
        contract=contract, term_end=contract.end_date
    )
    claimed = RenewalDecision.objects.filter(pk=renewal.pk, escalated_at__isnull=True).update(
        escalated_at=timezone.now()
    )
    if not claimed:
        return  # escalated for this term already; one resolved by hand is not raised again
    summary = (
        contract_notice_closed_summary(
            contract=contract.number,
            notice=window.last_day,
            renews_on=window.renews_on,
            lapses_on=window.lapses_on,
        )
        if window.is_closed
        else contract_renewal_summary(contract=contract.number, days=window.days_left)
    )
    escalation_raise(
        supplier=contract.supplier,
        subject=contract,
        reason=EscalationReason.CONTRACT_RENEWAL,
        severity=Severity.HIGH,
        summary=summary,
    )


def obligation_reminder_scan(*, today: date) -> int:
    """Reminders of open obligations coming due, and the notice of those overdue."""
    window = timedelta(days=settings.OBLIGATION_REMINDER_DAYS)
    seen, after_id = 0, 0
    while True:
        with transaction.atomic():
            batch = list(
                Obligation.objects.filter(
                    status=ObligationStatus.OPEN,
                    due_date__gte=today - max(window, timedelta(days=1)),
                    due_date__lte=today + window,
                    contract__status=ContractStatus.ACTIVE,
                    pk__gt=after_id,
                )
                .select_related("contract__owner", "contract__supplier")
                .select_for_update(skip_locked=True, of=("self",))
                .order_by("pk")[:BATCH]
            )
            for obligation in batch:
                _remind(obligation, today=today)
        if not batch:
            return seen
        seen += len(batch)
        after_id = batch[-1].pk


def _remind(obligation: Obligation, *, today: date) -> None:
    contract = obligation.contract
    recipient = alert_recipient(contract)
    if obligation.due_date is None or recipient is None:
        return
    overdue = obligation.due_date < today
    party = _("%(supplier)s owes") if obligation.party == "them" else _("We owe")
    title = (
        _("Overdue (due %(due)s) on %(contract)s: “%(what)s”")
        if overdue
        else _("Due %(due)s on %(contract)s: “%(what)s”")
    )
    notification_create(
        recipient=recipient,
        kind=NotificationKind.OBLIGATION_DUE,
        subject=obligation,
        occasion=f"{'overdue' if overdue else 'due'}:{obligation.due_date.isoformat()}",
        title=LazyFormat(
            title,
            due=obligation.due_date.isoformat(),
            contract=contract.number,
            what=obligation.description,
        ),
        body=LazyFormat(party, supplier=contract.supplier.name),
        url=contract.get_absolute_url(),
    )
