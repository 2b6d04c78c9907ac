"""Corrective action plans: opened by a poor review, given actions with owners and due dates
and the supplier's response, and verified at a later review."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from core.exceptions import DomainError
from core.text import LazyFormat
from escalations.choices import EscalationReason, Severity
from escalations.messages import plan_verified_resolution
from escalations.services import escalation_change_severity_for, escalation_resolve_for
from notifications.choices import NotificationKind
from notifications.services import notification_create
from reviews.choices import (
    ACTION_TRANSITIONS,
    PLAN_ACTIONS,
    ActionStatus,
    PlanAction,
    PlanStatus,
    Standing,
)
from reviews.models import CorrectiveAction, CorrectiveActionPlan, CriterionResult, Review
from reviews.permissions import may_manage_plan, may_set_action_status
from suppliers.models import Contact
from suppliers.selectors import owner_candidate_list
from webhooks.events import emit


class PlanClosedError(DomainError):
    code = "plan_closed"


def _check_open(plan: CorrectiveActionPlan, action: PlanAction) -> None:
    """The lifecycle's answer (choices.PLAN_ACTIONS): a verified plan is closed for good."""
    if action not in PLAN_ACTIONS[plan.status]:
        raise PlanClosedError(_("The plan is closed."))


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
    if created:
        emit("plan.opened", plan)
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


@transaction.atomic
def plan_update(
    *,
    plan: CorrectiveActionPlan,
    by: User,
    problem: str | None = None,
    severity: str | None = None,
    root_cause: str | None = None,
    supplier_response: str | None = None,
) -> CorrectiveActionPlan:
    """Records the plan's problem, severity, root cause and the supplier's response (None:
    unchanged). The poor review's open escalation takes the plan's severity in the same
    transaction."""
    if not may_manage_plan(by, plan):
        raise PermissionDenied
    _check_open(plan, PlanAction.CHANGE)
    given = {
        "problem": problem,
        "severity": severity,
        "root_cause": root_cause,
        "supplier_response": supplier_response,
    }
    for name, value in given.items():
        if value is not None:
            setattr(plan, name, value)
    plan.updated_at = timezone.now()
    plan.full_clean()
    plan.save()
    if severity is not None:
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
    if not may_manage_plan(by, plan):
        raise PermissionDenied
    _check_open(plan, PlanAction.ADD_ACTION)
    if owner_user is None and owner_contact is None:
        raise ValidationError({"owner_user": _("An action has an owner, ours or theirs.")})
    if owner_contact is not None and owner_contact.supplier_id != plan.supplier_id:
        raise ValidationError({"owner_contact": _("Choose a contact of this supplier.")})
    people = owner_candidate_list(user=by)
    if owner_user is not None and not people.filter(pk=owner_user.pk).exists():
        raise ValidationError({"owner_user": _("Choose one of our people who may own things.")})
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
    """Marks an action done or cancelled, or open again (choices.ACTION_TRANSITIONS); by the
    plan's managers or the action's owner. Setting the status it has changes nothing."""
    plan = action.plan
    if not may_set_action_status(by, action):
        raise PermissionDenied
    if status not in ActionStatus.values:
        raise ValidationError({"status": _("Unknown status.")})
    action = CorrectiveAction.objects.select_for_update().get(pk=action.pk)
    if status == action.status:
        return action
    if status not in ACTION_TRANSITIONS[action.status]:
        raise ValidationError(
            {"status": _("An action that is done or cancelled is opened again first.")}
        )
    action.status = status
    action.completed_at = timezone.now() if status == ActionStatus.DONE else None
    action.save(update_fields=["status", "completed_at"])
    CorrectiveActionPlan.objects.filter(pk=plan.pk).update(updated_at=timezone.now())
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
    if not may_manage_plan(by, plan):
        raise PermissionDenied
    if not note.strip():
        raise ValidationError({"verification_note": _("Say what was verified.")})
    plan = CorrectiveActionPlan.objects.select_for_update().get(pk=plan.pk)
    if PlanAction.VERIFY not in PLAN_ACTIONS[plan.status]:
        raise PlanClosedError(_("The plan is verified already."))
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
    emit("plan.verified", plan, extra={"effective": effective, "verified_in_id": review.pk})
    if effective:
        escalation_resolve_for(
            subject=plan.review,
            reason=EscalationReason.POOR_REVIEW,
            note=plan_verified_resolution(),
        )
    return plan
