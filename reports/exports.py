"""What each list page exports: its selector with the page's own filters, and the columns.

Every export goes through the same selector and FilterSet as the list page it sits on, so a
file holds exactly the rows that page would show its reader, across all pages of the list.
Related names (owner, categories, supplier) are joined or aggregated in the query, so rows
come straight from ``.values()`` with no query per row.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.contrib.postgres.aggregates import StringAgg
from django.db.models import Case, CharField, F, OuterRef, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from accounts.querysets import display_name_expression
from accounts.roles import Capability
from contracts.choices import ContractPhase
from contracts.selectors import contract_list
from core.exports import Column
from escalations.choices import EscalationReason, EscalationStatus, Level, Severity
from escalations.messages import shown_summary_text
from escalations.selectors import escalation_list
from meetings.choices import CommitmentSide, CommitmentStatus, MeetingKind
from meetings.filtersets import CommitmentFilterSet
from meetings.selectors import commitment_list_mine, commitment_visible, meeting_list_page
from reviews.choices import ReviewStatus, Standing
from reviews.selectors import review_list
from rfps.choices import RfpStatus
from rfps.selectors import rfp_list
from suppliers.choices import RiskLevel, Segment, SupplierStatus
from suppliers.models import KeyAccountOwnership, SupplierCategory
from suppliers.selectors import AnyUser, contact_visible, supplier_list

Filters = Mapping[str, Any]


@dataclass(frozen=True)
class Dataset:
    """One exportable list: who may export it, its rows for a reader and filters, its columns."""

    title: Any
    capability: Capability
    rows: Callable[[AnyUser, Filters], QuerySet[Any]]
    columns: tuple[Column, ...]


def label(choices: Any) -> Callable[[Any], Any]:
    """A formatter showing a choice's label in the reader's language instead of its value."""
    labels = dict(choices.choices)
    return lambda value: str(labels.get(value, value)) if value is not None else None


def person_name(prefix: str) -> Any:
    """The name people see (as User.name)."""
    return display_name_expression(prefix=prefix)


def _owner_name() -> Subquery:
    owner = (
        KeyAccountOwnership.objects.current()
        .owners()
        .of_outer()
        .annotate(person=person_name("user__"))
    )
    return Subquery(owner.values("person")[:1], output_field=CharField())


def _category_names() -> Subquery:
    names = (
        SupplierCategory.objects.filter(supplier=OuterRef("pk"))
        .order_by()
        .values("supplier")
        .annotate(names=StringAgg("category__name", delimiter=", ", order_by="category__name"))
        .values("names")
    )
    return Subquery(names, output_field=CharField())


def supplier_rows(user: AnyUser, filters: Filters) -> QuerySet[Any]:
    return supplier_list(user=user, filters=filters).annotate(
        owner_name=_owner_name(), category_names=_category_names()
    )


def contact_rows(user: AnyUser, filters: Filters) -> QuerySet[Any]:
    """The contacts of the suppliers the supplier list shows with these filters."""
    suppliers = supplier_list(user=user, filters=filters).order_by().values("pk")
    return (
        contact_visible(user=user)
        .filter(supplier__in=suppliers)
        .order_by("supplier__name", "supplier_id", "-is_primary", "name", "id")
    )


def meeting_rows(user: AnyUser, filters: Filters) -> QuerySet[Any]:
    return meeting_list_page(user=user, filters=filters).annotate(
        logged_by_name=person_name("logged_by__")
    )


def commitment_rows(user: AnyUser, filters: Filters) -> QuerySet[Any]:
    """Commitments as the API filters them; ``mine=1`` starts from "My commitments" instead."""
    if filters.get("mine"):
        queryset = commitment_list_mine(user=user)
    else:
        queryset = commitment_visible(user=user).order_by("due_date", "id")
    return CommitmentFilterSet(filters, queryset=queryset).qs.annotate(
        owner_name=Coalesce(person_name("owner_user__"), F("owner_contact__name"))
    )


def escalation_rows(user: AnyUser, filters: Filters) -> QuerySet[Any]:
    return escalation_list(user=user, filters=filters)


def _confidential(field: str) -> Case:
    """A contract's confidential figure, or nothing for a reader who may not see it."""
    return Case(When(confidential_visible=True, then=F(field)), default=Value(None))


def contract_rows(user: AnyUser, filters: Filters) -> QuerySet[Any]:
    return contract_list(user=user, filters=filters).annotate(
        owner_name=person_name("owner__"),
        shown_value=_confidential("value"),
        shown_currency=_confidential("currency"),
        shown_value_reporting=_confidential("value_reporting"),
    )


def review_rows(user: AnyUser, filters: Filters) -> QuerySet[Any]:
    return review_list(user=user, filters=filters).annotate(owner_name=person_name("owner__"))


def rfp_rows(user: AnyUser, filters: Filters) -> QuerySet[Any]:
    return rfp_list(user=user, filters=filters).annotate(owner_name=person_name("owner__"))


SUPPLIER_COLUMNS = (
    Column(_("Id"), "id"),
    Column(_("Name"), "name"),
    Column(_("Legal name"), "legal_name"),
    Column(_("ERP id"), "external_id"),
    Column(_("VAT or registration number"), "vat_number"),
    Column(_("Country"), "country"),
    Column(_("Status"), "status", label(SupplierStatus)),
    Column(_("Segment"), "segment", label(Segment)),
    Column(_("Risk level"), "risk_level", label(RiskLevel)),
    Column(_("Annual spend"), "annual_spend"),
    Column(_("Owner"), "owner_name"),
    Column(_("Categories"), "category_names"),
    Column(_("Updated at"), "updated_at"),
)
CONTACT_COLUMNS = (
    Column(_("Supplier"), "supplier__name"),
    Column(_("Supplier ERP id"), "supplier__external_id"),
    Column(_("Name"), "name"),
    Column(_("Job title"), "job_title"),
    Column(_("Email"), "email"),
    Column(_("Phone"), "phone"),
    Column(_("Primary contact"), "is_primary"),
    Column(_("Preferred language"), "preferred_language"),
)
MEETING_COLUMNS = (
    Column(_("Id"), "id"),
    Column(_("Time"), "starts_at"),
    Column(_("Supplier"), "supplier__name"),
    Column(_("Kind"), "kind", label(MeetingKind)),
    Column(_("Subject"), "subject"),
    Column(_("Location"), "location"),
    Column(_("Outcome"), "outcome"),
    Column(_("Logged by"), "logged_by_name"),
)
COMMITMENT_COLUMNS = (
    Column(_("Id"), "id"),
    Column(_("Supplier"), "supplier__name"),
    Column(_("What was promised"), "description"),
    Column(_("Side"), "side", label(CommitmentSide)),
    Column(_("Owner"), "owner_name"),
    Column(_("Due date"), "due_date"),
    Column(_("Status"), "status", label(CommitmentStatus)),
    Column(_("Completed at"), "completed_at"),
)
ESCALATION_COLUMNS = (
    Column(_("Id"), "id"),
    # What escalations.selectors lets the reader see: generic when the subject is hidden.
    Column(_("Summary"), "shown_message", shown_summary_text),
    Column(_("Supplier"), "supplier__name"),
    Column(_("Reason"), "shown_reason", label(EscalationReason)),
    Column(_("Severity"), "shown_severity", label(Severity)),
    Column(_("Level"), "level", label(Level)),
    Column(_("Status"), "status", label(EscalationStatus)),
    Column(_("Raised at"), "raised_at"),
    Column(_("Acknowledge by"), "acknowledge_by"),
    Column(_("Resolved at"), "resolved_at"),
)

CONTRACT_COLUMNS = (
    Column(_("Number"), "number"),
    Column(_("Title"), "title"),
    Column(_("Supplier"), "supplier__name"),
    Column(_("Owner"), "owner_name"),
    Column(_("Status"), "phase", label(ContractPhase)),
    Column(_("Value"), "shown_value"),
    Column(_("Currency"), "shown_currency"),
    Column(_("Value in the reporting currency"), "shown_value_reporting"),
    Column(_("Start date"), "start_date"),
    Column(_("End date"), "end_date"),
    Column(_("Last day to give notice"), "last_notice_date"),
    Column(_("Renews automatically"), "auto_renew"),
)
REVIEW_COLUMNS = (
    Column(_("Id"), "id"),
    Column(_("Supplier"), "supplier__name"),
    Column(_("Period from"), "period_start"),
    Column(_("Period to"), "period_end"),
    Column(_("Due"), "due_date"),
    Column(_("Status"), "status", label(ReviewStatus)),
    Column(_("Overall score"), "overall_score"),
    Column(_("Standing"), "standing", label(Standing)),
    Column(_("Owner"), "owner_name"),
    Column(_("Submitted at"), "submitted_at"),
)
RFP_COLUMNS = (
    Column(_("Reference"), "reference"),
    Column(_("Title"), "title"),
    Column(_("Category"), "category__name"),
    Column(_("Owner"), "owner_name"),
    Column(_("Status"), "status", label(RfpStatus)),
    Column(_("Deadline"), "current_deadline"),
    Column(_("Currency"), "currency"),
)

DATASETS: dict[str, Dataset] = {
    "suppliers": Dataset(
        _("Suppliers"), Capability.VIEW_PORTFOLIO, supplier_rows, SUPPLIER_COLUMNS
    ),
    "contacts": Dataset(_("Contacts"), Capability.VIEW_PORTFOLIO, contact_rows, CONTACT_COLUMNS),
    "meetings": Dataset(_("Meetings"), Capability.VIEW_PORTFOLIO, meeting_rows, MEETING_COLUMNS),
    "commitments": Dataset(
        _("Commitments"), Capability.VIEW_PORTFOLIO, commitment_rows, COMMITMENT_COLUMNS
    ),
    "escalations": Dataset(
        _("Escalations"), Capability.VIEW_PORTFOLIO, escalation_rows, ESCALATION_COLUMNS
    ),
    "contracts": Dataset(
        _("Contracts"), Capability.VIEW_PORTFOLIO, contract_rows, CONTRACT_COLUMNS
    ),
    "reviews": Dataset(_("Reviews"), Capability.VIEW_PORTFOLIO, review_rows, REVIEW_COLUMNS),
    # As the RFP list: open to every page user, rfp_list deciding which RFPs they see.
    "rfps": Dataset(_("RFPs"), Capability.USE_PAGES, rfp_rows, RFP_COLUMNS),
}
