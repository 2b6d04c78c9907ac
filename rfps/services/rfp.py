"""Every write to an RFP on the buying side: create and edit a draft, publish, cancel, close,
negotiation rounds, the deadline scan. Supplier responses are in rfps.services.responses,
evaluation in rfps.services.evaluation, the award in rfps.services.award."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from core.exceptions import DomainError
from core.text import LazyFormat
from notifications.choices import NotificationKind
from notifications.services import notification_create
from rfps.choices import RfpAction, RfpStatus
from rfps.models import Criterion, Invitation, Question, Rfp, RfpLine, Round
from rfps.permissions import may_manage, may_run_rfps, status_allows
from rfps.selectors import rfp_owner_candidate_list, rfp_panel_candidate_list
from rfps.services.invitations import link_email_send, pin_addresses
from suppliers.choices import SupplierStatus
from suppliers.models import Category, Contact, Supplier
from webhooks.events import emit

REMIND_BEFORE = timedelta(days=3)
RFP_FIELDS = ("title", "description", "category", "owner", "currency", "budget", "deadline")


class RfpStateError(DomainError):
    """The RFP is not in a state that allows this."""

    code = "rfp_state"


@dataclass
class LineInput:
    description: str
    quantity: Decimal
    unit: str = "pcs"


@dataclass
class CriterionInput:
    name: str
    weight: int
    is_price: bool = False


@dataclass
class InviteeInput:
    supplier: Supplier
    contact: Contact | None = None


@dataclass
class RfpInput:
    """An RFP as typed in: its fields and its children, replaced whole on each edit."""

    title: str
    owner: User
    currency: str
    deadline: datetime
    description: str = ""
    category: Category | None = None
    budget: Decimal | None = None
    lines: Sequence[LineInput] = field(default_factory=list)
    questions: Sequence[str] = field(default_factory=list)
    criteria: Sequence[CriterionInput] = field(default_factory=list)
    invitees: Sequence[InviteeInput] = field(default_factory=list)
    panel: Sequence[User] = field(default_factory=list)


def utc_text(moment: datetime) -> str:
    """A deadline as the emails give it, in UTC (they say so), whatever the site's zone."""
    return f"{moment.astimezone(UTC):%Y-%m-%d %H:%M}"


def _require_runner(user: User) -> None:
    if not may_run_rfps(user):
        raise PermissionDenied


def _require_manager(user: User, rfp: Rfp) -> None:
    if not may_manage(user, rfp):
        raise PermissionDenied


def _require_status(rfp: Rfp, action: RfpAction, message: str) -> None:
    if not status_allows(rfp, action):
        raise RfpStateError(message)


def _check_people(data: RfpInput, *, by: User) -> None:
    """The owner runs RFPs and the panel are people who evaluate: never an integration
    account, whatever the page or the API offered."""
    errors: dict[str, list[str]] = {}
    if not rfp_owner_candidate_list(user=by).filter(pk=data.owner.pk).exists():
        errors["owner"] = [
            _("%(name)s may not own an RFP: the owner is someone who runs RFPs.")
            % {"name": data.owner.name}
        ]
    panel_ids = {person.pk for person in data.panel}
    allowed = set(
        rfp_panel_candidate_list(user=by).filter(pk__in=panel_ids).values_list("pk", flat=True)
    )
    refused = [person.name for person in data.panel if person.pk not in allowed]
    if refused:
        errors["panel"] = [
            _("Not someone who evaluates RFPs: %(names)s.") % {"names": ", ".join(refused)}
        ]
    if errors:
        raise ValidationError(errors)


def _check_invitees(invitees: Sequence[InviteeInput]) -> None:
    errors: list[str] = []
    seen: set[int] = set()
    for invitee in invitees:
        supplier = invitee.supplier
        if supplier.status == SupplierStatus.OFFBOARDED:
            errors.append(
                _("%(supplier)s is offboarded and may not be invited.")
                % {"supplier": supplier.name}
            )
        elif supplier.excluded_from_rfps:
            errors.append(
                _("%(supplier)s may not be invited to RFPs after a very poor review.")
                % {"supplier": supplier.name}
            )
        if supplier.pk in seen:
            errors.append(_("%(supplier)s is invited twice.") % {"supplier": supplier.name})
        seen.add(supplier.pk)
        if invitee.contact is not None and invitee.contact.supplier_id != supplier.pk:
            errors.append(
                _("%(contact)s does not work for %(supplier)s.")
                % {"contact": invitee.contact.name, "supplier": supplier.name}
            )
    if errors:
        raise ValidationError({"invitees": errors})


def _check_criteria(criteria: Sequence[CriterionInput], *, complete: bool) -> None:
    if sum(1 for c in criteria if c.is_price) > 1:
        raise ValidationError({"criteria": _("Only one criterion may be the price.")})
    total = sum(c.weight for c in criteria)
    if complete and total != 100:
        raise ValidationError(
            {
                "criteria": _("The weights add up to %(total)s; they must add up to 100.")
                % {"total": total}
            }
        )


def _write_children(rfp: Rfp, data: RfpInput) -> None:
    rfp.lines.all().delete()
    rfp.questions.all().delete()
    rfp.criteria.all().delete()
    for position, line in enumerate(data.lines):
        item = RfpLine(
            rfp=rfp,
            position=position,
            description=line.description,
            quantity=line.quantity,
            unit=line.unit or "pcs",
        )
        item.full_clean(exclude=["rfp"])
        item.save()
    for position, text in enumerate(data.questions):
        question = Question(rfp=rfp, position=position, text=text)
        question.full_clean(exclude=["rfp"])
        question.save()
    for position, criterion in enumerate(data.criteria):
        row = Criterion(
            rfp=rfp,
            position=position,
            name=criterion.name,
            weight=criterion.weight,
            is_price=criterion.is_price,
        )
        row.full_clean(exclude=["rfp"], validate_constraints=False)
        row.save()
    keep = {invitee.supplier.pk for invitee in data.invitees}
    rfp.invitations.exclude(supplier_id__in=keep).delete()
    for invitee in data.invitees:
        Invitation.objects.update_or_create(
            rfp=rfp, supplier=invitee.supplier, defaults={"contact": invitee.contact}
        )
    rfp.panel.set(data.panel)


def _apply(rfp: Rfp, data: RfpInput, *, by: User) -> None:
    for name in RFP_FIELDS:
        setattr(rfp, name, getattr(data, name))
    rfp.full_clean(exclude=["reference"])
    _check_people(data, by=by)
    _check_criteria(data.criteria, complete=False)
    _check_invitees(data.invitees)


@transaction.atomic
def rfp_create(*, by: User, data: RfpInput) -> Rfp:
    """A draft RFP with its lines, questions, criteria, invitees and panel."""
    _require_runner(by)
    rfp = Rfp(reference="pending")
    _apply(rfp, data, by=by)
    rfp.save()
    # The reference is the year and the row's id: unique without a counter to lock.
    rfp.reference = f"RFP-{rfp.created_at:%Y}-{rfp.pk:05d}"
    rfp.save(update_fields=["reference"])
    _write_children(rfp, data)
    return rfp


@transaction.atomic
def rfp_update(*, rfp: Rfp, by: User, data: RfpInput) -> Rfp:
    """Replaces a draft's fields and children; a published RFP no longer changes."""
    _require_manager(by, rfp)
    rfp = Rfp.objects.select_for_update().get(pk=rfp.pk)
    _require_status(rfp, RfpAction.EDIT, _("Only a draft RFP can be edited."))
    _apply(rfp, data, by=by)
    rfp.updated_at = timezone.now()
    rfp.save()
    _write_children(rfp, data)
    return rfp


def _check_publishable(rfp: Rfp, now: datetime) -> None:
    errors: dict[str, list[str]] = {}
    if rfp.deadline <= now:
        errors["deadline"] = [_("The deadline must be in the future.")]
    if not rfp.lines.exists():
        errors["lines"] = [_("Add at least one line item for suppliers to price.")]
    criteria = list(rfp.criteria.all())
    try:
        _check_criteria(
            [CriterionInput(c.name, c.weight, c.is_price) for c in criteria], complete=True
        )
    except ValidationError as error:
        errors.update(error.message_dict)
    invitations = list(rfp.invitations.select_related("supplier"))
    if not invitations:
        errors["invitees"] = [_("Invite at least one supplier.")]
    excluded = [i.supplier.name for i in invitations if i.supplier.excluded_from_rfps]
    if excluded:
        errors["invitees"] = [
            _("Not to be invited after a very poor review: %(names)s.")
            % {"names": ", ".join(excluded)}
        ]
    offboarded = [
        i.supplier.name for i in invitations if i.supplier.status == SupplierStatus.OFFBOARDED
    ]
    if offboarded:
        errors.setdefault("invitees", []).append(
            _("Offboarded, so not to be invited: %(names)s.") % {"names": ", ".join(offboarded)}
        )
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def rfp_publish(*, rfp: Rfp, by: User) -> Rfp:
    """Opens the first round and sends each invitee's contact their link."""
    _require_manager(by, rfp)
    rfp = Rfp.objects.select_for_update().get(pk=rfp.pk)
    _require_status(rfp, RfpAction.PUBLISH, _("Only a draft RFP can be published."))
    now = timezone.now()
    _check_publishable(rfp, now)
    Round.objects.create(rfp=rfp, number=1, deadline=rfp.deadline, opened_by=by, opened_at=now)
    rfp.status = RfpStatus.PUBLISHED
    rfp.published_at = rfp.updated_at = now
    rfp.save(update_fields=["status", "published_at", "updated_at"])
    invitations = list(rfp.invitations.select_related("supplier", "contact", "rfp"))
    pin_addresses(invitations)
    rfp.invitations.update(invited_at=now)
    for invitation in invitations:
        invitation.invited_at = now
        _send_invitation(invitation, occasion="round-1", deadline=rfp.deadline)
    emit("rfp.published", rfp, extra={"invited_supplier_ids": [i.supplier_id for i in invitations]})
    return rfp


def _send_invitation(invitation: Invitation, *, occasion: str, deadline: datetime) -> None:
    # Without an address the buyer enters this supplier's proposal on its behalf.
    rfp = invitation.rfp
    link_email_send(
        invitation=invitation,
        kind=NotificationKind.RFP_INVITATION,
        occasion=occasion,
        title=LazyFormat(gettext_lazy("Invitation to respond: %(title)s"), title=rfp.title),
        body=LazyFormat(
            gettext_lazy("%(reference)s. Respond through the link by %(deadline)s (UTC)."),
            reference=rfp.reference,
            deadline=utc_text(deadline),
        ),
    )


@transaction.atomic
def rfp_cancel(*, rfp: Rfp, by: User, reason: str = "") -> Rfp:
    _require_manager(by, rfp)
    rfp = Rfp.objects.select_for_update().get(pk=rfp.pk)
    _require_status(rfp, RfpAction.CANCEL, _("An awarded or cancelled RFP cannot be cancelled."))
    now = timezone.now()
    was_published = rfp.published_at is not None
    rfp.status = RfpStatus.CANCELLED
    rfp.cancelled_at = rfp.updated_at = now
    rfp.save(update_fields=["status", "cancelled_at", "updated_at"])
    if was_published:
        from rfps.services.award import tell_outcome

        tell_outcome(rfp, winner=None, note=reason)
    return rfp


def open_round(rfp: Rfp) -> Round | None:
    return rfp.rounds.filter(closed_at__isnull=True).order_by("-number").first()


def _close_round(round_: Round, now: datetime) -> bool:
    """Closes a round whose deadline passed; returns whether this call did it."""
    if Round.objects.filter(pk=round_.pk, closed_at__isnull=True).update(closed_at=now) != 1:
        return False
    rfp = round_.rfp
    changed = Rfp.objects.filter(pk=rfp.pk, status=RfpStatus.PUBLISHED).update(
        status=RfpStatus.CLOSED, closed_at=now, updated_at=now
    )
    if changed:
        recipients = {rfp.owner, *rfp.panel.filter(is_active=True)}
        for person in recipients:
            notification_create(
                recipient=person,
                kind=NotificationKind.RFP_CLOSED,
                subject=rfp,
                occasion=f"round-{round_.number}",
                title=LazyFormat(
                    gettext_lazy("Deadline passed: %(reference)s, proposals are open"),
                    reference=rfp.reference,
                ),
                body=rfp.title,
                url=rfp.get_absolute_url(),
            )
    return True


@transaction.atomic
def rfp_close(*, rfp: Rfp, by: User) -> Rfp:
    """Closes the open round now that its deadline has passed. Never before: server time
    decides, so no one can open the proposals early by closing."""
    _require_manager(by, rfp)
    round_ = open_round(rfp)
    now = timezone.now()
    if not status_allows(rfp, RfpAction.CLOSE) or round_ is None:
        raise RfpStateError(_("Only a published RFP can be closed."))
    if now < round_.deadline:
        raise RfpStateError(_("The deadline has not passed: proposals stay sealed until then."))
    _close_round(round_, now)
    rfp.refresh_from_db()
    return rfp


@transaction.atomic
def round_open(
    *, rfp: Rfp, by: User, shortlist: Sequence[Invitation], deadline: datetime, note: str = ""
) -> Round:
    """A negotiation round: the shortlisted suppliers may revise their offers until the new
    deadline, and those revisions are sealed until it."""
    _require_manager(by, rfp)
    rfp = Rfp.objects.select_for_update().get(pk=rfp.pk)
    _require_status(
        rfp, RfpAction.NEW_ROUND, _("A negotiation round opens only after the deadline has passed.")
    )
    now = timezone.now()
    errors: dict[str, list[str]] = {}
    if deadline <= now:
        errors["deadline"] = [_("The deadline must be in the future.")]
    responded = set(
        rfp.proposals.filter(submitted_at__isnull=False).values_list("invitation_id", flat=True)
    )
    if not shortlist:
        errors["shortlist"] = [_("Choose at least one supplier.")]
    elif any(i.rfp_id != rfp.pk or i.pk not in responded for i in shortlist):
        errors["shortlist"] = [_("Only suppliers that submitted a proposal can be shortlisted.")]
    elif any(i.supplier.excluded_from_rfps for i in shortlist):
        errors["shortlist"] = [
            _("A supplier not to be invited after a very poor review cannot be shortlisted.")
        ]
    if errors:
        raise ValidationError(errors)
    number = (rfp.rounds.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    round_ = Round.objects.create(
        rfp=rfp, number=number, deadline=deadline, opened_by=by, opened_at=now, note=note.strip()
    )
    round_.shortlist.set(shortlist)
    rfp.status = RfpStatus.PUBLISHED
    rfp.updated_at = now
    rfp.save(update_fields=["status", "updated_at"])
    for invitation in Invitation.objects.filter(pk__in=[i.pk for i in shortlist]).select_related(
        "rfp", "contact", "supplier"
    ):
        _send_invitation(invitation, occasion=f"round-{number}", deadline=deadline)
    return round_


# --- The scan --------------------------------------------------------------------------------


def _due_rounds(now: datetime) -> list[Round]:
    return list(
        Round.objects.filter(closed_at__isnull=True, deadline__lte=now)
        .select_related("rfp__owner")
        .select_for_update(skip_locked=True, of=("self",))
        .order_by("deadline", "id")[:200]
    )


def _rounds_to_remind(now: datetime) -> list[Round]:
    return list(
        Round.objects.filter(
            closed_at__isnull=True,
            reminded_at__isnull=True,
            deadline__gt=now,
            deadline__lte=now + REMIND_BEFORE,
            rfp__status=RfpStatus.PUBLISHED,
        )
        .select_related("rfp")
        .select_for_update(skip_locked=True, of=("self",))
        .order_by("deadline", "id")[:200]
    )


def _remind(round_: Round, now: datetime) -> int:
    invitations = Invitation.objects.filter(rfp=round_.rfp, declined_at__isnull=True).exclude(
        email=""
    )
    if round_.number > 1:
        invitations = invitations.filter(rounds=round_)
    invitations = invitations.exclude(
        proposals__round=round_, proposals__submitted_at__isnull=False
    )
    sent = 0
    for invitation in invitations.select_related("contact", "rfp", "supplier"):
        created = link_email_send(
            invitation=invitation,
            kind=NotificationKind.RFP_REMINDER,
            occasion=f"round-{round_.number}",
            title=LazyFormat(
                gettext_lazy("Reminder: your proposal for %(title)s is due %(deadline)s (UTC)"),
                title=round_.rfp.title,
                deadline=utc_text(round_.deadline),
            ),
        )
        sent += created is not None
    Round.objects.filter(pk=round_.pk).update(reminded_at=now)
    return sent


@transaction.atomic
def rfp_deadline_scan(*, now: datetime | None = None) -> dict[str, int]:
    """Closes rounds whose deadline passed (and their RFPs), and reminds invitees who have not
    responded three days before a deadline. Safe to run twice, or twice at once."""
    now = now or timezone.now()
    closed = sum(_close_round(round_, now) for round_ in _due_rounds(now))
    reminded = sum(_remind(round_, now) for round_ in _rounds_to_remind(now))
    return {"closed": closed, "reminded": reminded}
