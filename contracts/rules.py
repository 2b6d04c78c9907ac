"""Small rules that several parts of contracts share: who may do what, and term arithmetic.
Pure functions; they read, never write."""

from __future__ import annotations

import calendar
from datetime import date

from accounts.models import User
from accounts.roles import Capability, user_can
from contracts.choices import ObligationStatus
from contracts.models import Contract, Obligation
from core.dates import DATE_MAX, DATE_MIN, shift_days


def may_manage_contracts(user: User) -> bool:
    """Create, activate, amend, renew and terminate: procurement managers."""
    return user_can(user, Capability.MANAGE_CONTRACTS)


def may_work_on(*, user: User, contract: Contract) -> bool:
    """Obligations, benefits, documents and the renewal decision: procurement managers and
    the contract's owner."""
    if may_manage_contracts(user):
        return True
    return contract.owner_id == user.pk and user_can(user, Capability.CHANGE_DATA)


def obligation_is_overdue(obligation: Obligation, *, today: date) -> bool:
    """Still open after its due date (``ObligationFilterSet``'s ``overdue`` in SQL)."""
    due = obligation.due_date
    return obligation.status == ObligationStatus.OPEN and due is not None and due < today


def add_months(day: date, months: int) -> date | None:
    """``day`` moved ``months`` on; the 31st becomes the month's last day where it has none.
    None when the result is past the dates the product accepts (``core.dates``)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    if not DATE_MIN.year <= year <= DATE_MAX.year:
        return None
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def next_term_end(end_date: date, months: int) -> date | None:
    """The end of a term of ``months`` starting the day after ``end_date``: a contract ending
    28 February 2027 renewed for a year ends 29 February 2028, one ending 31 January renewed
    for a month ends on the last day of February. None past the dates the product accepts."""
    start = shift_days(end_date, 1)
    end = add_months(start, months) if start is not None else None
    return shift_days(end, -1)
