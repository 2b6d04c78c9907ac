"""Raising, climbing, acknowledging and resolving escalations; every step is recorded."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from core.exceptions import DomainError
from core.text import LazyFormat
from escalations.choices import (
    STATUS_ACTIONS,
    EscalationAction,
    EscalationStatus,
    Level,
    Severity,
    StepKind,
)
from escalations.messages import COPY, SEVERITY_CHANGED, Message
from escalations.models import Escalation, EscalationStep
from escalations.permissions import may_acknowledge, may_resolve
from escalations.selectors import generic_summary, level_recipient, may_see_subject
from notifications.choices import NotificationKind
from notifications.services import notification_create
from suppliers.models import Supplier
from webhooks.events import emit


class EscalationClosedError(DomainError):
    code = "escalation_closed"


def acknowledge_window(severity: str) -> timedelta:
    return timedelta(hours=settings.ESCALATION_ACKNOWLEDGE_HOURS[severity])


def _step(
    escalation: Escalation,
    kind: str,
    *,
    actor: User | None = None,
    recipient: User | None = None,
    note: str = "",
    message: Message | None = None,
) -> None:
    """Records a step; ``note`` is text as a person typed it, ``message`` what the system
    records, as facts rendered in each reader's language."""
    EscalationStep.objects.create(
        escalation=escalation,
        kind=kind,
        level=escalation.level,
        actor=actor,
        recipient=recipient,
        note=note,
        note_code=message.code if message else "",
        note_params=dict(message.params) if message else {},
    )


def _notify_level(escalation: Escalation, *, occasion: str = "") -> None:
    """Notifies the current level's person, copying the people of the levels below. Someone
    who may not see the escalation's subject is told only the generic summary."""
    notified: set[int] = set()
    for level in range(escalation.level, 0, -1):
        recipient = level_recipient(supplier=escalation.supplier, level=level)
        if recipient is None or recipient.pk in notified:
            continue
        notified.add(recipient.pk)
        copy = level != escalation.level
        title = (
            gettext_lazy("Copy: escalation at level %(level)s: %(summary)s")
            if copy
            else gettext_lazy("Escalation for you (level %(level)s): %(summary)s")
        )
        # Facts, not words: notification_create renders them in the recipient's language.
        summary = (
            Message(escalation.summary_code, escalation.summary_params)
            if may_see_subject(user=recipient, escalation=escalation)
            else generic_summary(escalation)
        )
        created = notification_create(
            recipient=recipient,
            kind=NotificationKind.ESCALATION,
            subject=escalation,
            occasion=occasion or f"level-{escalation.level}",
            title=LazyFormat(title, level=escalation.level, summary=summary),
            body=summary,
            url=escalation.get_absolute_url(),
        )
        if created is not None:
            _step(
                escalation,
                StepKind.NOTIFIED,
                recipient=recipient,
                message=Message(COPY) if copy else None,
            )


@transaction.atomic
def escalation_raise(
    *,
    supplier: Supplier,
    subject: Model,
    reason: str,
    severity: str,
    summary: Message | str,
    by: User | None = None,
) -> Escalation:
    """Raises an escalation at level 1, or returns the one already open for the same object
    and reason: there is never a second. ``summary`` is a message of escalations.messages
    (facts, put into words in each reader's language); plain text is kept as written."""
    if isinstance(summary, str):
        summary = Message.text(summary[:300])
    content_type = ContentType.objects.get_for_model(subject)
    existing = Escalation.objects.filter(
        content_type=content_type, object_id=subject.pk, reason=reason
    ).exclude(status=EscalationStatus.RESOLVED)
    found = existing.first()
    if found is not None:
        return found
    escalation = Escalation(
        supplier=supplier,
        content_type=content_type,
        object_id=subject.pk,
        reason=reason,
        severity=severity,
        summary_code=summary.code,
        summary_params=dict(summary.params),
        acknowledge_by=timezone.now() + acknowledge_window(severity),
    )
    escalation.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            escalation.save()
    except IntegrityError:
        return existing.get()  # raised by another worker at the same moment
    _step(escalation, StepKind.RAISED, actor=by)
    _notify_level(escalation)
    emit("escalation.raised", escalation)
    return escalation


def _due_to_climb(*, now: datetime, limit: int = 200) -> list[Escalation]:
    """Open escalations past their acknowledge-by time, locked; rows another worker holds are
    skipped, so two beats at once climb each escalation once."""
    return list(
        Escalation.objects.filter(status=EscalationStatus.OPEN, acknowledge_by__lte=now)
        .select_related("supplier")
        .select_for_update(skip_locked=True, of=("self",))
        .order_by("acknowledge_by", "id")[:limit]
    )


@transaction.atomic
def escalation_climb_scan(*, now: datetime | None = None) -> int:
    """Climbs every escalation not acknowledged in time one level, and notifies the new
    level; at the top it stays, and its people are reminded once more."""
    now = now or timezone.now()
    climbed = 0
    for escalation in _due_to_climb(now=now):
        escalation.acknowledge_by = now + acknowledge_window(escalation.severity)
        escalation.updated_at = now
        if escalation.level < Level.EXECUTIVE:
            escalation.level += 1
            climbed += 1
            escalation.save(update_fields=["level", "acknowledge_by", "updated_at"])
            _step(escalation, StepKind.CLIMBED)
            _notify_level(escalation)
            emit("escalation.climbed", escalation)
        else:
            escalation.save(update_fields=["acknowledge_by", "updated_at"])
            # The occasion makes this reminder the only one, however long it stays open.
            _notify_level(escalation, occasion=f"level-{escalation.level}-reminder")
    return climbed


@transaction.atomic
def escalation_acknowledge(*, escalation: Escalation, by: User, note: str = "") -> Escalation:
    """Someone has it in hand: the climb stops."""
    if not may_acknowledge(by, escalation):
        raise PermissionDenied
    escalation = Escalation.objects.select_for_update().get(pk=escalation.pk)
    if escalation.status == EscalationStatus.ACKNOWLEDGED:
        return escalation
    if EscalationAction.ACKNOWLEDGE not in STATUS_ACTIONS[escalation.status]:
        raise EscalationClosedError(_("This escalation is resolved already."))
    now = timezone.now()
    escalation.status = EscalationStatus.ACKNOWLEDGED
    escalation.acknowledged_at = now
    escalation.updated_at = now
    escalation.save(update_fields=["status", "acknowledged_at", "updated_at"])
    _step(escalation, StepKind.ACKNOWLEDGED, actor=by, note=note.strip())
    return escalation


@transaction.atomic
def escalation_resolve(
    *, escalation: Escalation, by: User | None, note: str | Message
) -> Escalation:
    """Closes the escalation with a note saying how: a person's text, kept as typed, or what
    the system records when the cause went away (``by`` None), a message of
    escalations.messages: facts, put into words in each reader's language."""
    if by is not None and not may_resolve(by, escalation):
        raise PermissionDenied
    message = note if isinstance(note, Message) else None
    typed = "" if isinstance(note, Message) else note.strip()
    if message is None and not typed:
        raise ValidationError({"note": _("Say how it was resolved.")})
    escalation = Escalation.objects.select_for_update().get(pk=escalation.pk)
    if escalation.status == EscalationStatus.RESOLVED:
        return escalation
    now = timezone.now()
    escalation.status = EscalationStatus.RESOLVED
    escalation.resolved_at = now
    escalation.resolution = typed
    escalation.resolution_code = message.code if message else ""
    escalation.resolution_params = dict(message.params) if message else {}
    escalation.updated_at = now
    escalation.save(
        update_fields=[
            "status",
            "resolved_at",
            "resolution",
            "resolution_code",
            "resolution_params",
            "updated_at",
        ]
    )
    _step(escalation, StepKind.RESOLVED, actor=by, note=typed, message=message)
    emit("escalation.resolved", escalation)
    return escalation


def escalation_resolve_for(
    *, subject: Model, reason: str, note: Message | str, by: User | None = None
) -> None:
    """Resolves the open escalation of an object whose problem went away, if there is one.
    ``note`` is a message of escalations.messages (its ``*_resolution`` builders); plain text
    is kept as written."""
    open_one = (
        Escalation.objects.filter(
            content_type=ContentType.objects.get_for_model(subject),
            object_id=subject.pk,
            reason=reason,
        )
        .exclude(status=EscalationStatus.RESOLVED)
        .first()
    )
    if open_one is not None:
        escalation_resolve(escalation=open_one, by=None, note=note)


@transaction.atomic
def escalation_change_severity_for(
    *, subject: Model, reason: str, severity: str, by: User | None = None
) -> Escalation | None:
    """Gives the open escalation of an object the new severity of its cause (a corrective
    action plan's, say), in the caller's transaction, and records the step; the caller has
    checked that ``by`` may change the cause. A higher severity's shorter time to acknowledge
    applies from now; a lower one leaves the deadline where it was."""
    if severity not in Severity.values:
        raise ValidationError({"severity": _("Unknown severity.")})
    escalation = (
        Escalation.objects.select_for_update()
        .filter(
            content_type=ContentType.objects.get_for_model(subject),
            object_id=subject.pk,
            reason=reason,
        )
        .exclude(status=EscalationStatus.RESOLVED)
        .first()
    )
    if escalation is None or escalation.severity == severity:
        return escalation
    now = timezone.now()
    before = escalation.severity
    escalation.severity = severity
    escalation.updated_at = now
    if escalation.status == EscalationStatus.OPEN:
        escalation.acknowledge_by = min(
            escalation.acknowledge_by, now + acknowledge_window(severity)
        )
    escalation.save(update_fields=["severity", "acknowledge_by", "updated_at"])
    change = Message(SEVERITY_CHANGED, {"before": before, "after": severity})
    _step(escalation, StepKind.SEVERITY, actor=by, message=change)
    return escalation
