"""Every read of RFPs that pages, the API, the admin and downloads share.

The sealed rule lives here and only here: the buying side reads a proposal's content (prices,
answers, files) only from ``ProposalRevision.objects.opened(now)``, revisions whose round's
deadline has passed by the server's clock. Before that, ``response_list`` tells who responded
and when, and nothing else: no query on the buying side loads a sealed revision or draft.
That holds for superusers and the RFP's owner as much as anyone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from django.db.models import F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from accounts.models import User
from accounts.roles import ROLE_CAPABILITIES, Capability, Role, user_can
from rfps.choices import RfpStatus
from rfps.models import (
    Clarification,
    Criterion,
    Evaluation,
    Invitation,
    Proposal,
    ProposalAttachment,
    ProposalRevision,
    Rfp,
    Round,
    Score,
)
from rfps.permissions import is_panel_member
from suppliers.choices import SupplierStatus
from suppliers.models import Supplier
from suppliers.selectors import AnyUser, supplier_visible

# Who sits on evaluation panels: the people who judge suppliers, not administrators or
# machines.
PANEL_ROLES = (Role.PROCUREMENT_MANAGER, Role.ACCOUNT_MANAGER, Role.EXECUTIVE)


def rfp_visible(*, user: AnyUser) -> QuerySet[Rfp]:
    """Procurement managers read every RFP; others only those they own or evaluate."""
    if not user.is_authenticated or not user.is_active:
        return Rfp.objects.none()
    if user_can(user, Capability.RUN_RFPS):
        return Rfp.objects.all()
    ids = Rfp.objects.filter(Q(owner=user) | Q(panel=user)).values("pk")
    return Rfp.objects.filter(pk__in=ids)


def criterion_visible(*, user: AnyUser) -> QuerySet[Criterion]:
    """The criteria of the RFPs ``user`` may see."""
    return Criterion.objects.filter(rfp__in=rfp_visible(user=user))


def rfp_list(*, user: AnyUser, filters: Mapping[str, Any] | None = None) -> QuerySet[Rfp]:
    # The deadline that matters now: the latest round's, else the RFP's own (a draft).
    latest_round = Round.objects.filter(rfp=OuterRef("pk")).order_by("-number")
    queryset = (
        rfp_visible(user=user)
        .select_related("owner", "category")
        .annotate(
            current_deadline=Coalesce(Subquery(latest_round.values("deadline")[:1]), F("deadline"))
        )
        .order_by("-created_at", "-id")
    )
    if filters is not None:
        from rfps.filtersets import RfpFilterSet

        queryset = RfpFilterSet(filters, queryset=queryset).qs
    return queryset


def rfp_get(*, user: AnyUser, pk: int) -> Rfp:
    """The RFP with its lines, questions, criteria, panel, rounds and their shortlists (six
    more queries at most)."""
    queryset = rfp_list(user=user).prefetch_related(
        "lines", "questions", "criteria", "panel", "rounds", "rounds__shortlist"
    )
    try:
        return queryset.get(pk=pk)
    except (Rfp.DoesNotExist, ValueError):
        raise Http404 from None


def _people_in(roles: list[str], *, superusers: bool) -> QuerySet[User]:
    members = User.groups.through.objects.filter(group__name__in=roles).values("user_id")
    who = Q(pk__in=members) | Q(is_superuser=True) if superusers else Q(pk__in=members)
    return User.objects.filter(who, is_active=True).order_by("username")


def rfp_owner_candidate_list(*, user: AnyUser) -> QuerySet[User]:
    """People who may own an RFP: active, with a role that runs RFPs (never an integration
    account, which only syncs the ERP). Empty for someone who does not run RFPs."""
    if not user_can(user, Capability.RUN_RFPS):
        return User.objects.none()
    roles = [role.value for role, caps in ROLE_CAPABILITIES.items() if Capability.RUN_RFPS in caps]
    return _people_in(roles, superusers=True)


def rfp_panel_candidate_list(*, user: AnyUser) -> QuerySet[User]:
    """People who may sit on an RFP's evaluation panel (see PANEL_ROLES), active."""
    if not user_can(user, Capability.RUN_RFPS):
        return User.objects.none()
    return _people_in([role.value for role in PANEL_ROLES], superusers=False)


def rfp_invitable_supplier_list(
    *, user: AnyUser, invited: Sequence[int] = ()
) -> QuerySet[Supplier]:
    """Suppliers the user may invite: visible, not offboarded, not excluded after a very poor
    review; plus those already ``invited`` to the draft, so that the form shows them (the
    service then says why one may no longer be invited)."""
    visible = supplier_visible(user=user)
    invitable = Q(excluded_from_rfps=False) & ~Q(status=SupplierStatus.OFFBOARDED)
    return visible.filter(invitable | Q(pk__in=list(invited))).order_by("name")


def invitation_list(*, user: AnyUser, rfp: Rfp | None = None) -> QuerySet[Invitation]:
    queryset = Invitation.objects.filter(rfp__in=rfp_visible(user=user)).select_related(
        "supplier", "contact", "rfp"
    )
    if rfp is not None:
        queryset = queryset.filter(rfp=rfp)
    return queryset.order_by("rfp_id", "supplier__name", "id")


def invitation_list_for_supplier(
    *, user: AnyUser, supplier: Supplier, limit: int = 10
) -> list[Invitation]:
    """The supplier's latest RFP invitations the user may see, with the RFP and its award
    (one query); what it offered is not loaded."""
    return list(
        Invitation.objects.filter(rfp__in=rfp_visible(user=user), supplier=supplier)
        .exclude(rfp__status=RfpStatus.DRAFT)
        .select_related("rfp", "rfp__award")
        .order_by("-rfp__deadline", "-id")[:limit]
    )


def response_list(*, user: AnyUser, rfp: Rfp) -> list[dict[str, Any]]:
    """Who responded in which round and when: all that anyone sees of a sealed proposal."""
    return list(
        Proposal.objects.filter(rfp__in=rfp_visible(user=user), rfp=rfp, submitted_at__isnull=False)  # type: ignore[arg-type]
        .values("invitation_id", "round__number", "submitted_at")
        .order_by("round__number", "submitted_at")
    )


def revision_opened(*, user: AnyUser, now: datetime | None = None) -> QuerySet[ProposalRevision]:
    """Submitted revisions the user may read: of RFPs they see, past their round's deadline."""
    now = now or timezone.now()
    return ProposalRevision.objects.opened(now).filter(proposal__rfp__in=rfp_visible(user=user))


def proposal_list(
    *, user: AnyUser, filters: Mapping[str, Any] | None = None, now: datetime | None = None
) -> QuerySet[Proposal]:
    """Submitted proposals of the RFPs the user sees. Each carries ``opened_revisions``: every
    version when its round's deadline has passed, none while it is sealed. The draft is never
    loaded."""
    now = now or timezone.now()
    queryset = (
        Proposal.objects.filter(rfp__in=rfp_visible(user=user), submitted_at__isnull=False)
        .defer("draft")
        .select_related("invitation__supplier", "round", "rfp")
        .prefetch_related(
            Prefetch(
                "revisions",
                queryset=ProposalRevision.objects.opened(now)
                .select_related("entered_by")
                .order_by("number"),
                to_attr="opened_revisions",
            )
        )
        .order_by("rfp_id", "round__number", "invitation__supplier__name", "id")
    )
    if filters is not None:
        from rfps.filtersets import ProposalFilterSet

        queryset = ProposalFilterSet(filters, queryset=queryset).qs
    return queryset


def attachment_get_for_buyer(*, user: AnyUser, pk: int) -> ProposalAttachment:
    """A file of a submitted version the user may read, past the deadline; else 404."""
    attachment = (
        ProposalAttachment.objects.filter(
            pk=pk,
            proposal__rfp__in=rfp_visible(user=user),
            proposal__round__deadline__lte=timezone.now(),
        )
        .select_related("proposal")
        .first()
    )
    if attachment is None or not _named_in_revision(attachment):
        raise Http404
    return attachment


def _named_in_revision(attachment: ProposalAttachment) -> bool:
    return any(
        item["id"] == attachment.pk and item["sha256"] == attachment.sha256
        for content in attachment.proposal.revisions.values_list("content", flat=True)
        for item in content["attachments"]
    )


# --- The supplier's side, through their link -------------------------------------------------


def own_proposals(*, invitation: Invitation) -> QuerySet[Proposal]:
    """The supplier's own proposals, every round, with their versions and files."""
    return (
        Proposal.objects.filter(invitation=invitation)
        .select_related("round")
        .prefetch_related(
            Prefetch("revisions", queryset=ProposalRevision.objects.order_by("-number")),
            Prefetch("attachments", queryset=ProposalAttachment.objects.order_by("uploaded_at")),
        )
        .order_by("-round__number")
    )


def own_attachment(*, invitation: Invitation, pk: int) -> ProposalAttachment:
    attachment = ProposalAttachment.objects.filter(pk=pk, proposal__invitation=invitation).first()
    if attachment is None:
        raise Http404
    return attachment


def clarification_public_list(*, rfp: Rfp) -> QuerySet[Clarification]:
    """Answered questions as every invitee sees them: the asker is not loaded."""
    return (
        Clarification.objects.filter(rfp=rfp, answered_at__isnull=False)
        .only("id", "question", "answer", "asked_at", "answered_at")
        .order_by("answered_at", "id")
    )


def clarification_list(*, user: AnyUser, rfp: Rfp) -> QuerySet[Clarification]:
    return (
        Clarification.objects.filter(rfp__in=rfp_visible(user=user), rfp=rfp)
        .select_related("asked_by__supplier", "answered_by")
        .order_by("asked_at", "id")
    )


# --- Panel scoring ---------------------------------------------------------------------------


def sees_panel_scores(user: AnyUser, rfp: Rfp) -> bool:
    """Whether the user may see the panel's submitted scores: anyone who reads the RFP and is
    not on its panel, and panel members once they have submitted their own sheet."""
    if not is_panel_member(user, rfp):
        return True
    return rfp.evaluations.filter(evaluator_id=user.pk, submitted_at__isnull=False).exists()


def scorable_invitations(rfp: Rfp) -> QuerySet[Invitation]:
    """Suppliers with a submitted proposal in a round whose deadline has passed."""
    return (
        rfp.invitations.filter(
            proposals__submitted_at__isnull=False,
            proposals__round__deadline__lte=timezone.now(),
        )
        .distinct()
        .select_related("supplier")
        .order_by("supplier__name", "id")
    )


def awardable_invitations(rfp: Rfp) -> QuerySet[Invitation]:
    """The scorable suppliers that may win, or be shortlisted for a negotiation round: not
    those excluded from RFPs after a very poor review."""
    return scorable_invitations(rfp).filter(supplier__excluded_from_rfps=False)


def score_list(*, user: AnyUser, rfp: Rfp | None = None) -> QuerySet[Score]:
    """Scores the user may read: their own, always; others' submitted ones once they have
    submitted theirs. Readers not on the panel (owner, procurement) see submitted sheets."""
    queryset = Score.objects.filter(evaluation__rfp__in=rfp_visible(user=user)).select_related(
        "evaluation__evaluator", "criterion", "invitation__supplier"
    )
    if rfp is not None:
        queryset = queryset.filter(evaluation__rfp=rfp)
    if not user.is_authenticated:
        return queryset.none()
    own_sheet = Evaluation.objects.filter(evaluator_id=user.pk)
    # Others' submitted sheets, on RFPs where the user is on the panel only if submitted.
    open_to_me = Q(evaluation__submitted_at__isnull=False) & (
        ~Q(evaluation__rfp__in=Rfp.objects.filter(panel__pk=user.pk).values("pk"))
        | Q(evaluation__rfp__in=own_sheet.filter(submitted_at__isnull=False).values("rfp"))
    )
    return queryset.filter(Q(evaluation__evaluator_id=user.pk) | open_to_me).order_by(
        "evaluation__rfp_id", "invitation__supplier__name", "criterion__position", "id"
    )
