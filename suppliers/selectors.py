"""Every read of suppliers that pages and the API share. Visibility is decided here."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import connection
from django.db.models import Prefetch, QuerySet
from django.http import Http404
from pghistory.models import MiddlewareEvents

from accounts.models import User
from suppliers.choices import Segment, SupplierStatus
from suppliers.models import Category, Contact, KeyAccountOwnership, Supplier, SupplierCategory
from suppliers.permissions import may_view_portfolio
from suppliers.querysets import SupplierQuerySet

AnyUser = AbstractBaseUser | AnonymousUser


def current_ownerships() -> QuerySet[KeyAccountOwnership]:
    return (
        KeyAccountOwnership.objects.current().select_related("user").order_by("role", "since", "id")
    )


def _with_list_relations(queryset: QuerySet[Supplier]) -> QuerySet[Supplier]:
    """What a list row shows: current owners (as ``current_ownerships``) and categories, in
    two queries whatever the number of rows."""
    return queryset.prefetch_related(
        Prefetch("ownerships", queryset=current_ownerships(), to_attr="current_ownerships"),
        Prefetch("categories", queryset=Category.objects.order_by("name")),
    )


def supplier_visible(*, user: AnyUser) -> SupplierQuerySet:
    """Suppliers the user may read: the whole portfolio for roles that view it, else none."""
    if not may_view_portfolio(user):
        return Supplier.objects.none()
    return Supplier.objects.all()


def supplier_list(*, user: AnyUser, filters: Mapping[str, Any] | None = None) -> QuerySet[Supplier]:
    queryset = _with_list_relations(supplier_visible(user=user))
    if filters is not None:
        from suppliers.filtersets import SupplierFilterSet

        queryset = SupplierFilterSet(filters, queryset=queryset, user=user).qs
    return queryset


def supplier_list_owned(*, user: AnyUser) -> QuerySet[Supplier]:
    """My suppliers: those the user currently owns, backs up or sponsors."""
    return _with_list_relations(supplier_visible(user=user).held_by(user))


def supplier_list_lacking_owner(*, user: AnyUser) -> QuerySet[Supplier]:
    """Active strategic suppliers with no current owner: each needs one."""
    return _with_list_relations(
        supplier_visible(user=user)
        .filter(status=SupplierStatus.ACTIVE, segment=Segment.STRATEGIC)
        .without_owner()
    )


def supplier_get(*, user: AnyUser, pk: int) -> Supplier:
    """One supplier with its contacts, all its ownerships (history too) and categories."""
    try:
        return (
            _with_list_relations(supplier_visible(user=user))
            .prefetch_related(
                Prefetch("contacts", queryset=Contact.objects.order_by("-is_primary", "name")),
                Prefetch(
                    "ownerships",
                    queryset=KeyAccountOwnership.objects.select_related("user").order_by(
                        "-since", "-id"
                    ),
                    to_attr="all_ownerships",
                ),
            )
            .get(pk=pk)
        )
    except Supplier.DoesNotExist:
        raise Http404 from None


# The audit models the supplier page's history reads. Other apps' rows that point at the
# supplier (contracts, reviews, RFP invitations) hold figures not everyone who opens the page
# may see, so they are named here, never picked up because they reference the supplier.
HISTORY_EVENT_MODELS = (
    "suppliers.SupplierEvent",
    "suppliers.SupplierCategoryEvent",
    "suppliers.ContactEvent",
    "suppliers.KeyAccountOwnershipEvent",
    "meetings.MeetingEvent",
    "meetings.CommitmentEvent",
)


def supplier_history(*, supplier: Supplier, limit: int = 200) -> QuerySet[MiddlewareEvents]:
    """Audit events of the supplier and of what hangs off it (contacts, owners, categories,
    meetings and commitments), newest first, each with its field diff and the user who made
    it."""
    return (
        MiddlewareEvents.objects.across(*HISTORY_EVENT_MODELS)
        .references(supplier)
        .select_related("user")
        .order_by("-pgh_created_at", "-pgh_id")[:limit]
    )


def contact_visible(*, user: AnyUser) -> QuerySet[Contact]:
    return Contact.objects.filter(supplier__in=supplier_visible(user=user))


def contact_list(*, user: AnyUser) -> QuerySet[Contact]:
    return contact_visible(user=user).select_related("supplier")


def contact_get(*, user: AnyUser, pk: int) -> Contact:
    try:
        return contact_list(user=user).get(pk=pk)
    except Contact.DoesNotExist:
        raise Http404 from None


def category_list(*, user: AnyUser) -> QuerySet[Category]:
    if not may_view_portfolio(user):
        return Category.objects.none()
    return Category.objects.select_related("parent")


def ownership_list(*, user: AnyUser) -> QuerySet[KeyAccountOwnership]:
    return KeyAccountOwnership.objects.filter(
        supplier__in=supplier_visible(user=user)
    ).select_related("supplier", "user")


def owner_candidate_list(*, user: AnyUser) -> QuerySet[User]:
    """People who may hold a key-account role (``User.objects.may_own``, as
    services.ownership_assign checks), for a user who may see the portfolio."""
    if not may_view_portfolio(user):
        return User.objects.none()
    return User.objects.may_own().order_by("display_name", "username")


_PEOPLE_COLUMNS = (
    "id",
    "supplier_id",
    "role",
    "since",
    "user_id",
    "user__username",
    "user__display_name",
    "user__first_name",
    "user__last_name",
)
_CATEGORY_COLUMNS = ("supplier_id", "category_id", "category__name")


def supplier_list_relations(
    *, supplier_ids: Collection[int]
) -> tuple[dict[int, list[Mapping[str, Any]]], dict[int, list[Mapping[str, Any]]]]:
    """The current key-account people and the categories of a page of suppliers as plain
    rows, ordered as ``_with_list_relations`` orders them: two queries whatever the page size,
    for list endpoints that render from ``.values()`` rather than model instances.

    Hand-written SQL on purpose: this is the ERP's hot path, and building these two queries
    with the ORM cost more than PostgreSQL took to answer them (see ``make bench``). The
    people are ``KeyAccountOwnership.objects.current()`` (``until IS NULL``) and their names
    ``accounts.models.shown_name``, as everywhere else."""
    ownership, user = KeyAccountOwnership._meta.db_table, User._meta.db_table
    link, category = SupplierCategory._meta.db_table, Category._meta.db_table
    ids = list(supplier_ids)
    people: dict[int, list[Mapping[str, Any]]] = {pk: [] for pk in ids}
    categories: dict[int, list[Mapping[str, Any]]] = {pk: [] for pk in ids}
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT o.id, o.supplier_id, o.role, o.since, o.user_id,
                       u.username, u.display_name, u.first_name, u.last_name
                  FROM {ownership} o JOIN {user} u ON u.id = o.user_id
                 WHERE o.until IS NULL AND o.supplier_id = ANY(%s)
                 ORDER BY o.role, o.since, o.id""",  # noqa: S608 - table names from models
            [ids],
        )
        for values in cursor.fetchall():
            row = dict(zip(_PEOPLE_COLUMNS, values, strict=True))
            people[row["supplier_id"]].append(row)
        cursor.execute(
            f"""SELECT l.supplier_id, l.category_id, c.name
                  FROM {link} l JOIN {category} c ON c.id = l.category_id
                 WHERE l.supplier_id = ANY(%s)
                 ORDER BY c.name, c.id""",  # noqa: S608 - table names from models
            [ids],
        )
        for values in cursor.fetchall():
            row = dict(zip(_CATEGORY_COLUMNS, values, strict=True))
            categories[row["supplier_id"]].append(row)
    return people, categories
