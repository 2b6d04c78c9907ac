"""Every read of escalations that pages and the API share. Whoever reads the portfolio reads
every escalation; who may act on one is decided by escalations.services.may_handle."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http import Http404

from accounts.roles import Capability, user_can
from escalations.choices import EscalationStatus
from escalations.models import Escalation, EscalationStep
from suppliers.models import Supplier
from suppliers.selectors import AnyUser


def escalation_visible(*, user: AnyUser) -> QuerySet[Escalation]:
    if not user_can(user, Capability.VIEW_PORTFOLIO):
        return Escalation.objects.none()
    return Escalation.objects.all()


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


def _steps() -> QuerySet[EscalationStep]:
    return EscalationStep.objects.select_related("actor", "recipient").order_by("at", "id")


def escalation_list_with_steps(*, user: AnyUser) -> QuerySet[Escalation]:
    """As ``escalation_list``, each with every step and its people: one more query."""
    return escalation_list(user=user).prefetch_related(Prefetch("steps", queryset=_steps()))


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
