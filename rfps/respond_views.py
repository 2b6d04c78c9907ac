"""The supplier's pages, reached through the signed link in their invitation, without an
account (login_not_required), and never by a signed-in user of ours (403). A forged or
changed token gets a 404; an expired one a 410.
After the deadline the link reads (the RFP, the answers, their own versions and receipts)
and submits nothing; the services refuse it too, whatever the page shows."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import never_cache

from core.exceptions import DomainError
from core.forms import apply_errors
from rfps import forms, selectors
from rfps.links import LinkAccess, current_round, invitation_from_token, link_access
from rfps.models import Invitation
from rfps.services import responses

TEMPLATE = "rfps/respond.html"


def _invitation(token: str) -> tuple[Invitation, LinkAccess]:
    invitation = invitation_from_token(token)
    if invitation is None:
        raise Http404
    return invitation, link_access(invitation)


def _expired(request: HttpRequest) -> HttpResponse:
    return render(request, "rfps/respond_expired.html", status=410)


def link_view(method: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Resolves the token into the invitation and what the link may do now. A signed-in
    session is one of ours, the buying side's: it is refused before the token is read."""

    @wraps(method)
    def wrapped(self: View, request: HttpRequest, token: str, **kwargs: Any) -> HttpResponseBase:
        if request.user.is_authenticated:
            return render(request, "rfps/respond_signed_in.html", status=403)
        invitation, access = _invitation(token)
        if access == LinkAccess.EXPIRED:
            return _expired(request)
        return method(self, request, token, invitation, access, **kwargs)

    return wrapped


def _context(
    invitation: Invitation, access: LinkAccess, token: str, **extra: Any
) -> dict[str, Any]:
    proposals = list(selectors.own_proposals(invitation=invitation))
    round_ = current_round(invitation)
    draft = next((p for p in proposals if p.round_id == getattr(round_, "pk", None)), None)
    return {
        "invitation": invitation,
        "rfp": invitation.rfp,
        "token": token,
        "access": access.value,
        "may_respond": access == LinkAccess.RESPOND,
        "round": round_,
        "proposals": proposals,
        "draft": draft,
        "draft_attachments": [a for a in draft.attachments.all() if a.in_draft] if draft else [],
        "clarifications": list(selectors.clarification_public_list(rfp=invitation.rfp)),
        "response_form": extra.pop("response_form", None)
        or forms.ResponseForm(rfp=invitation.rfp, draft=draft.draft if draft else None),
        "attachment_form": extra.pop("attachment_form", None) or forms.AttachmentForm(),
        "ask_form": extra.pop("ask_form", None) or forms.AskForm(),
        "decline_form": extra.pop("decline_form", None) or forms.DeclineForm(),
        **extra,
    }


@method_decorator([login_not_required, never_cache], name="dispatch")
class RespondView(View):
    """The RFP, the supplier's draft (prices, answers, files), and their submitted versions."""

    @link_view
    def get(
        self, request: HttpRequest, token: str, invitation: Invitation, access: LinkAccess
    ) -> HttpResponse:
        responses.invitation_view(invitation=invitation)
        return render(request, TEMPLATE, _context(invitation, access, token))

    @link_view
    def post(
        self, request: HttpRequest, token: str, invitation: Invitation, access: LinkAccess
    ) -> HttpResponse:
        form = forms.ResponseForm(request.POST, rfp=invitation.rfp)
        status = 400
        if form.is_valid():
            try:
                responses.proposal_save_draft(
                    invitation=invitation, prices=form.prices(), answers=form.answers()
                )
                if "submit" in request.POST:
                    revision = responses.proposal_submit(invitation=invitation)
                    messages.success(
                        request,
                        _("Submitted: version %(n)s. Your receipt (SHA-256): %(sha)s")
                        % {"n": revision.number, "sha": revision.sha256},
                    )
                else:
                    messages.success(request, _("Draft saved. It is not submitted yet."))
                return redirect("rfps:respond", token=token)
            except ValidationError as error:
                apply_errors(form, error)
            except DomainError as error:
                apply_errors(form, error)
                status = 409
        context = _context(invitation, access, token, response_form=form)
        return render(request, TEMPLATE, context, status=status)


@method_decorator([login_not_required, never_cache], name="dispatch")
class RespondActionView(View):
    """Attach or remove a file, ask a question, decline: each a small form on the page."""

    action = ""

    @link_view
    def post(
        self, request: HttpRequest, token: str, invitation: Invitation, access: LinkAccess
    ) -> HttpResponse:
        form_class = {
            "attach": forms.AttachmentForm,
            "ask": forms.AskForm,
            "decline": forms.DeclineForm,
            "remove": None,
        }[self.action]
        form = form_class(request.POST, request.FILES) if form_class else None
        status = 400
        if form is None or form.is_valid():
            try:
                self._act(invitation, form, request)
                return redirect("rfps:respond", token=token)
            except ValidationError as error:
                if form is None:
                    messages.error(request, " ".join(error.messages))
                    return redirect("rfps:respond", token=token)
                apply_errors(form, error)
            except DomainError as error:
                if form is None:
                    messages.error(request, error.message)
                    return redirect("rfps:respond", token=token)
                form.add_error(None, error.message)
                status = 409
        context = _context(invitation, access, token, **{f"{self._form_name()}_form": form})
        return render(request, TEMPLATE, context, status=status)

    def _form_name(self) -> str:
        return {"attach": "attachment", "ask": "ask", "decline": "decline"}[self.action]

    def _act(self, invitation: Invitation, form: Any, request: HttpRequest) -> None:
        if self.action == "attach":
            responses.attachment_add(invitation=invitation, upload=form.cleaned_data["file"])
            messages.success(request, _("File attached to your draft."))
        elif self.action == "remove":
            try:
                attachment_id = int(request.POST.get("attachment", ""))
            except ValueError:
                raise ValidationError(_("No such file in your draft.")) from None
            responses.attachment_remove(invitation=invitation, attachment_id=attachment_id)
            messages.success(request, _("File removed from your draft."))
        elif self.action == "ask":
            responses.clarification_ask(
                invitation=invitation, question=form.cleaned_data["question"]
            )
            messages.success(request, _("Question sent. The answer goes to every invitee."))
        else:
            responses.invitation_decline(invitation=invitation, reason=form.cleaned_data["reason"])
            messages.success(request, _("You declined. Thank you for letting us know."))


@method_decorator([login_not_required, never_cache], name="dispatch")
class RespondDownloadView(View):
    """The supplier's own files, and only theirs."""

    @link_view
    def get(
        self,
        request: HttpRequest,
        token: str,
        invitation: Invitation,
        access: LinkAccess,
        attachment_id: int,
    ) -> FileResponse:
        attachment = selectors.own_attachment(invitation=invitation, pk=attachment_id)
        return FileResponse(
            attachment.file.open("rb"),
            as_attachment=True,
            filename=attachment.name,
            content_type=attachment.mime,
        )
