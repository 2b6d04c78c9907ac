"""Corrective action plans: opened by a poor review, given actions with owners and due dates
and the supplier's response, and verified at a later review."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from accounts.roles import Capability, user_can
from core.exceptions import DomainError
from core.text import LazyFormat
from escalations.choices import EscalationReason, Severity
from escalations.services import escalation_change_severity_for, escalation_resolve_for
from notifications.choices import NotificationKind
from notifications.services import notification_create
from reviews.choices import ActionStatus, PlanStatus, Standing
from reviews.models import CorrectiveAction, CorrectiveActionPlan, CriterionResult, Review
from reviews.permissions import may_manage_plan
from suppliers.models import Contact


def plan_open(review: Review) -> CorrectiveActionPlan:
    """The review's corrective action plan, opened (and its owner told) if it has none."""
    severity = Severity.HIGH if review.standing == Standing.VERY_POOR else Severity.MEDIUM
    weak = [
        result.criterion.name
        for result in CriterionResult.objects.filter(review=review, score__lt=50).select_related(
            "criterion"
        )
    ]
    problem = str(
        LazyFormat(
            gettext_lazy("Overall score %(score)s (%(standing)s). Weak: %(weak)s."),
            score=review.overall_score,
            standing=Standing(review.standing).label,  # type: ignore[arg-type]
            weak=", ".join(weak) or "-",
        )
    )
    plan, created = CorrectiveActionPlan.objects.get_or_create(
        review=review,
        defaults={"supplier_id": review.supplier_id, "problem": problem, "severity": severity},
    )
    if created and review.owner is not None:
        notification_create(
            recipient=review.owner,
            kind=NotificationKind.CORRECTIVE_ACTION,
            subject=plan,
            occasion="opened",
            title=LazyFormat(
                gettext_lazy("Corrective action plan opened for %(supplier)s"),
                supplier=review.supplier.name,
            ),
            body=problem,
            url=plan.get_absolute_url(),
        )
    return plan


PLAN_FIELDS = ("problem", "severity", "root_cause", "supplier_response")


@transaction.atomic
def plan_update(*, plan: CorrectiveActionPlan, by: User, **fields: Any) -> CorrectiveActionPlan:
    """Records the plan's problem, severity, root cause and the supplier's response. The
    poor review's open escalation takes the plan's severity in the same transaction."""
    if not may_manage_plan(plan, by):
        raise PermissionDenied
    for name, value in fields.items():
        if name not in PLAN_FIELDS:
            raise ValidationError({name: _("This field cannot be changed here.")})
        setattr(plan, name, value)
    plan.updated_at = timezone.now()
    plan.full_clean()
    plan.save()
    if "severity" in fields:
        escalation_change_severity_for(
            subject=plan.review, reason=EscalationReason.POOR_REVIEW, severity=plan.severity, by=by
        )
    return plan


@transaction.atomic
def action_add(
    *,
    plan: CorrectiveActionPlan,
    by: User,
    description: str,
    due_date: date,
    owner_user: User | None = None,
    owner_contact: Contact | None = None,
) -> CorrectiveAction:
    if not may_manage_plan(plan, by):
        raise PermissionDenied
    if plan.status != PlanStatus.OPEN:
        raise DomainError(_("The plan is closed."), code="plan_closed")
    if owner_user is None and owner_contact is None:
        raise ValidationError({"owner_user": _("An action has an owner, ours or theirs.")})
    if owner_contact is not None and owner_contact.supplier_id != plan.supplier_id:
        raise ValidationError({"owner_contact": _("Choose a contact of this supplier.")})
    action = CorrectiveAction(
        plan=plan,
        description=description.strip(),
        due_date=due_date,
        owner_user=owner_user,
        owner_contact=owner_contact,
    )
    action.full_clean()
    action.save()
    if owner_user is not None and owner_user != by:
        notification_create(
            recipient=owner_user,
            kind=NotificationKind.CORRECTIVE_ACTION,
            subject=action,
            occasion="assigned",
            title=LazyFormat(
                gettext_lazy("Corrective action for %(supplier)s by %(due)s: %(what)s"),
                supplier=plan.supplier.name,
                due=due_date.isoformat(),
                what=action.description,
            ),
            url=plan.get_absolute_url(),
        )
    plan.updated_at = timezone.now()
    plan.save(update_fields=["updated_at"])
    return action


@transaction.atomic
def action_set_status(*, action: CorrectiveAction, by: User, status: str) -> CorrectiveAction:
    plan = action.plan
    if not (
        may_manage_plan(plan, by)
        or (action.owner_user_id == by.pk and user_can(by, Capability.CHANGE_DATA))
    ):
        raise PermissionDenied
    if status not in ActionStatus.values:
        raise ValidationError({"status": _("Unknown status.")})
    updated = (
        CorrectiveAction.objects.filter(pk=action.pk)
        .exclude(status=status)
        .update(status=status, completed_at=timezone.now() if status == ActionStatus.DONE else None)
    )
    if updated:
        CorrectiveActionPlan.objects.filter(pk=plan.pk).update(updated_at=timezone.now())
    action.refresh_from_db()
    return action


@transaction.atomic
def plan_verify(
    *,
    plan: CorrectiveActionPlan,
    by: User,
    effective: bool,
    note: str,
    review: Review | None = None,
) -> CorrectiveActionPlan:
    """Closes a plan at a later review: its actions worked, or they did not."""
    if not may_manage_plan(plan, by):
        raise PermissionDenied
    if not note.strip():
        raise ValidationError({"verification_note": _("Say what was verified.")})
    plan = CorrectiveActionPlan.objects.select_for_update().get(pk=plan.pk)
    if plan.status != PlanStatus.OPEN:
        raise DomainError(_("The plan is verified already."), code="plan_closed")
    if review is None:
        review = (
            Review.objects.filter(
                supplier_id=plan.supplier_id, period_start__gt=plan.review.period_end
            )
            .order_by("period_start")
            .first()
        )
    if (
        review is None
        or review.supplier_id != plan.supplier_id
        or review.period_start <= plan.review.period_end
    ):
        raise ValidationError(
            {"review": _("A plan is verified at a later review of the same supplier.")}
        )
    now = timezone.now()
    plan.status = PlanStatus.VERIFIED if effective else PlanStatus.NOT_EFFECTIVE
    plan.verified_in = review
    plan.verified_by = by
    plan.verified_at = now
    plan.verification_note = note.strip()
    plan.updated_at = now
    plan.save()
    if effective:
        escalation_resolve_for(
            subject=plan.review,
            reason=EscalationReason.POOR_REVIEW,
            note=_("The corrective actions were verified as effective."),
        )
    return plan
