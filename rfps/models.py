"""RFPs: the request (lines, questions, weighted criteria), the invited suppliers, their sealed
proposals with every submitted revision, the panel's scores, negotiation rounds and the award.

Proposal content is never audited by pghistory on purpose: the audit's event tables are shown
in the admin, which would open sealed prices to administrators before the deadline.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.audit import audited
from core.currencies import validate_currency
from core.feed import CANCELLED, WITHDRAWN, in_feed
from rfps.choices import BaselineKind, RfpStatus
from suppliers.models import Category, Contact, Supplier

MONEY_DIGITS, MONEY_PLACES = 16, 2


def _nonce() -> str:
    return secrets.token_urlsafe(12)


@audited()
@in_feed("rfps", ended=(CANCELLED, "{row}.status = 'cancelled'"))
class Rfp(models.Model):
    """A request for proposals: what we want to buy, from whom, by when, and how we judge."""

    reference = models.CharField(_("reference"), max_length=30, unique=True)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    category = models.ForeignKey(
        Category,
        verbose_name=_("category"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="rfps",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="owned_rfps",
    )
    currency = models.CharField(_("currency"), max_length=3, validators=[validate_currency])
    budget = models.DecimalField(
        _("budget"),
        max_digits=MONEY_DIGITS,
        decimal_places=MONEY_PLACES,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("Optional; the expected saving is measured against it when needed."),
    )
    deadline = models.DateTimeField(
        _("response deadline"), help_text=_("Proposals stay sealed until then.")
    )
    status = models.CharField(
        _("status"), max_length=12, choices=RfpStatus.choices, default=RfpStatus.DRAFT
    )
    panel = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("evaluation panel"),
        blank=True,
        related_name="rfp_panels",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("RFP")
        verbose_name_plural = _("RFPs")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "deadline"], name="rfp_status_deadline_idx"),
            models.Index(fields=["updated_at", "id"], name="rfp_updated_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} · {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("rfps:rfp_detail", args=[self.pk])

    @property
    def is_awarded(self) -> bool:
        return self.status == RfpStatus.AWARDED


class RfpLine(models.Model):
    """A line item suppliers price: what, how many, in which unit."""

    rfp = models.ForeignKey(Rfp, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    description = models.CharField(_("description"), max_length=300)
    quantity = models.DecimalField(
        _("quantity"),
        max_digits=14,
        decimal_places=3,
        validators=[MinValueValidator(Decimal("0.001"))],
    )
    unit = models.CharField(_("unit"), max_length=30, default="pcs")

    class Meta:
        verbose_name = _("line item")
        verbose_name_plural = _("line items")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.description


class Question(models.Model):
    """A question every supplier must answer in its proposal."""

    rfp = models.ForeignKey(Rfp, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    text = models.CharField(_("question"), max_length=500)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.text


class Criterion(models.Model):
    """An evaluation criterion with its weight; the weights of an RFP add up to 100. The price
    criterion is scored from the figures, the others by the panel from 0 to 10."""

    rfp = models.ForeignKey(Rfp, on_delete=models.CASCADE, related_name="criteria")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    name = models.CharField(_("criterion"), max_length=200)
    weight = models.PositiveSmallIntegerField(
        _("weight (%)"), validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    is_price = models.BooleanField(_("price"), default=False)

    class Meta:
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["rfp"],
                condition=Q(is_price=True),
                name="rfps_one_price_criterion",
                violation_error_message=_("Only one criterion may be the price."),
            ),
            models.CheckConstraint(
                condition=Q(weight__gte=1, weight__lte=100), name="rfps_criterion_weight_1_100"
            ),
        ]

    def __str__(self) -> str:
        return self.name


# The nonce stays out of the trail: with the site's key it makes the supplier's link.
@audited(exclude=("link_nonce",))
# Taken off a draft RFP's list: the row is deleted.
@in_feed("rfp-invitations", deleted_as=WITHDRAWN)
class Invitation(models.Model):
    """A supplier invited to respond, through its contact's signed link, sent to the address
    pinned when the RFP was published."""

    rfp = models.ForeignKey(Rfp, on_delete=models.CASCADE, related_name="invitations")
    supplier = models.ForeignKey(
        Supplier, verbose_name=_("supplier"), on_delete=models.PROTECT, related_name="rfp_invites"
    )
    contact = models.ForeignKey(
        Contact,
        verbose_name=_("contact"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Who receives the link; without one, proposals are entered by a buyer."),
    )
    # Part of the signed link: replacing it revokes every link sent before.
    link_nonce = models.CharField(max_length=32, unique=True, default=_nonce, editable=False)
    email = models.EmailField(
        _("link sent to"),
        blank=True,
        help_text=_(
            "Pinned when the RFP is published; when the contact's address changes the "
            "invitation moves there with a new link, and the old address is told."
        ),
    )
    link_used_at = models.DateTimeField(
        _("responded through the link at"),
        null=True,
        blank=True,
        help_text=_("A buyer may enter a proposal received by email only until then."),
    )
    invited_at = models.DateTimeField(_("invited at"), null=True, blank=True)
    viewed_at = models.DateTimeField(_("first viewed at"), null=True, blank=True)
    declined_at = models.DateTimeField(_("declined at"), null=True, blank=True)
    decline_reason = models.TextField(_("reason for declining"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["supplier__name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["rfp", "supplier"],
                name="rfps_one_invitation_per_supplier",
                violation_error_message=_("This supplier is invited already."),
            )
        ]

    def __str__(self) -> str:
        return str(self.supplier)


class Round(models.Model):
    """A response round: the first for every invitee, then negotiation rounds for a shortlist,
    each with its own deadline until which its proposals are sealed."""

    rfp = models.ForeignKey(Rfp, on_delete=models.CASCADE, related_name="rounds")
    number = models.PositiveSmallIntegerField(_("round"))
    deadline = models.DateTimeField(_("deadline"))
    shortlist = models.ManyToManyField(
        Invitation, verbose_name=_("shortlist"), blank=True, related_name="rounds"
    )
    note = models.TextField(_("note to the suppliers"), blank=True)
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    # Set by the scan; a round is sealed until its deadline whatever these say.
    reminded_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("round")
        verbose_name_plural = _("rounds")
        ordering = ["rfp", "number"]
        indexes = [
            models.Index(
                fields=["deadline"], condition=Q(closed_at__isnull=True), name="rfp_round_open_idx"
            )
        ]
        constraints = [
            models.UniqueConstraint(fields=["rfp", "number"], name="rfps_round_number_unique")
        ]

    def __str__(self) -> str:
        return f"{self.rfp.reference} round {self.number}"

    def is_sealed(self, now: datetime | None = None) -> bool:
        return (now or timezone.now()) < self.deadline


class ProposalQuerySet(models.QuerySet["Proposal"]):
    def opened(self, now: datetime) -> ProposalQuerySet:
        """Proposals whose round's deadline has passed: the only ones the buying side reads."""
        return self.filter(round__deadline__lte=now)


class Proposal(models.Model):
    """One supplier's offer in one round: a draft the supplier edits, and the revisions it
    submitted. The buying side reads only submitted revisions, and only after the deadline."""

    rfp = models.ForeignKey(Rfp, on_delete=models.CASCADE, related_name="proposals")
    invitation = models.ForeignKey(Invitation, on_delete=models.CASCADE, related_name="proposals")
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="proposals")
    # {"lines": {"<line id>": "<unit price>"}, "answers": {"<question id>": "text"}}
    draft = models.JSONField(default=dict, blank=True)
    draft_saved_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(_("last submitted at"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ProposalQuerySet.as_manager()

    class Meta:
        verbose_name = _("proposal")
        verbose_name_plural = _("proposals")
        ordering = ["round__number", "invitation__supplier__name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["invitation", "round"], name="rfps_one_proposal_per_round"
            )
        ]

    def __str__(self) -> str:
        return f"{self.invitation} · round {self.round.number}"


class ProposalRevisionQuerySet(models.QuerySet["ProposalRevision"]):
    def opened(self, now: datetime) -> ProposalRevisionQuerySet:
        return self.filter(proposal__round__deadline__lte=now)


class ProposalRevision(models.Model):
    """A submitted version of a proposal, never changed: its content in canonical JSON (line
    prices, answers, attachment hashes) and that content's SHA-256, the supplier's receipt."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveSmallIntegerField(_("version"))
    content = models.JSONField()
    total = models.DecimalField(_("total"), max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES)
    sha256 = models.CharField(_("receipt (SHA-256)"), max_length=64)
    submitted_at = models.DateTimeField(_("submitted at"))
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_(
            "The buyer who entered it on the supplier's behalf; empty when the supplier "
            "submitted it through its link."
        ),
    )

    objects = ProposalRevisionQuerySet.as_manager()

    class Meta:
        verbose_name = _("proposal revision")
        verbose_name_plural = _("proposal revisions")
        ordering = ["proposal", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["proposal", "number"], name="rfps_revision_number_unique"
            )
        ]

    def __str__(self) -> str:
        return f"v{self.number} {self.sha256[:12]}"


class ProposalAttachment(models.Model):
    """A file attached to a proposal. Kept once a submitted revision names it, even if the
    supplier removes it from a later draft."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="rfps/")
    name = models.CharField(_("file name"), max_length=200)
    mime = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    in_draft = models.BooleanField(default=True)
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.name


class Clarification(models.Model):
    """A question a supplier asked; its answer goes to every invitee, without saying who
    asked."""

    rfp = models.ForeignKey(Rfp, on_delete=models.CASCADE, related_name="clarifications")
    asked_by = models.ForeignKey(
        Invitation, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    question = models.TextField(_("question"), max_length=2000)
    asked_at = models.DateTimeField(_("asked at"), default=timezone.now)
    answer = models.TextField(_("answer"), blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        verbose_name = _("clarification")
        verbose_name_plural = _("clarifications")
        ordering = ["asked_at", "id"]

    def __str__(self) -> str:
        return self.question[:80]


@audited()
class Evaluation(models.Model):
    """A panel member's score sheet for an RFP; once submitted, they see the others'."""

    rfp = models.ForeignKey(Rfp, on_delete=models.CASCADE, related_name="evaluations")
    evaluator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="rfp_evaluations"
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("evaluation")
        verbose_name_plural = _("evaluations")
        constraints = [
            models.UniqueConstraint(
                fields=["rfp", "evaluator"], name="rfps_one_evaluation_per_member"
            )
        ]

    def __str__(self) -> str:
        return f"{self.rfp.reference} · {self.evaluator}"


@audited()
@in_feed("rfp-scores")
class Score(models.Model):
    """One panel member's score (0 to 10) for one supplier on one criterion, with a comment."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(Criterion, on_delete=models.CASCADE, related_name="scores")
    invitation = models.ForeignKey(Invitation, on_delete=models.CASCADE, related_name="scores")
    value = models.DecimalField(
        _("score"),
        max_digits=4,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("10"))],
    )
    comment = models.TextField(_("comment"), blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        constraints = [
            models.UniqueConstraint(
                fields=["evaluation", "criterion", "invitation"], name="rfps_one_score_per_cell"
            ),
            models.CheckConstraint(
                condition=Q(value__gte=0, value__lte=10), name="rfps_score_0_to_10"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.criterion}: {self.value}"


@audited()
class Award(models.Model):
    """The decision: the winning proposal, why, by whom, and the expected saving."""

    rfp = models.OneToOneField(Rfp, on_delete=models.CASCADE, related_name="award")
    invitation = models.ForeignKey(Invitation, on_delete=models.PROTECT, related_name="+")
    revision = models.ForeignKey(ProposalRevision, on_delete=models.PROTECT, related_name="+")
    rationale = models.TextField(_("rationale"))
    awarded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    awarded_at = models.DateTimeField(_("awarded at"), default=timezone.now)
    baseline_kind = models.CharField(max_length=20, choices=BaselineKind.choices)
    baseline = models.DecimalField(
        _("baseline"), max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES, null=True, blank=True
    )
    expected_saving = models.DecimalField(
        _("expected saving"),
        max_digits=MONEY_DIGITS,
        decimal_places=MONEY_PLACES,
        null=True,
        blank=True,
    )
    contract = models.OneToOneField(
        "contracts.Contract",
        verbose_name=_("contract"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="rfp_award",
    )

    class Meta:
        verbose_name = _("award")
        verbose_name_plural = _("awards")

    def __str__(self) -> str:
        return f"{self.rfp.reference} → {self.invitation}"
