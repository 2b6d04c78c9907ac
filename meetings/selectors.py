"""Every read of meetings and commitments that pages and the API share."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import (
    BooleanField,
    Case,
    Count,
    DateTimeField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Now
from django.http import Http404
from django.utils import timezone

from accounts.models import User
from accounts.roles import Capability, user_can
from meetings.choices import IN_PERSON_KINDS, CommitmentSide, CommitmentStatus
from meetings.models import Commitment, EngagementPolicy, Meeting
from suppliers.choices import Segment, SupplierStatus
from suppliers.models import Category, Contact, KeyAccountOwnership, Supplier
from suppliers.selectors import AnyUser, supplier_list

SINGLE_THREAD_WINDOW = timedelta(days=365)
KEY_SEGMENTS = (Segment.STRATEGIC, Segment.LEVERAGE)


# --- Meetings ---------------------------------------------------------------------------------


def meeting_visible(*, user: AnyUser) -> QuerySet[Meeting]:
    if not user_can(user, Capability.VIEW_PORTFOLIO):
        return Meeting.objects.none()
    return Meeting.objects.all()


def meeting_list(*, user: AnyUser) -> QuerySet[Meeting]:
    """Meetings with what a row shows, in a fixed number of queries."""
    return (
        meeting_visible(user=user)
        .select_related("supplier", "logged_by")
        .prefetch_related(
            Prefetch("our_attendees", queryset=User.objects.order_by("display_name", "username")),
            Prefetch("their_attendees", queryset=Contact.objects.order_by("name")),
            Prefetch("commitments", queryset=_commitments_with_owners(user)),
        )
    )


def meeting_list_page(
    *, user: AnyUser, filters: Mapping[str, Any] | None = None
) -> QuerySet[Meeting]:
    """Meetings as the list page (and its export) filter them, newest first, with the supplier,
    who logged each and our attendees: a fixed number of queries a page."""
    queryset = (
        meeting_visible(user=user)
        .select_related("supplier", "logged_by")
        .prefetch_related(
            Prefetch("our_attendees", queryset=User.objects.order_by("display_name", "username"))
        )
        .order_by("-starts_at", "-id")
    )
    if filters is not None:
        from meetings.filtersets import MeetingFilterSet

        queryset = MeetingFilterSet(filters, queryset=queryset).qs
    return queryset


def meeting_get(*, user: AnyUser, pk: int) -> Meeting:
    try:
        return meeting_list(user=user).get(pk=pk)
    except Meeting.DoesNotExist:
        raise Http404 from None


def supplier_timeline(*, user: AnyUser, supplier: Supplier, limit: int = 50) -> QuerySet[Meeting]:
    """The supplier's meetings, newest first."""
    return meeting_list(user=user).filter(supplier=supplier).order_by("-starts_at", "-id")[:limit]


# --- Commitments ------------------------------------------------------------------------------


def _commitments_with_owners(user: AnyUser) -> QuerySet[Commitment]:
    """Commitments with their owners and closers, annotated ``overdue`` and, for who may
    close them (``permissions.may_close_commitment``), ``viewer_holds_key_account``."""
    today = timezone.localdate()
    return Commitment.objects.select_related(
        "owner_user", "owner_contact", "completed_by", "cancelled_by"
    ).annotate(
        overdue=Case(
            When(status=CommitmentStatus.OPEN, due_date__lt=today, then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        ),
        viewer_holds_key_account=Exists(
            KeyAccountOwnership.objects.filter(
                supplier_id=OuterRef("supplier_id"), user_id=user.pk or 0, until__isnull=True
            )
        ),
    )


def commitment_visible(*, user: AnyUser) -> QuerySet[Commitment]:
    if not user_can(user, Capability.VIEW_PORTFOLIO):
        return Commitment.objects.none()
    return Commitment.objects.all()


def commitment_list(*, user: AnyUser) -> QuerySet[Commitment]:
    """Commitments with owners, supplier and meeting, each annotated ``overdue``."""
    return (
        _commitments_with_owners(user)
        .filter(pk__in=commitment_visible(user=user).values("pk"))
        .select_related("supplier", "meeting")
    )


def commitment_get(*, user: AnyUser, pk: int) -> Commitment:
    try:
        return commitment_list(user=user).get(pk=pk)
    except Commitment.DoesNotExist:
        raise Http404 from None


def commitment_list_open_for_supplier(*, user: AnyUser, supplier: Supplier) -> QuerySet[Commitment]:
    """Open commitments on both sides, overdue first, then by due date."""
    return (
        commitment_list(user=user)  # type: ignore[misc]
        .filter(supplier=supplier, status=CommitmentStatus.OPEN)
        .order_by("-overdue", "due_date", "id")
    )


def commitment_list_mine(*, user: AnyUser) -> QuerySet[Commitment]:
    """My open commitments, and those the suppliers I own made to us: overdue first, then by
    due date."""
    owned = Exists(KeyAccountOwnership.objects.current().held_by(user).of_outer("supplier"))
    return (
        commitment_list(user=user)  # type: ignore[misc]
        .filter(status=CommitmentStatus.OPEN)
        .filter(
            Q(side=CommitmentSide.OURS, owner_user_id=user.pk)
            | Q(owned, side=CommitmentSide.THEIRS)
        )
        .order_by("-overdue", "due_date", "id")
    )


# --- Engagement against policy ----------------------------------------------------------------


def _last_meeting(in_person: bool = False) -> Subquery:
    meetings = Meeting.objects.filter(supplier=OuterRef("pk"))
    if in_person:
        meetings = meetings.filter(kind__in=IN_PERSON_KINDS)
    return Subquery(meetings.order_by("-starts_at").values("starts_at")[:1])


def _policy(field: str) -> Subquery:
    return Subquery(
        EngagementPolicy.objects.filter(segment=OuterRef("segment")).values(field)[:1],
        output_field=IntegerField(),
    )


class _Days(Func):
    """PostgreSQL's make_interval(days => n)."""

    template = "make_interval(days => %(expressions)s)"
    output_field = DurationField()


def with_engagement(queryset: QuerySet[Supplier]) -> QuerySet[Supplier]:
    """Annotates ``last_met_at``, ``last_in_person_at``, the segment's policy in days, and
    ``contact_overdue`` / ``in_person_overdue`` (a policy exists and its time has passed)."""
    annotated = queryset.annotate(
        last_met_at=_last_meeting(),
        last_in_person_at=_last_meeting(in_person=True),
        policy_days=_policy("max_days_between_meetings"),
        policy_in_person_days=_policy("max_days_between_in_person"),
    )
    return annotated.annotate(
        contact_overdue=Case(
            When(policy_days__isnull=True, then=Value(False)),
            When(last_met_at__isnull=True, then=Value(True)),
            When(
                last_met_at__lt=_threshold("policy_days"),
                then=Value(True),
            ),
            default=Value(False),
            output_field=BooleanField(),
        ),
        in_person_overdue=Case(
            When(policy_in_person_days__isnull=True, then=Value(False)),
            When(last_in_person_at__isnull=True, then=Value(True)),
            When(last_in_person_at__lt=_threshold("policy_in_person_days"), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        ),
    )


def _threshold(days_field: str) -> Any:
    return ExpressionWrapper(Now() - _Days(F(days_field)), output_field=DateTimeField())


@dataclass(frozen=True)
class Engagement:
    last_met_at: datetime | None
    last_in_person_at: datetime | None
    policy_days: int | None
    policy_in_person_days: int | None
    contact_overdue: bool
    in_person_overdue: bool

    @property
    def days_since_met(self) -> int | None:
        return _days_since(self.last_met_at)

    @property
    def days_since_in_person(self) -> int | None:
        return _days_since(self.last_in_person_at)


def _days_since(moment: datetime | None) -> int | None:
    return None if moment is None else (timezone.now() - moment).days


def supplier_engagement(*, supplier: Supplier) -> Engagement:
    row = with_engagement(Supplier.objects.filter(pk=supplier.pk)).values(  # type: ignore[misc]
        "last_met_at",
        "last_in_person_at",
        "policy_days",
        "policy_in_person_days",
        "contact_overdue",
        "in_person_overdue",
    )[0]
    return Engagement(**row)


def _suppliers_focused(
    user: AnyUser,
    *,
    owner: User | None = None,
    segment: str | Sequence[str] | None = None,
    categories: Sequence[Category] = (),
) -> QuerySet[Supplier]:
    """The supplier list narrowed as the supplier list's own filters narrow it: by a current
    key-account holder, a segment and categories (with those below them)."""
    filters: dict[str, Any] = {}
    if owner is not None:
        filters["owner"] = owner.pk
    if segment:
        filters["segment"] = [segment] if isinstance(segment, str) else list(segment)
    if categories:
        filters["category"] = [category.pk for category in categories]
    return supplier_list(user=user, filters=filters or None)


def supplier_list_overdue_for_contact(
    *,
    user: AnyUser,
    owner: User | None = None,
    segment: str | Sequence[str] | None = None,
    categories: Sequence[Category] = (),
    in_person_only: bool = False,
) -> QuerySet[Supplier]:
    """Active suppliers met less often than their segment's policy asks, longest-unmet first;
    with ``in_person_only``, those not met in person as often as it asks."""
    queryset = _suppliers_focused(user, owner=owner, segment=segment, categories=categories).filter(
        status=SupplierStatus.ACTIVE
    )
    overdue = Q(in_person_overdue=True)
    if not in_person_only:
        overdue |= Q(contact_overdue=True)
    return (
        with_engagement(queryset)
        .filter(overdue)
        .order_by(F("last_met_at").asc(nulls_first=True), "name", "id")
    )


# --- Who knows whom ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Acquaintance:
    user: User
    contact: Contact | None
    meetings: int
    last_met_at: datetime


def relationship_map(*, supplier: Supplier, since: date | None = None) -> list[Acquaintance]:
    """Which of our people met which of their contacts, how often and when last. A person of
    ours who met only the supplier (no contact recorded) appears with ``contact`` None."""
    meetings = Meeting.objects.filter(supplier=supplier)
    if since is not None:
        meetings = meetings.filter(starts_at__date__gte=since)
    pairs = (
        meetings.filter(our_attendees__isnull=False)
        .values("our_attendees", "their_attendees")
        .annotate(count=Count("id", distinct=True), last=Max("starts_at"))
        .order_by("-count", "-last")
    )
    rows = list(pairs)
    users = User.objects.in_bulk({row["our_attendees"] for row in rows})
    contacts = Contact.objects.in_bulk({row["their_attendees"] for row in rows} - {None})
    return [
        Acquaintance(
            user=users[row["our_attendees"]],
            contact=contacts.get(row["their_attendees"]),
            meetings=row["count"],
            last_met_at=row["last"],
        )
        for row in rows
    ]


def with_people_met(queryset: QuerySet[Supplier], *, since: datetime) -> QuerySet[Supplier]:
    """Annotates ``people_met``: how many of our people met the supplier since then."""
    attendance = Meeting.our_attendees.through.objects.filter(
        meeting__supplier=OuterRef("pk"), meeting__starts_at__gte=since
    )
    return queryset.annotate(
        people_met=Coalesce(
            Subquery(
                attendance.values("meeting__supplier")  # type: ignore[misc]
                .annotate(people=Count("user", distinct=True))
                .values("people")[:1],
                output_field=IntegerField(),
            ),
            0,
        )
    )


def supplier_list_single_threaded(
    *,
    user: AnyUser,
    owner: User | None = None,
    segment: str | Sequence[str] | None = None,
    categories: Sequence[Category] = (),
) -> QuerySet[Supplier]:
    """Active strategic and leverage suppliers that at most one of our people met in the
    last twelve months: the relationship hangs on one person."""
    since = timezone.now() - SINGLE_THREAD_WINDOW
    suppliers = _suppliers_focused(user, owner=owner, segment=segment, categories=categories)
    return (
        with_people_met(  # type: ignore[misc]
            suppliers.filter(status=SupplierStatus.ACTIVE, segment__in=KEY_SEGMENTS),
            since=since,
        )
        .filter(people_met__lte=1)
        .order_by("people_met", "name", "id")
    )


def is_single_threaded(*, supplier: Supplier) -> bool:
    if supplier.segment not in KEY_SEGMENTS or supplier.status != SupplierStatus.ACTIVE:
        return False
    since = timezone.now() - SINGLE_THREAD_WINDOW
    row = with_people_met(Supplier.objects.filter(pk=supplier.pk), since=since).values(  # type: ignore[misc]
        "people_met"
    )[0]
    return bool(row["people_met"] <= 1)


def engagement_policy_list() -> QuerySet[EngagementPolicy]:
    return EngagementPolicy.objects.order_by("segment")
