"""What an escalation says, stored as facts and put into words when it is read.

An escalation's summary and a step's note are stored as a message code and JSON parameters
(names, plain numbers, ISO dates), never as a sentence: each reader, page or notification
renders them with the translation active then (the reader's language, a notification's
recipient's). ``MESSAGES`` maps each code to its translatable template and to the formatter
that turns the stored parameters into what the template shows (a date in the reader's format,
a severity's label). Text that has no translation (rows written before codes existed, or text
a caller hands over as it is) is stored under ``LEGACY`` and shown as written.

The apps that raise escalations build their summaries with the functions at the bottom, so a
caller cannot store a code without the parameters its template needs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from contracts.choices import RenewalChoice
from escalations.choices import Severity
from meetings.choices import CommitmentStatus

Params = Mapping[str, str | int]

LEGACY = "legacy"  # text stored as written: {"text": …}
GENERIC = "generic"  # for a reader who may not see the subject: {"supplier": …, "subject": …}
COPY = "copy"  # a step's note when the person was copied from a level below
SEVERITY_CHANGED = "severity_changed"  # a step's note: {"before": "low", "after": "high"}


def _as_is(params: Params) -> dict[str, object]:
    return dict(params)


def _period(params: Params) -> dict[str, object]:
    # ISO dates, as the review's own notifications show its period: one form in every language.
    return {**params, "period": f"{params['period_start']} \u2013 {params['period_end']}"}


def _severities(params: Params) -> dict[str, object]:
    def label(value: object) -> str:
        return str(Severity(value).label) if value in Severity.values else str(value)

    return {"before": label(params.get("before")), "after": label(params.get("after"))}


def _label(choices: Any, key: str) -> Callable[[Params], dict[str, object]]:
    """Shows the stored value of ``key`` as its choice's label in the language active now."""

    def labelled(params: Params) -> dict[str, object]:
        value = params.get(key)
        shown = str(choices(value).label) if value in choices.values else str(value or "")
        return {**params, key: shown}

    return labelled


@dataclass(frozen=True)
class Template:
    text: Promise
    format: Callable[[Params], dict[str, object]] = _as_is


GENERIC_SUMMARIES: dict[str, Promise] = {
    "reviews.review": _("Escalation about a review of %(supplier)s"),
    "meetings.commitment": _("Escalation about a commitment of %(supplier)s"),
    "contracts.contract": _("Escalation about a contract of %(supplier)s"),
    "rfps.rfp": _("Escalation about an RFP of %(supplier)s"),
}
GENERIC_SUMMARY_OTHER = _("Escalation about %(supplier)s")

MESSAGES: dict[str, Template] = {
    "commitment_overdue_ours": Template(_("“%(what)s” for %(supplier)s is %(days)s days overdue")),
    "commitment_overdue_theirs": Template(
        _("“%(what)s”, promised by %(supplier)s, is %(days)s days overdue")
    ),
    "review_poor": Template(
        _("Poor review of %(supplier)s for %(period)s: corrective actions opened"), _period
    ),
    "review_overdue": Template(_("The review of %(supplier)s is %(days)s days overdue")),
    "contract_renewal_unattended": Template(
        _("%(contract)s: %(days)s days to give notice and no renewal decision")
    ),
    # Past the last notice day: no "-5 days to give notice", but what happens now.
    "contract_notice_closed_renews": Template(
        _(
            "%(contract)s: the notice window closed on %(notice)s with no renewal decision; "
            "it renews itself on %(day)s"
        )
    ),
    "contract_notice_closed_lapses": Template(
        _(
            "%(contract)s: the notice window closed on %(notice)s with no renewal decision; "
            "it lapses on %(day)s"
        )
    ),
    SEVERITY_CHANGED: Template(_("%(before)s → %(after)s"), _severities),
    # How the system resolved an escalation whose cause went away (the resolution and the
    # resolving step's note); a person's resolution is their text, kept as typed.
    "commitment_closed": Template(
        _("The commitment was closed (%(status)s) by %(user)s."), _label(CommitmentStatus, "status")
    ),
    "review_submitted": Template(_("The review was submitted.")),
    "review_no_longer_poor": Template(_("A resubmitted review is no longer poor.")),
    "plan_verified_effective": Template(_("The corrective actions were verified as effective.")),
    "renewal_decided": Template(
        _("Decision recorded: %(decision)s."), _label(RenewalChoice, "decision")
    ),
    "contract_renewed_or_terminated": Template(_("The contract was renewed or terminated.")),
}


@dataclass(frozen=True)
class Message:
    """A message as stored: its code and its parameters (JSON values only)."""

    code: str
    params: Params = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.code not in MESSAGES and self.code not in (LEGACY, GENERIC, COPY):
            raise ValueError(f"unknown escalation message code {self.code!r}")

    def __str__(self) -> str:
        """The words, in the language active now."""
        return render(self.code, self.params)

    @classmethod
    def text(cls, text: str) -> Message:
        return cls(LEGACY, {"text": text})


def render(code: str, params: Mapping[str, Any] | None) -> str:
    """A stored message in the language active now. An unknown code (a row from a newer
    release, say) shows its text if it has one, else nothing rather than an error."""
    params = params or {}
    if code == GENERIC:
        template = GENERIC_SUMMARIES.get(str(params.get("subject", "")), GENERIC_SUMMARY_OTHER)
        return str(template) % {"supplier": params.get("supplier", "")}
    known = MESSAGES.get(code)
    if known is None:
        return str(params.get("text", ""))
    try:
        return str(known.text) % known.format(params)
    except (KeyError, TypeError, ValueError):
        return str(params.get("text", ""))


def shown_summary_text(shown: Mapping[str, Any] | None) -> str:
    """The words of what escalations.selectors annotates as ``shown_message`` (for exports,
    which read ``.values()``), in the language active now."""
    shown = shown or {}
    return render(str(shown.get("code", GENERIC)), shown.get("params"))


# --- Summaries, as the apps that raise escalations build them ----------------------------------


def overdue_commitment_summary(*, what: str, supplier: str, days: int, theirs: bool) -> Message:
    code = "commitment_overdue_theirs" if theirs else "commitment_overdue_ours"
    return Message(code, {"what": what, "supplier": supplier, "days": days})


def poor_review_summary(*, supplier: str, period_start: date, period_end: date) -> Message:
    return Message(
        "review_poor",
        {
            "supplier": supplier,
            "period_start": period_start.isoformat(),
            "period_end": period_end.isoformat(),
        },
    )


def overdue_review_summary(*, supplier: str, days: int) -> Message:
    return Message("review_overdue", {"supplier": supplier, "days": days})


def contract_renewal_summary(*, contract: str, days: int) -> Message:
    return Message("contract_renewal_unattended", {"contract": contract, "days": days})


def contract_notice_closed_summary(
    *, contract: str, notice: date, renews_on: date | None, lapses_on: date | None
) -> Message:
    """The notice window closed on ``notice``: the contract renews itself on ``renews_on``,
    or else lapses on ``lapses_on``."""
    day: date | None = renews_on if renews_on is not None else lapses_on
    code = (
        "contract_notice_closed_renews"
        if renews_on is not None
        else "contract_notice_closed_lapses"
    )
    return Message(
        code,
        {"contract": contract, "notice": notice.isoformat(), "day": day.isoformat() if day else ""},
    )


def generic_summary(*, supplier: str, subject: str) -> Message:
    """What a reader who may not see the subject (``subject`` as ``app.model``) is told."""
    return Message(GENERIC, {"supplier": supplier, "subject": subject})


# --- Resolutions, as the apps whose escalation's cause went away record them -------------------


def commitment_closed_resolution(*, status: str, user: str) -> Message:
    """The commitment was closed (``status``, a CommitmentStatus value) by ``user``."""
    return Message("commitment_closed", {"status": status, "user": user})


def review_submitted_resolution() -> Message:
    return Message("review_submitted")


def review_no_longer_poor_resolution() -> Message:
    return Message("review_no_longer_poor")


def plan_verified_resolution() -> Message:
    return Message("plan_verified_effective")


def renewal_decided_resolution(*, decision: str) -> Message:
    """The renewal decision (a RenewalChoice value) was recorded."""
    return Message("renewal_decided", {"decision": decision})


def contract_renewed_or_terminated_resolution() -> Message:
    return Message("contract_renewed_or_terminated")
