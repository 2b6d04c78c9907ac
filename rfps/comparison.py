"""The comparison of offers, suppliers side by side: line prices (the best per line marked),
answers, scores per criterion, weighted totals, ranking, and how each offer moved from the
first round. Read through the sealed rule (rfps.selectors.revision_opened) in two queries,
whatever the number of suppliers."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils import timezone

from rfps import scoring
from rfps.models import Invitation, ProposalRevision, Rfp, Score
from rfps.selectors import revision_opened, sees_panel_scores
from suppliers.selectors import AnyUser


@dataclass
class Column:
    """One supplier's offer as the comparison shows it."""

    invitation: Invitation
    latest: ProposalRevision
    history: list[ProposalRevision] = field(default_factory=list)
    prices: dict[int, Decimal] = field(default_factory=dict)  # line id → unit price
    amounts: dict[int, Decimal] = field(default_factory=dict)
    answers: dict[int, str] = field(default_factory=dict)  # question id → text
    attachments: list[dict[str, Any]] = field(default_factory=list)
    scores: dict[int, Decimal | None] = field(default_factory=dict)  # criterion id → 0..10
    weighted: Decimal = Decimal(0)
    rank: int = 0

    @property
    def total(self) -> Decimal:
        return self.latest.total

    @property
    def first_total(self) -> Decimal:
        return self.history[0].total

    @property
    def movement(self) -> Decimal:
        """Latest total minus the first round's final total: negative when it came down."""
        first_round = [r for r in self.history if r.proposal.round.number == 1]
        return self.total - (first_round[-1].total if first_round else self.first_total)


@dataclass
class Comparison:
    rfp: Rfp
    columns: list[Column]
    best_price: dict[int, Decimal]  # line id → lowest unit price
    submitted_evaluations: int

    def weights(self) -> dict[int, int]:
        return {criterion.pk: criterion.weight for criterion in self.rfp.criteria.all()}


def _columns(user: AnyUser, rfp: Rfp) -> list[Column]:
    revisions = (
        revision_opened(user=user, now=timezone.now())
        .filter(proposal__rfp=rfp)
        .select_related("proposal__round", "proposal__invitation__supplier", "entered_by")
        .order_by("proposal__invitation_id", "proposal__round__number", "number")
    )
    columns: dict[int, Column] = {}
    for revision in revisions:
        invitation = revision.proposal.invitation
        column = columns.get(invitation.pk)
        if column is None:
            column = columns[invitation.pk] = Column(invitation=invitation, latest=revision)
        column.history.append(revision)
        column.latest = revision  # ordered by round then version: the last is the latest
    for column in columns.values():
        content = column.latest.content
        column.prices = {line["line"]: Decimal(line["unit_price"]) for line in content["lines"]}
        column.amounts = {line["line"]: Decimal(line["amount"]) for line in content["lines"]}
        column.answers = {a["question"]: a["text"] for a in content["answers"]}
        column.attachments = content["attachments"]
    return sorted(columns.values(), key=lambda c: c.invitation.supplier.name)


def _panel_averages(rfp: Rfp) -> tuple[dict[tuple[int, int], Decimal], int]:
    """Average of the submitted sheets per (criterion, invitation), and how many sheets."""
    values: dict[tuple[int, int], list[Decimal]] = {}
    sheets: set[int] = set()
    rows = Score.objects.filter(
        evaluation__rfp=rfp, evaluation__submitted_at__isnull=False
    ).values_list("criterion_id", "invitation_id", "value", "evaluation_id")
    for criterion_id, invitation_id, value, evaluation_id in rows:
        values.setdefault((criterion_id, invitation_id), []).append(value)
        sheets.add(evaluation_id)
    averages = {key: scoring.average(found) for key, found in values.items()}
    return {key: value for key, value in averages.items() if value is not None}, len(sheets)


def comparison_build(*, user: AnyUser, rfp: Rfp) -> Comparison:
    """``rfp`` comes from rfps.selectors.rfp_get (lines, questions and criteria prefetched)."""
    columns = _columns(user, rfp)
    # A panel member who has not submitted sees no one else's scores, averaged or not.
    averages, sheets = _panel_averages(rfp) if sees_panel_scores(user, rfp) else ({}, 0)
    price_scores = scoring.price_scores({c.invitation.pk: c.total for c in columns})
    criteria = list(rfp.criteria.all())
    weights = {criterion.pk: criterion.weight for criterion in criteria}
    for column in columns:
        for criterion in criteria:
            key = (criterion.pk, column.invitation.pk)
            column.scores[criterion.pk] = (
                price_scores[column.invitation.pk] if criterion.is_price else averages.get(key)
            )
        column.weighted = scoring.weighted_total(weights, column.scores)
    ranks = scoring.ranking({c.invitation.pk: c.weighted for c in columns})
    for column in columns:
        column.rank = ranks[column.invitation.pk]
    best: dict[int, Decimal] = {}
    for line in rfp.lines.all():
        offered = [c.prices[line.pk] for c in columns if line.pk in c.prices]
        if offered:
            best[line.pk] = min(offered)
    return Comparison(rfp=rfp, columns=columns, best_price=best, submitted_evaluations=sheets)
