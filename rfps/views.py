"""RFP pages on the buying side: the list, the create and edit flow, the RFP page with its
timeline, publish / cancel / close, questions to answer, proposals entered on a supplier's
behalf, scoring, the comparison, negotiation rounds and the award. Each view parses input,
calls one selector or service, and renders; the sealed rule is in rfps.selectors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from accounts.models import User
from accounts.permissions import CapabilityRequiredMixin
from accounts.roles import Capability
from core.currencies import default_currency
from core.exceptions import DomainError
from core.forms import apply_errors
from core.pages import paginate
from rfps import forms, permissions, selectors
from rfps.comparison import comparison_build
from rfps.models import Award, Clarification, Rfp
from rfps.services import award as award_services
from rfps.services import evaluation, invitations, responses
from rfps.services import rfp as services


def _actor(request: HttpRequest) -> User:
    return cast(User, request.user)


def _rfp_for(request: HttpRequest, pk: int, may: Callable[[Any, Rfp], bool]) -> Rfp:
    """The RFP, if the user sees it (else 404) and ``may`` act on it (else 403)."""
    rfp = selectors.rfp_get(user=request.user, pk=pk)
    if not may(request.user, rfp):
        raise PermissionDenied
    return rfp


class RfpListView(CapabilityRequiredMixin, View):
    required_capability = Capability.USE_PAGES

    def get(self, request: HttpRequest) -> HttpResponse:
        rfps = selectors.rfp_list(user=request.user, filters=request.GET)
        page = paginate(request, rfps)
        filter_form = forms.rfp_filter_form(request.GET or None, user=request.user)
        return render(
            request,
            "rfps/rfp_list.html",
            {
                "page_obj": page,
                "rfps": list(page.object_list),
                "filter_form": filter_form,
                "filters_applied": any(
                    value for name in filter_form.fields for value in request.GET.getlist(name)
                ),
                "may_create": permissions.may_run_rfps(request.user),
            },
        )


class RfpFormView(CapabilityRequiredMixin, View):
    """Create a draft RFP, or edit one: details, line items, questions, criteria, invitees
    and panel on one page."""

    required_capability = Capability.RUN_RFPS
    template = "rfps/rfp_form.html"

    def _rfp(self, pk: int | None) -> Rfp | None:
        if pk is None:
            if not permissions.may_run_rfps(self.request.user):
                raise PermissionDenied
            return None
        return _rfp_for(self.request, pk, permissions.may_manage)

    def get(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        rfp = self._rfp(pk)
        initial = (
            {"owner": request.user.pk, "currency": default_currency()} if rfp is None else None
        )
        form = forms.RfpForm(instance=rfp, initial=initial, user=request.user)
        return render(
            request, self.template, {"form": form, "rfp": rfp, **forms.formsets(None, rfp)}
        )

    def post(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        rfp = self._rfp(pk)
        form = forms.RfpForm(request.POST, instance=rfp, user=request.user)
        sets = forms.formsets(request.POST, rfp)
        status = 200
        if form.is_valid() and all(s.is_valid() for s in sets.values()):
            data = forms.rfp_input(form, sets)
            try:
                if rfp is None:
                    rfp = services.rfp_create(by=_actor(request), data=data)
                else:
                    rfp = services.rfp_update(rfp=rfp, by=_actor(request), data=data)
            except ValidationError as error:
                apply_errors(form, error)
            except DomainError as error:
                apply_errors(form, error)
                status = 409
            else:
                messages.success(request, _("The RFP is saved as a draft."))
                return redirect(rfp)
        if rfp is not None:
            rfp.refresh_from_db()
        return render(request, self.template, {"form": form, "rfp": rfp, **sets}, status=status)


def _detail_context(request: HttpRequest, rfp: Rfp, **extra: Any) -> dict[str, Any]:
    user = _actor(request)
    now = timezone.now()
    responses_by_invitation: dict[int, list[dict[str, Any]]] = {}
    for row in selectors.response_list(user=user, rfp=rfp):
        responses_by_invitation.setdefault(row["invitation_id"], []).append(row)
    invitations = list(selectors.invitation_list(user=user, rfp=rfp))
    for invitation in invitations:
        invitation.responses = responses_by_invitation.get(invitation.pk, [])  # type: ignore[attr-defined]
        # The RFP as loaded here, with its rounds and shortlists: its allowed actions then
        # run no query per invitation.
        invitation.rfp = rfp
    rounds = list(rfp.rounds.all())
    current = rounds[-1] if rounds else None
    return {
        "rfp": rfp,
        "invitations": invitations,
        "rounds": rounds,
        "current_round": current,
        "sealed": current is not None and current.is_sealed(now),
        "clarifications": list(selectors.clarification_list(user=user, rfp=rfp)),
        "award": (
            Award.objects.select_related("invitation__supplier", "contract").get(rfp=rfp)
            if rfp.is_awarded
            else None
        ),
        **extra,
    }


class RfpDetailView(CapabilityRequiredMixin, View):
    required_capability = Capability.USE_PAGES

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        rfp = selectors.rfp_get(user=request.user, pk=pk)
        return render(request, "rfps/rfp_detail.html", _detail_context(request, rfp))


class RfpActionView(CapabilityRequiredMixin, View):
    """Publish, cancel or close: one button each on the RFP page."""

    required_capability = Capability.RUN_RFPS
    action = ""

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        rfp = _rfp_for(request, pk, permissions.may_manage)
        act = {
            "publish": services.rfp_publish,
            "cancel": services.rfp_cancel,
            "close": services.rfp_close,
        }[self.action]
        try:
            act(rfp=rfp, by=_actor(request))
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            done = {
                "publish": _("Published: the invitations are on their way."),
                "cancel": _("The RFP is cancelled; the invitees are told."),
                "close": _("The RFP is closed: the proposals are open."),
            }
            messages.success(request, done[self.action])
        return redirect(rfp)


class ClarificationAnswerView(CapabilityRequiredMixin, View):
    required_capability = Capability.RUN_RFPS

    def post(self, request: HttpRequest, pk: int, clarification_id: int) -> HttpResponse:
        rfp = _rfp_for(request, pk, permissions.may_answer)
        clarification = get_object_or_404(Clarification, pk=clarification_id, rfp=rfp)
        form = forms.AnswerForm(request.POST)
        try:
            if not form.is_valid():
                raise ValidationError(list(form.errors["answer"]))
            responses.clarification_answer(
                clarification=clarification,
                by=_actor(request),
                answer=form.cleaned_data["answer"],
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Answered: every invitee receives it."))
        return redirect(rfp.get_absolute_url() + "#clarifications")


class InvitationResendView(CapabilityRequiredMixin, View):
    """Sends a supplier its link again, to the pinned address: the buyer never holds it."""

    required_capability = Capability.RUN_RFPS

    def post(self, request: HttpRequest, pk: int, invitation_id: int) -> HttpResponse:
        rfp = _rfp_for(request, pk, permissions.may_manage)
        invitation = get_object_or_404(
            selectors.invitation_list(user=request.user, rfp=rfp), pk=invitation_id
        )
        try:
            email = invitations.invitation_resend(invitation=invitation, by=_actor(request))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                _("The invitation is sent again to %(email)s.") % {"email": email},
            )
        return redirect(rfp)


class ProposalEnterView(CapabilityRequiredMixin, View):
    """A proposal a supplier sent by email, entered by a buyer before the deadline."""

    required_capability = Capability.RUN_RFPS
    template = "rfps/proposal_enter.html"

    def _load(self, request: HttpRequest, pk: int, invitation_id: int) -> tuple[Rfp, Any]:
        rfp = _rfp_for(request, pk, permissions.may_manage)
        invitation = get_object_or_404(
            selectors.invitation_list(user=request.user, rfp=rfp), pk=invitation_id
        )
        return rfp, invitation

    def get(self, request: HttpRequest, pk: int, invitation_id: int) -> HttpResponse:
        rfp, invitation = self._load(request, pk, invitation_id)
        if invitation.link_used_at is not None:
            messages.error(
                request,
                _("%(supplier)s responds through its own link: no one enters a proposal for it.")
                % {"supplier": invitation.supplier.name},
            )
            return redirect(rfp)
        form = forms.ProposalEnterForm(rfp=rfp)
        return render(request, self.template, {"rfp": rfp, "invitation": invitation, "form": form})

    def post(self, request: HttpRequest, pk: int, invitation_id: int) -> HttpResponse:
        rfp, invitation = self._load(request, pk, invitation_id)
        form = forms.ProposalEnterForm(request.POST, request.FILES, rfp=rfp)
        status = 400
        if form.is_valid():
            upload = form.cleaned_data.get("file")
            try:
                revision = responses.proposal_enter_on_behalf(
                    invitation=invitation,
                    by=_actor(request),
                    prices=form.prices(),
                    answers=form.answers(),
                    uploads=[upload] if upload else [],
                )
            except ValidationError as error:
                apply_errors(form, error)
            except DomainError as error:
                apply_errors(form, error)
                status = 409
            else:
                messages.success(
                    request,
                    _("Entered for %(supplier)s. Receipt: %(sha)s")
                    % {"supplier": invitation.supplier.name, "sha": revision.sha256},
                )
                return redirect(rfp)
        return render(
            request,
            self.template,
            {"rfp": rfp, "invitation": invitation, "form": form},
            status=status,
        )


class AttachmentDownloadView(CapabilityRequiredMixin, View):
    """A proposal's file for the buying side: only past the deadline (the sealed rule)."""

    required_capability = Capability.USE_PAGES

    def get(self, request: HttpRequest, pk: int, attachment_id: int) -> FileResponse:
        attachment = selectors.attachment_get_for_buyer(user=request.user, pk=attachment_id)
        if attachment.proposal.rfp_id != pk:
            raise PermissionDenied
        return FileResponse(
            attachment.file.open("rb"),
            as_attachment=True,
            filename=attachment.name,
            content_type=attachment.mime,
        )


class ComparisonView(CapabilityRequiredMixin, View):
    required_capability = Capability.USE_PAGES

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        rfp = selectors.rfp_get(user=request.user, pk=pk)
        comparison = comparison_build(user=request.user, rfp=rfp)
        return render(
            request,
            "rfps/rfp_compare.html",
            {
                "rfp": rfp,
                "comparison": comparison,
                "columns": comparison.columns,
            },
        )


class ScoreSheetView(CapabilityRequiredMixin, View):
    """A panel member's own sheet; the others' scores appear once theirs is submitted."""

    required_capability = Capability.USE_PAGES
    template = "rfps/rfp_score.html"

    def _context(self, request: HttpRequest, rfp: Rfp, form: Any = None) -> dict[str, Any]:
        user = _actor(request)
        invitations = list(selectors.scorable_invitations(rfp))
        criteria = [c for c in rfp.criteria.all() if not c.is_price]
        visible = list(selectors.score_list(user=user, rfp=rfp))
        own = {
            (s.invitation_id, s.criterion_id): s
            for s in visible
            if s.evaluation.evaluator_id == user.pk
        }
        sheet = rfp.evaluations.filter(evaluator=user).first()
        form = form or forms.ScoreSheetForm(
            invitations=invitations, criteria=criteria, initial_scores=own
        )
        return {
            "rfp": rfp,
            "form": form,
            "sheet": sheet,
            "submitted": sheet is not None and sheet.submitted_at is not None,
            "others": [s for s in visible if s.evaluation.evaluator_id != user.pk],
            "invitations": invitations,
            "criteria": criteria,
        }

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        rfp = _rfp_for(request, pk, permissions.may_score)
        return render(request, self.template, self._context(request, rfp))

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        rfp = _rfp_for(request, pk, permissions.may_score)
        context = self._context(request, rfp)
        form = forms.ScoreSheetForm(
            request.POST,
            invitations=context["invitations"],
            criteria=context["criteria"],
            initial_scores={},
        )
        if form.is_valid():
            try:
                self._save(request, rfp, form)
            except (DomainError, ValidationError) as error:
                apply_errors(form, error)
            else:
                submitted = "submit" in request.POST
                messages.success(
                    request,
                    _("Your scores are submitted.") if submitted else _("Your scores are saved."),
                )
                return redirect("rfps:rfp_score", pk=rfp.pk)
        return render(request, self.template, self._context(request, rfp, form), status=400)

    @transaction.atomic
    def _save(self, request: HttpRequest, rfp: Rfp, form: forms.ScoreSheetForm) -> None:
        user = _actor(request)
        for invitation, criterion, score_name, comment_name in form.cells:
            value = form.cleaned_data.get(score_name)
            if value is not None:
                evaluation.score_set(
                    rfp=rfp,
                    by=user,
                    invitation=invitation,
                    criterion=criterion,
                    value=value,
                    comment=form.cleaned_data.get(comment_name) or "",
                )
        if "submit" in request.POST:
            evaluation.evaluation_submit(rfp=rfp, by=user)


class RoundCreateView(CapabilityRequiredMixin, View):
    required_capability = Capability.RUN_RFPS
    template = "rfps/round_form.html"

    def _form(self, request: HttpRequest, rfp: Rfp, data: Any = None) -> forms.RoundForm:
        return forms.RoundForm(data, invitations=selectors.awardable_invitations(rfp))

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        rfp = _rfp_for(request, pk, permissions.may_manage)
        return render(request, self.template, {"rfp": rfp, "form": self._form(request, rfp)})

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        rfp = _rfp_for(request, pk, permissions.may_manage)
        form = self._form(request, rfp, request.POST)
        if form.is_valid():
            try:
                round_ = services.round_open(
                    rfp=rfp,
                    by=_actor(request),
                    shortlist=list(form.cleaned_data["shortlist"]),
                    deadline=form.cleaned_data["deadline"],
                    note=form.cleaned_data["note"],
                )
            except (DomainError, ValidationError) as error:
                apply_errors(form, error)
            else:
                messages.success(
                    request, _("Round %(n)s is open until its deadline.") % {"n": round_.number}
                )
                return redirect(rfp)
        return render(request, self.template, {"rfp": rfp, "form": form}, status=400)


class AwardView(CapabilityRequiredMixin, View):
    required_capability = Capability.RUN_RFPS
    template = "rfps/rfp_award.html"

    def _context(self, request: HttpRequest, rfp: Rfp, data: Any = None) -> dict[str, Any]:
        comparison = comparison_build(user=request.user, rfp=rfp)
        form = forms.AwardForm(data, invitations=selectors.awardable_invitations(rfp))
        return {"rfp": rfp, "form": form, "columns": comparison.columns}

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        rfp = _rfp_for(request, pk, permissions.may_award)
        return render(request, self.template, self._context(request, rfp))

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        rfp = _rfp_for(request, pk, permissions.may_award)
        context = self._context(request, rfp, request.POST)
        form = context["form"]
        if form.is_valid():
            try:
                award = award_services.rfp_award(
                    rfp=rfp,
                    by=_actor(request),
                    invitation=form.cleaned_data["invitation"],
                    rationale=form.cleaned_data["rationale"],
                )
            except (DomainError, ValidationError) as error:
                apply_errors(form, error)
            else:
                messages.success(
                    request,
                    _("Awarded: draft contract %(number)s is created.")
                    % {"number": award.contract.number if award.contract else ""},
                )
                return redirect(rfp)
        return render(request, self.template, context, status=400)
