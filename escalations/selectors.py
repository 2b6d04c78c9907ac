"""Every read of escalations that pages and the API share. Whoever reads the portfolio reads
every escalation; who may act on one is decided by escalations.services.may_handle.

An escalation tells a reader only what its subject would: whether the reader may see the
subject (a review, a commitment, a contract) is asked of the subject's app's own selector, and
a reader who may not gets a generic summary ("Escalation about a review of …") with no reason,
severity, resolution or step note, any of which could give away what the subject holds (a
poor score, say). Every escalation read here carries ``subject_visible`` and the ``shown_*``
fields; pages, the API and exports render those, never the raw ones."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Exists,
    F,
    Model,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Concat
from django.http import Http404
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.roles import Capability, user_can
from core.text import LazyFormat
from escalations.choices import EscalationStatus
from escalations.models import Escalation, EscalationStep
from suppliers.models import Supplier
from suppliers.selectors import AnyUser

SubjectReader = Callable[..., QuerySet[Any]]

# What a reader who may not see the subject is told, by the subject's app and model.
GENERIC_SUMMARIES: dict[tuple[str, str], Promise] = {
    ("reviews", "review"): _("Escalation about a review of %(supplier)s"),
    ("meetings", "commitment"): _("Escalation about a commitment of %(supplier)s"),
    ("contracts", "contract"): _("Escalation about a contract of %(supplier)s"),
    ("rfps", "rfp"): _("Escalation about an RFP of %(supplier)s"),
}
GENERIC_SUMMARY_OTHER = _("Escalation about %(supplier)s")
COPY_NOTE = "copy"  # a notified step's note when the person was copied from a level below


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


def _generic_text(template: Promise, supplier_field: str) -> Concat:
    """The generic summary in SQL, in the language active now: the translated text around
    the supplier's name."""
    before, _sep, after = str(template).partition("%(supplier)s")
    return Concat(Value(before), F(supplier_field), Value(after), output_field=CharField())


def _generic_summary() -> Case:
    return Case(
        *(
            When(
                content_type__app_label=app,
                content_type__model=model,
                then=_generic_text(text, "supplier__name"),
            )
            for (app, model), text in GENERIC_SUMMARIES.items()
        ),
        default=_generic_text(GENERIC_SUMMARY_OTHER, "supplier__name"),
        output_field=CharField(),
    )


def generic_summary(escalation: Escalation) -> LazyFormat:
    """The generic summary of one escalation, as ``_generic_summary`` reads in SQL; rendered
    in the language active when it is (a notification's recipient's)."""
    content_type = escalation.content_type
    template = GENERIC_SUMMARIES.get(
        (content_type.app_label, content_type.model), GENERIC_SUMMARY_OTHER
    )
    return LazyFormat(template, supplier=escalation.supplier.name)


def _shown(field: str, default: Any) -> Case:
    return Case(When(subject_visible=True, then=F(field)), default=default)


def escalation_visible(*, user: AnyUser) -> QuerySet[Escalation]:
    """Escalations the user may read, each with ``subject_visible`` and what to show of it:
    ``shown_summary``, ``shown_reason``, ``shown_severity`` (None when hidden) and
    ``shown_resolution``."""
    if not user_can(user, Capability.VIEW_PORTFOLIO):
        return Escalation.objects.none()
    return Escalation.objects.annotate(subject_visible=subject_visible_condition(user)).annotate(
        shown_summary=_shown("summary", _generic_summary()),
        shown_reason=_shown("reason", Value(None, output_field=CharField())),
        shown_severity=_shown("severity", Value(None, output_field=CharField())),
        shown_resolution=_shown("resolution", Value("", output_field=TextField())),
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

        queryset = EscalationFilterSet(filters, queryset=queryset).qs
    return queryset


def _steps(user: AnyUser) -> QuerySet[EscalationStep]:
    """Steps with their people; ``shown_note`` is the note, or blank when the user may not see
    the escalation's subject (a copy marker stays: it says nothing of the subject)."""
    shown_note = Case(
        When(Q(note=COPY_NOTE) | Q(subject_visible=True), then=F("note")),
        default=Value("", output_field=TextField()),
    )
    return (
        EscalationStep.objects.select_related("actor", "recipient")
        .annotate(subject_visible=subject_visible_condition(user, prefix="escalation__"))
        .annotate(shown_note=shown_note)
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
