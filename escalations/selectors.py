"""Every read of escalations that pages and the API share. Whoever reads the portfolio reads
every escalation; who may act on one is decided by escalations.permissions.

An escalation tells a reader only what its subject would: whether the reader may see the
subject (a review, a commitment, a contract) is asked of the subject's app's own selector, and
a reader who may not gets a generic summary ("Escalation about a review of …") with no reason,
severity, resolution or step note, any of which could give away what the subject holds (a
poor score, say). Every escalation read here carries ``subject_visible`` and the ``shown_*``
fields; pages, the API and exports render those, never the raw ones."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from django.conf import settings
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Exists,
    F,
    JSONField,
    Model,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Concat, JSONObject
from django.http import Http404

from accounts.models import User
from accounts.roles import Capability, Role, user_can
from escalations import messages
from escalations.choices import EscalationStatus, Level
from escalations.messages import GENERIC, Message
from escalations.models import Escalation, EscalationStep
from suppliers.choices import OwnershipRole
from suppliers.models import KeyAccountOwnership, Supplier
from suppliers.selectors import AnyUser

SubjectReader = Callable[..., QuerySet[Any]]
log = logging.getLogger(__name__)


def _subject_readers() -> dict[tuple[str, str], SubjectReader]:
    """Each subject model's visibility, as its own app's selector declares it. Imported here,
    not at the top: those apps import escalations to raise them."""
    from contracts.selectors import contract_visible
    from meetings.selectors import commitment_visible
    from reviews.selectors import review_visible
    from rfps.selectors import rfp_visible

    return {
        ("reviews", "review"): review_visible,
        ("meetings", "commitment"): commitment_visible,
        ("contracts", "contract"): contract_visible,
        ("rfps", "rfp"): rfp_visible,
    }


def subject_visible_condition(user: AnyUser, *, prefix: str = "") -> Case:
    """Whether the user may see the escalation's subject, as a condition on Escalation (or,
    with ``prefix="escalation__"``, on a model that points to one). A subject of a kind no
    app declares here is hidden."""
    whens = [
        When(
            Q(**{f"{prefix}content_type__app_label": app, f"{prefix}content_type__model": model})
            & Q(Exists(visible(user=user).filter(pk=OuterRef(f"{prefix}object_id")))),
            then=Value(True),
        )
        for (app, model), visible in _subject_readers().items()
    ]
    return Case(*whens, default=Value(False), output_field=BooleanField())


def _subject_label() -> Concat:
    return Concat(
        F("content_type__app_label"), Value("."), F("content_type__model"), output_field=CharField()
    )


def _shown_message() -> Case:
    """The summary the reader may see, as facts (escalations.messages): the escalation's own,
    or the generic one naming only the supplier and what kind of thing it is about."""
    return Case(
        When(
            subject_visible=True,
            then=JSONObject(code=F("summary_code"), params=F("summary_params")),
        ),
        default=JSONObject(
            code=Value(GENERIC),
            params=JSONObject(supplier=F("supplier__name"), subject=_subject_label()),
        ),
        output_field=JSONField(),
    )


def generic_summary(escalation: Escalation) -> Message:
    """The generic summary of one escalation, as ``_shown_message`` reads in SQL; rendered
    in the language active when it is (a notification's recipient's)."""
    content_type = escalation.content_type
    return messages.generic_summary(
        supplier=escalation.supplier.name,
        subject=f"{content_type.app_label}.{content_type.model}",
    )


def _shown(field: str, default: Any) -> Case:
    return Case(When(subject_visible=True, then=F(field)), default=default)


def escalation_visible(*, user: AnyUser) -> QuerySet[Escalation]:
    """Escalations the user may read, each with ``subject_visible`` and what to show of it:
    ``shown_message`` (the summary's facts: ``Escalation.shown_summary`` puts them into
    words), ``shown_reason``, ``shown_severity`` (None when hidden) and
    ``shown_resolution_facts`` (the resolution as typed or as facts:
    ``Escalation.shown_resolution`` puts them into words; None when hidden)."""
    if not user_can(user, Capability.VIEW_PORTFOLIO):
        return Escalation.objects.none()
    return Escalation.objects.annotate(subject_visible=subject_visible_condition(user)).annotate(
        shown_message=_shown_message(),
        shown_reason=_shown("reason", Value(None, output_field=CharField())),
        shown_severity=_shown("severity", Value(None, output_field=CharField())),
        shown_resolution_facts=Case(
            When(
                subject_visible=True,
                then=JSONObject(
                    text=F("resolution"),
                    code=F("resolution_code"),
                    params=F("resolution_params"),
                ),
            ),
            default=Value(None, output_field=JSONField()),
            output_field=JSONField(),
        ),
    )


def may_see_subject(*, user: AnyUser, escalation: Escalation) -> bool:
    """Whether the user may see what the escalation is about; read from the annotation when
    the escalation came from a selector here."""
    flag = getattr(escalation, "subject_visible", None)
    if flag is not None:
        return bool(flag)
    if not user_can(user, Capability.VIEW_PORTFOLIO):
        return False  # reads no escalation, so no subject either (and the query is none())
    shown = escalation_visible(user=user).filter(pk=escalation.pk)
    return shown.filter(subject_visible=True).exists()  # type: ignore[misc]


def escalation_list(
    *, user: AnyUser, filters: Mapping[str, Any] | None = None
) -> QuerySet[Escalation]:
    """Escalations with their supplier, newest first, filtered as the page and the API ask."""
    queryset = (
        escalation_visible(user=user)
        .select_related("supplier", "content_type")
        .order_by("-raised_at", "-id")
    )
    if filters is not None:
        from escalations.filtersets import EscalationFilterSet

        queryset = EscalationFilterSet(filters, queryset=queryset, user=user).qs
    return queryset


def _steps(user: AnyUser) -> QuerySet[EscalationStep]:
    """Steps with their people and ``note_visible``: whether the user may see the escalation's
    subject, without which ``EscalationStep.shown_note`` is blank (a copy marker stays: it
    says nothing of the subject)."""
    return (
        EscalationStep.objects.select_related("actor", "recipient")
        .annotate(note_visible=subject_visible_condition(user, prefix="escalation__"))
        .order_by("at", "id")
    )


def escalation_list_with_steps(*, user: AnyUser) -> QuerySet[Escalation]:
    """As ``escalation_list``, each with every step and its people: one more query."""
    return escalation_list(user=user).prefetch_related(Prefetch("steps", queryset=_steps(user)))


def escalation_get(*, user: AnyUser, pk: int) -> Escalation:
    try:
        return escalation_list_with_steps(user=user).get(pk=pk)
    except Escalation.DoesNotExist:
        raise Http404 from None


def escalation_list_open_for_supplier(*, user: AnyUser, supplier: Supplier) -> QuerySet[Escalation]:
    """The supplier's escalations not yet resolved: the highest level first, then the oldest."""
    return (
        escalation_list(user=user)
        .filter(supplier=supplier)
        .exclude(status=EscalationStatus.RESOLVED)
        .order_by("-level", "raised_at", "id")
    )


def escalation_subject_for(*, user: AnyUser, escalation: Escalation) -> Model | None:
    """The escalation's subject when the user may see it, else None."""
    if not may_see_subject(user=user, escalation=escalation):
        return None
    subject: Model | None = escalation.subject
    return subject


# --- Who answers for an escalation at each level ----------------------------------------------


def head_of_procurement() -> User | None:
    """The person at the top of procurement: HEAD_OF_PROCUREMENT if set, else an active
    procurement manager with no manager above them."""
    if settings.HEAD_OF_PROCUREMENT:
        head = User.objects.filter(username=settings.HEAD_OF_PROCUREMENT, is_active=True).first()
        if head is not None:
            return head
        # A setting that names nobody (a typo, a person who left) must not leave the top of
        # every ladder empty.
        log.warning("HEAD_OF_PROCUREMENT %r is no active user", settings.HEAD_OF_PROCUREMENT)
    return (
        User.objects.filter(
            is_active=True, groups__name=Role.PROCUREMENT_MANAGER.value, manager__isnull=True
        )
        .order_by("pk")
        .first()
    )


def _current(supplier: Supplier, role: str) -> User | None:
    ownership = (
        KeyAccountOwnership.objects.current()
        .filter(supplier=supplier, role=role)
        .select_related("user__manager")
        .first()
    )
    return ownership.user if ownership else None


def level_recipient(*, supplier: Supplier, level: int) -> User | None:
    """Who answers for the supplier at a level: 1 its owner, 2 the owner's manager, 3 its
    executive sponsor; the head of procurement wherever that person is missing or has left
    (is no longer active)."""
    owner = _current(supplier, OwnershipRole.OWNER)
    if level == Level.OWNER and owner is not None and owner.is_active:
        return owner
    manager = owner.manager if owner is not None else None
    if level == Level.MANAGER and manager is not None and manager.is_active:
        return manager
    if level == Level.EXECUTIVE:
        sponsor = _current(supplier, OwnershipRole.EXECUTIVE_SPONSOR)
        if sponsor is not None and sponsor.is_active:
            return sponsor
    return head_of_procurement()
