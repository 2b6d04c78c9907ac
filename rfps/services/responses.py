"""Every write on the supplier's side: the draft, attachments, submitting (a receipt for every
version), declining, and clarification questions with their answers to all invitees. A buyer
entering a proposal received by email goes through the same functions, recorded as such.

Server time decides: after the deadline of the invitation's round nothing is accepted.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from core.exceptions import DomainError
from core.text import LazyFormat
from core.uploads import check_upload
from notifications.choices import NotificationKind
from notifications.services import notification_create
from rfps.choices import RfpAction, RfpStatus
from rfps.links import current_round
from rfps.models import Clarification, Invitation, Proposal, ProposalAttachment, ProposalRevision
from rfps.permissions import may_act_for_supplier, may_answer, status_allows
from rfps.scoring import line_amount
from rfps.services.invitations import link_email_send
from rfps.services.rfp import RfpStateError

MAX_ANSWER = 10_000
# What a supplier types: a unit price per line and an answer per question, keyed by the line's
# and the question's id as text.
LinePrices = Mapping[str, Decimal | str | None]
Answers = Mapping[str, str]
MAX_PRICE = Decimal("999999999999.9999")


class SubmissionClosedError(DomainError):
    """The deadline has passed (or the RFP is not open to this supplier)."""

    code = "submission_closed"


class RespondedThroughLinkError(DomainError):
    """The supplier responds through its own link: no buyer enters a proposal for it."""

    code = "responded_through_link"
    status_code = 409


def _lock_invitation(invitation: Invitation) -> Invitation:
    """Locks the invitation's row: a supplier's write through the link and a buyer's entry
    on its behalf take this lock first, so one waits for the other and sees what it did."""
    return Invitation.objects.select_for_update(of=("self",)).get(pk=invitation.pk)


def _link_used(invitation: Invitation, now: datetime) -> None:
    _lock_invitation(invitation)
    Invitation.objects.filter(pk=invitation.pk, link_used_at__isnull=True).update(link_used_at=now)


def _open_proposal(invitation: Invitation, now: datetime) -> Proposal:
    """The proposal of the invitation's current round, created on first use; refuses when the
    round is not open to it. Locks the proposal row, so two submits queue up."""
    rfp = invitation.rfp
    round_ = current_round(invitation)
    if rfp.status != RfpStatus.PUBLISHED or round_ is None or round_.closed_at is not None:
        raise SubmissionClosedError(_("This RFP is not open for responses."))
    if now >= round_.deadline:
        raise SubmissionClosedError(_("The deadline has passed: nothing more can be submitted."))
    if invitation.declined_at is not None:
        raise SubmissionClosedError(_("You declined this RFP."))
    proposal, created = Proposal.objects.get_or_create(
        invitation=invitation, round=round_, defaults={"rfp": rfp}
    )
    if created and round_.number > 1:
        _carry_over(proposal)
    return Proposal.objects.select_for_update().get(pk=proposal.pk)


def _carry_over(proposal: Proposal) -> None:
    """A negotiation round starts from the supplier's last submitted offer."""
    previous = (
        ProposalRevision.objects.filter(proposal__invitation=proposal.invitation)
        .exclude(proposal=proposal)
        .order_by("-proposal__round__number", "-number")
        .first()
    )
    if previous is None:
        return
    content = previous.content
    proposal.draft = {
        "lines": {str(line["line"]): line["unit_price"] for line in content["lines"]},
        "answers": {str(a["question"]): a["text"] for a in content["answers"]},
    }
    proposal.save(update_fields=["draft"])
    # Its files too: new rows on this round's proposal sharing the stored file, so that the
    # revised offer still carries them and the earlier version keeps its own.
    named = {(item["id"], item["sha256"]) for item in content["attachments"]}
    for attachment in ProposalAttachment.objects.filter(proposal_id=previous.proposal_id):
        if (attachment.pk, attachment.sha256) in named:
            ProposalAttachment.objects.create(
                proposal=proposal,
                file=attachment.file.name,
                name=attachment.name,
                mime=attachment.mime,
                size=attachment.size,
                sha256=attachment.sha256,
            )


def _clean_prices(invitation: Invitation, prices: LinePrices) -> dict[str, str]:
    line_ids = {str(pk) for pk in invitation.rfp.lines.values_list("pk", flat=True)}
    cleaned: dict[str, str] = {}
    errors: list[str] = []
    for key, raw in prices.items():
        if str(key) not in line_ids:
            errors.append(_("Line %(line)s is not part of this RFP.") % {"line": key})
            continue
        if raw in (None, ""):
            continue
        try:
            price = Decimal(str(raw).strip().replace(",", "."))
        except InvalidOperation:
            errors.append(_("“%(value)s” is not a price.") % {"value": str(raw)[:30]})
            continue
        if not price.is_finite() or price < 0 or price > MAX_PRICE:
            errors.append(_("“%(value)s” is not a price.") % {"value": str(raw)[:30]})
            continue
        # Fixed-point text ("50", "12.5"), never "5E+1": it is what the receipt hashes.
        cleaned[str(key)] = format(price.quantize(Decimal("0.0001")).normalize(), "f")
    if errors:
        raise ValidationError({"prices": errors})
    return cleaned


def _clean_answers(invitation: Invitation, answers: Answers) -> dict[str, str]:
    question_ids = {str(pk) for pk in invitation.rfp.questions.values_list("pk", flat=True)}
    cleaned: dict[str, str] = {}
    for key, text in answers.items():
        if str(key) not in question_ids:
            raise ValidationError(
                {"answers": _("Question %(id)s is not part of this RFP.") % {"id": key}}
            )
        text = str(text or "").strip()
        if len(text) > MAX_ANSWER:
            raise ValidationError(
                {"answers": _("An answer may be at most %(max)s characters.") % {"max": MAX_ANSWER}}
            )
        if text:
            cleaned[str(key)] = text
    return cleaned


@transaction.atomic
def proposal_save_draft(
    *,
    invitation: Invitation,
    prices: LinePrices,
    answers: Answers,
    now: datetime | None = None,
) -> Proposal:
    """Saves what the supplier has typed so far through its link; nothing is submitted."""
    now = now or timezone.now()
    _link_used(invitation, now)
    return _save_draft(invitation, prices, answers, now)


def _save_draft(
    invitation: Invitation, prices: LinePrices, answers: Answers, now: datetime
) -> Proposal:
    proposal = _open_proposal(invitation, now)
    proposal.draft = {
        "lines": _clean_prices(invitation, prices),
        "answers": _clean_answers(invitation, answers),
    }
    proposal.draft_saved_at = now
    proposal.save(update_fields=["draft", "draft_saved_at"])
    return proposal


def _sha256_file(upload: UploadedFile) -> str:
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


@transaction.atomic
def attachment_add(*, invitation: Invitation, upload: UploadedFile) -> ProposalAttachment:
    """Attaches a file to the draft; its type is read from its content, its size capped."""
    _link_used(invitation, timezone.now())
    return _attach(invitation, upload)


def _attach(invitation: Invitation, upload: UploadedFile) -> ProposalAttachment:
    proposal = _open_proposal(invitation, timezone.now())
    try:
        checked = check_upload(upload, max_bytes=settings.RFP_ATTACHMENT_MAX_BYTES)
    except ValidationError as error:
        raise ValidationError({"file": error.messages}) from None
    if proposal.attachments.filter(in_draft=True).count() >= settings.RFP_ATTACHMENTS_MAX:
        raise ValidationError(
            {"file": _("At most %(max)s files.") % {"max": settings.RFP_ATTACHMENTS_MAX}}
        )
    name = (upload.name or "file").rsplit("/", 1)[-1][:200]
    attachment = ProposalAttachment(
        proposal=proposal,
        name=name,
        mime=checked.mime,
        size=checked.size,
        sha256=_sha256_file(upload),
    )
    attachment.file.save(name, upload, save=False)
    attachment.save()
    return attachment


@transaction.atomic
def attachment_remove(*, invitation: Invitation, attachment_id: int) -> None:
    """Takes a file out of the draft. A file a submitted version names is kept for that
    version; one never submitted is deleted."""
    _link_used(invitation, timezone.now())
    proposal = _open_proposal(invitation, timezone.now())
    attachment = proposal.attachments.filter(pk=attachment_id, in_draft=True).first()
    if attachment is None:
        raise ValidationError({"file": _("No such file in your draft.")})
    named = any(
        attachment.sha256 == item["sha256"] and attachment.pk == item["id"]
        for revision in proposal.revisions.all()
        for item in revision.content["attachments"]
    )
    if named:
        attachment.in_draft = False
        attachment.save(update_fields=["in_draft"])
        return
    # A file carried over from an earlier round shares its stored file with that round's row.
    shared = ProposalAttachment.objects.filter(file=attachment.file.name).exclude(pk=attachment.pk)
    if not shared.exists():
        attachment.file.delete(save=False)
    attachment.delete()


def canonical(content: Mapping[str, Any]) -> bytes:
    """The bytes the receipt hashes: sorted keys, no spaces, UTF-8; decimals as strings."""
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def receipt(content: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical(content)).hexdigest()


def _content(proposal: Proposal, now: datetime, number: int) -> tuple[dict[str, Any], Decimal]:
    invitation = proposal.invitation
    rfp = invitation.rfp
    prices = proposal.draft.get("lines", {})
    answers = proposal.draft.get("answers", {})
    missing_lines = [line.description for line in rfp.lines.all() if str(line.pk) not in prices]
    missing_answers = [q.text for q in rfp.questions.all() if str(q.pk) not in answers]
    errors: dict[str, list[str]] = {}
    if missing_lines:
        errors["prices"] = [_("Price every line: %(lines)s.") % {"lines": "; ".join(missing_lines)}]
    if missing_answers:
        errors["answers"] = [_("Answer every question: %(q)s.") % {"q": "; ".join(missing_answers)}]
    if errors:
        raise ValidationError(errors)
    lines = []
    total = Decimal(0)
    for line in rfp.lines.all():
        unit_price = Decimal(prices[str(line.pk)])
        amount = line_amount(line.quantity, unit_price)
        total += amount
        lines.append(
            {
                "line": line.pk,
                "description": line.description,
                "quantity": str(line.quantity),
                "unit": line.unit,
                "unit_price": str(unit_price),
                "amount": str(amount),
            }
        )
    content = {
        "rfp": rfp.reference,
        "supplier": invitation.supplier.name,
        "round": proposal.round.number,
        "version": number,
        "submitted_at": now.isoformat(),
        "currency": rfp.currency,
        "lines": lines,
        "answers": [{"question": q.pk, "text": answers[str(q.pk)]} for q in rfp.questions.all()],
        "attachments": [
            {"id": a.pk, "name": a.name, "sha256": a.sha256, "size": a.size}
            for a in proposal.attachments.filter(in_draft=True)
        ],
        "total": str(total),
    }
    return content, total


@transaction.atomic
def proposal_submit(
    *, invitation: Invitation, entered_by: User | None = None, now: datetime | None = None
) -> ProposalRevision:
    """Submits the draft as a new version, with its SHA-256 receipt. Refused after the
    deadline, for a supplier not in the round, or with a line unpriced or a question
    unanswered. Without ``entered_by`` it is the supplier's, through its link."""
    now = now or timezone.now()
    if entered_by is None:
        _link_used(invitation, now)
    return _submit(invitation, entered_by, now)


def _submit(invitation: Invitation, entered_by: User | None, now: datetime) -> ProposalRevision:
    proposal = _open_proposal(invitation, now)
    number = (
        proposal.revisions.order_by("-number").values_list("number", flat=True).first() or 0
    ) + 1
    content, total = _content(proposal, now, number)
    revision = ProposalRevision.objects.create(
        proposal=proposal,
        number=number,
        content=content,
        total=total,
        sha256=receipt(content),
        submitted_at=now,
        entered_by=entered_by,
    )
    proposal.submitted_at = now
    proposal.save(update_fields=["submitted_at"])
    return revision


def _require_buyer(by: User, invitation: Invitation) -> None:
    if not may_act_for_supplier(by, invitation):
        raise PermissionDenied


@transaction.atomic
def proposal_enter_on_behalf(
    *,
    invitation: Invitation,
    by: User,
    prices: LinePrices,
    answers: Answers,
    uploads: Sequence[UploadedFile] = (),
) -> ProposalRevision:
    """A proposal the supplier sent by email, with its files, entered by a buyer before the
    deadline; the revision records who entered it, and the supplier is told at the pinned
    address. Refused once the supplier has responded through its link (a draft, a file, a
    version): its own proposal is never overwritten. The invitation's row lock makes a
    supplier's draft saved meanwhile win."""
    _require_buyer(by, invitation)
    locked = _lock_invitation(invitation)
    if locked.link_used_at is not None:
        raise RespondedThroughLinkError(
            _(
                "%(supplier)s responds through its own link: its proposal is its own, and no "
                "one enters one on its behalf."
            )
            % {"supplier": invitation.supplier.name}
        )
    now = timezone.now()
    _save_draft(invitation, prices, answers, now)
    for upload in uploads:
        _attach(invitation, upload)
    revision = _submit(invitation, by, now)
    rfp = invitation.rfp
    link_email_send(
        invitation=invitation,
        kind=NotificationKind.RFP_PROPOSAL_ENTERED,
        subject=revision,
        occasion=f"invitation-{invitation.pk}",
        title=LazyFormat(
            gettext_lazy("A proposal was entered on your behalf: %(title)s"), title=rfp.title
        ),
        body=LazyFormat(
            # No price here: the outbox is read by administrators before the deadline.
            gettext_lazy(
                "%(reference)s: version %(number)s, entered by our procurement team from the "
                "proposal your company sent us. Receipt (SHA-256): %(sha)s"
            ),
            reference=rfp.reference,
            number=revision.number,
            sha=revision.sha256,
        ),
    )
    return revision


@transaction.atomic
def invitation_view(*, invitation: Invitation) -> None:
    Invitation.objects.filter(pk=invitation.pk, viewed_at__isnull=True).update(
        viewed_at=timezone.now()
    )


@transaction.atomic
def invitation_decline(*, invitation: Invitation, reason: str) -> Invitation:
    if not reason.strip():
        raise ValidationError({"reason": _("Say why you decline.")})
    _open_proposal(invitation, timezone.now())  # refuses after the deadline
    invitation.declined_at = timezone.now()
    invitation.decline_reason = reason.strip()[:2000]
    invitation.save(update_fields=["declined_at", "decline_reason"])
    return invitation


@transaction.atomic
def clarification_ask(*, invitation: Invitation, question: str) -> Clarification:
    """A supplier's question; the RFP's owner is told. Who asked is never shown to others."""
    question = question.strip()
    if not question:
        raise ValidationError({"question": _("Type your question.")})
    if len(question) > 2000:
        raise ValidationError({"question": _("A question may be at most 2000 characters.")})
    _open_proposal(invitation, timezone.now())
    rfp = invitation.rfp
    clarification = Clarification.objects.create(rfp=rfp, asked_by=invitation, question=question)
    notification_create(
        recipient=rfp.owner,
        kind=NotificationKind.RFP_QUESTION,
        subject=clarification,
        occasion="asked",
        title=LazyFormat(
            gettext_lazy("A supplier asked about %(reference)s"), reference=rfp.reference
        ),
        body=question,
        url=rfp.get_absolute_url() + "#clarifications",
    )
    return clarification


@transaction.atomic
def clarification_answer(*, clarification: Clarification, by: User, answer: str) -> Clarification:
    """Answers a question; every invitee still in the RFP receives the question and answer,
    without the asker's name."""
    if not may_answer(by, clarification.rfp):
        raise PermissionDenied
    answer = answer.strip()
    if not answer:
        raise ValidationError({"answer": _("Type the answer.")})
    clarification = (
        Clarification.objects.select_for_update(of=("self",))
        .select_related("rfp")
        .get(pk=clarification.pk)
    )
    if not status_allows(clarification.rfp, RfpAction.ANSWER):
        raise RfpStateError(_("The RFP is over: its questions are no longer answered."))
    clarification.answer = answer[:5000]
    clarification.answered_at = timezone.now()
    clarification.answered_by = by
    clarification.save(update_fields=["answer", "answered_at", "answered_by"])
    rfp = clarification.rfp
    invitations = (
        rfp.invitations.filter(declined_at__isnull=True, invited_at__isnull=False)
        .exclude(email="")
        .select_related("contact", "rfp", "supplier")
    )
    for invitation in invitations:
        link_email_send(
            invitation=invitation,
            kind=NotificationKind.RFP_ANSWER,
            subject=clarification,
            occasion=f"invitation-{invitation.pk}",
            title=LazyFormat(
                gettext_lazy("A question about %(title)s was answered"), title=rfp.title
            ),
            body=LazyFormat(
                gettext_lazy("Question: %(q)s\n\nAnswer: %(a)s"),
                q=clarification.question,
                a=clarification.answer,
            ),
        )
    return clarification
