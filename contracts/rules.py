"""Small rules that several parts of contracts share: term arithmetic and what happens once
the notice window closes. Pure functions; they read, never write. (Who may do what:
``contracts.permissions``.)"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

from contracts.choices import ContractStatus, ObligationStatus
from contracts.models import Contract, Obligation
from core.dates import DATE_MAX, DATE_MIN, shift_days


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


@dataclass(frozen=True)
class NoticeWindow:
    """The notice window of an active contract's current term on ``today``: the last day to
    give notice and how many days are left (negative once it has closed); once closed, what
    happens: it renews itself on ``renews_on`` (the day after the term ends), or it lapses
    on ``lapses_on`` (the term's last day)."""

    last_day: date
    days_left: int
    renews_on: date | None
    lapses_on: date | None

    @property
    def is_open(self) -> bool:
        return self.days_left >= 0

    @property
    def is_closed(self) -> bool:
        return self.days_left < 0


def notice_window(contract: Contract, *, today: date) -> NoticeWindow | None:
    """None when there is no window: the contract is not active, open-ended, or terminating
    (a termination was given already)."""
    notice, end = contract.last_notice_date, contract.end_date
    if (
        contract.status != ContractStatus.ACTIVE
        or contract.terminated_on is not None
        or notice is None
        or end is None
    ):
        return None
    days = (notice - today).days
    renews = contract.auto_renew and bool(contract.renewal_term_months)
    closed = days < 0
    return NoticeWindow(
        last_day=notice,
        days_left=days,
        renews_on=shift_days(end, 1) if closed and renews else None,
        lapses_on=end if closed and not renews else None,
    )
