"""Meeting pages: the quick log, a meeting, my commitments, engagement against policy and
who knows whom. Each view parses input, calls one selector or service, and renders."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from accounts.models import User
from accounts.permissions import CapabilityRequiredMixin
from accounts.roles import Capability
from core.exceptions import DomainError
from core.forms import apply_errors
from core.pages import paginate
from meetings import permissions, selectors, services
from meetings.filtersets import CommitmentFilterSet
from meetings.forms import (
    SUPPLIER_MATCHES,
    EngagementPolicyForm,
    KeySupplierFilterForm,
    MeetingLogForm,
    MeetingUpdateForm,
    OverdueContactFilterForm,
    OwnerChoices,
    commitment_formset,
    filled_forms,
    meeting_filter_form,
    new_contact_formset,
)
from meetings.models import Commitment, Meeting
from suppliers.models import Contact, Supplier
from suppliers.selectors import contact_list, owner_candidate_list, supplier_list, supplier_visible

if TYPE_CHECKING:
    from meetings.forms import CommitmentFormSet, NewContactFormSet

LOG_TEMPLATE = "meetings/meeting_log.html"
ROW_TEMPLATE = "meetings/partials/_commitment_row.html"
# Sent by static/js/meetings.js: the answer is a fragment that replaces part of the page.
FRAGMENT_HEADER = "fetch"


def _actor(request: HttpRequest) -> User:
    # Every page here sits behind sign-in (LoginRequiredMiddleware), so the user is real.
    return cast(User, request.user)


def _wants_fragment(request: HttpRequest) -> bool:
    return request.headers.get("X-Requested-With") == FRAGMENT_HEADER


def _next_url(request: HttpRequest, fallback: str) -> str:
    """Where a form that has no page of its own sends the browser back to."""
    url = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return fallback


def _paginate(request: HttpRequest, rows: QuerySet[Any]) -> dict[str, Any]:
    return {"page_obj": paginate(request, rows)}


def _supplier_contacts(user: User, supplier: Supplier | None) -> list[Contact]:
    if supplier is None:
        return []
    return list(
        contact_list(user=user)
        .filter(supplier=supplier)
        .select_related(None)
        .order_by("-is_primary", "name", "id")
    )


# --- Quick log --------------------------------------------------------------------------------


class MayLogMeetingsMixin:
    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not permissions.may_log_meetings(_actor(request)):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]


def _new_contact_options(formset: NewContactFormSet) -> list[tuple[str, str]]:
    """The rows of "new contact", as owners a commitment may name before they exist."""
    options = []
    for index, form in enumerate(formset.forms):
        name = str(form["name"].value() or "").strip()
        label = name or _("New contact %(number)s") % {"number": index + 1}
        options.append((f"new:{index}", label))
    return options


class MeetingLogView(MayLogMeetingsMixin, View):
    """Logs a meeting, its new contacts and its commitments in one submit, from a phone."""

    def get(self, request: HttpRequest) -> HttpResponse:
        user = _actor(request)
        supplier = None
        initial: dict[str, Any] = {}
        if (pk := request.GET.get("supplier", "")).isdigit():
            supplier = get_object_or_404(supplier_visible(user=user), pk=pk)
            initial = {"supplier": supplier, "supplier_name": supplier.name}
        people = owner_candidate_list(user=user)
        form = MeetingLogForm(initial=initial, user=user, people=people)
        new_contacts = new_contact_formset(prefix="new_contacts")
        return self._render(request, form, new_contacts, supplier, people)

    def post(self, request: HttpRequest) -> HttpResponse:
        user = _actor(request)
        people = owner_candidate_list(user=user)
        form = MeetingLogForm(request.POST, user=user, people=people)
        form.is_valid()
        supplier = form.chosen_supplier()
        new_contacts = new_contact_formset(request.POST, prefix="new_contacts")
        if "refresh" in request.POST:
            # Without JavaScript: show the chosen supplier's contacts; nothing is saved yet.
            return self._render(request, form, new_contacts, supplier, people, quiet=True)
        contacts = _supplier_contacts(user, supplier)
        commitments = self._commitment_formset(request, user, people, contacts, new_contacts)
        valid = all([form.is_valid(), new_contacts.is_valid(), commitments.is_valid()])
        if valid and supplier is not None:
            meeting = self._log(user, supplier, form, new_contacts, commitments)
            if meeting is not None:
                messages.success(request, _("The meeting was logged."))
                return redirect("suppliers:supplier_detail", pk=supplier.pk)
        return self._render(request, form, new_contacts, supplier, people, commitments, contacts)

    def _commitment_formset(
        self,
        request: HttpRequest,
        user: User,
        people: QuerySet[User],
        contacts: list[Contact],
        new_contacts: NewContactFormSet,
    ) -> CommitmentFormSet:
        owners = OwnerChoices(
            users=list(people),
            contacts=contacts,
            new_contacts=_new_contact_options(new_contacts),
            default=f"user:{user.pk}",
        )
        data = request.POST if request.method == "POST" else None
        return commitment_formset(data, prefix="commitments", form_kwargs={"owners": owners})

    def _log(
        self,
        user: User,
        supplier: Supplier,
        form: MeetingLogForm,
        new_contacts: NewContactFormSet,
        commitments: CommitmentFormSet,
    ) -> Meeting | None:
        contact_forms = filled_forms(new_contacts)
        commitment_forms = filled_forms(commitments)
        # A commitment names a new contact by its row; the service by its place in the list.
        rows = {
            new_contacts.forms.index(contact_form): i
            for i, contact_form in enumerate(contact_forms)
        }
        missing = [row for row in commitment_forms if row.owner_is_missing_new_contact(rows)]
        for row in missing:
            row.add_error("owner", _("Type this new contact's name, or choose another owner."))
        if missing:
            return None
        try:
            return services.meeting_log(
                by=user,
                meeting=services.MeetingInput(
                    supplier=supplier,
                    fields=form.meeting_data(),
                    our_attendees=list(form.cleaned_data["our_attendees"]),
                    their_attendees=list(form.cleaned_data["their_attendees"]),
                    new_contacts=[contact_form.contact_data() for contact_form in contact_forms],
                    commitments=[row.commitment_input(rows) for row in commitment_forms],
                ),
            )
        except ValidationError as error:
            apply_errors(
                form, error, rows={"commitments": commitment_forms, "new_contacts": contact_forms}
            )
            return None

    def _render(
        self,
        request: HttpRequest,
        form: MeetingLogForm,
        new_contacts: NewContactFormSet,
        supplier: Supplier | None,
        people: QuerySet[User],
        commitments: CommitmentFormSet | None = None,
        contacts: list[Contact] | None = None,
        *,
        quiet: bool = False,
    ) -> HttpResponse:
        user = _actor(request)
        if contacts is None:
            contacts = _supplier_contacts(user, supplier)
        if commitments is None:
            commitments = self._commitment_formset(request, user, people, contacts, new_contacts)
        context = {
            "form": form,
            "supplier": supplier,
            "their_contacts": contacts,
            "selected_contacts": form.selected("their_attendees"),
            "new_contacts": new_contacts,
            "commitments": commitments,
            "owners": commitments.form_kwargs["owners"],
            "quiet": quiet,
        }
        return render(request, LOG_TEMPLATE, context)


class SupplierSearchView(CapabilityRequiredMixin, View):
    """The quick log's type-ahead: up to 20 suppliers whose name (or ERP id, or VAT number)
    matches, as JSON. Index-backed, so it answers as fast at 100,000 suppliers."""

    required_capability = Capability.VIEW_PORTFOLIO

    def get(self, request: HttpRequest) -> JsonResponse:
        query = request.GET.get("q", "").strip()
        results: list[dict[str, Any]] = []
        if query:
            rows = (
                supplier_list(user=request.user, filters={"q": query})
                .prefetch_related(None)
                .order_by("name", "id")
                .values("id", "name", "external_id")[:SUPPLIER_MATCHES]
            )
            results = [dict(row) for row in rows]
        return JsonResponse({"results": results})


class SupplierContactsView(CapabilityRequiredMixin, View):
    """The quick log's "their attendees" for a supplier, as a fragment of the form."""

    required_capability = Capability.VIEW_PORTFOLIO

    def get(self, request: HttpRequest) -> HttpResponse:
        user = _actor(request)
        supplier = get_object_or_404(supplier_visible(user=user), pk=request.GET.get("supplier"))
        context = {"supplier": supplier, "their_contacts": _supplier_contacts(user, supplier)}
        return render(request, "meetings/partials/_their_attendees.html", context)


# --- A meeting --------------------------------------------------------------------------------


def _change_allowed(request: HttpRequest, pk: int) -> Meeting:
    meeting = selectors.meeting_get(user=request.user, pk=pk)
    if not permissions.may_change_meeting(_actor(request), meeting):
        raise PermissionDenied
    return meeting


class MeetingListView(CapabilityRequiredMixin, View):
    """Every meeting, newest first, filtered as the API filters them; "only mine" is the
    meetings with the suppliers the reader holds a key-account role for."""

    required_capability = Capability.VIEW_PORTFOLIO

    def get(self, request: HttpRequest) -> HttpResponse:
        user = _actor(request)
        meetings = selectors.meeting_list_page(user=user, filters=request.GET)
        context = _paginate(request, meetings)
        form = meeting_filter_form(request.GET or None, people=owner_candidate_list(user=user))
        supplier = form.cleaned_data.get("supplier") if form.is_valid() else None
        context.update(
            filter_form=form,
            filtered_supplier=supplier,
            filters_applied=any(request.GET.getlist(name) for name in form.fields),
        )
        return render(request, "meetings/meeting_list.html", context)


class MeetingDetailView(CapabilityRequiredMixin, View):
    required_capability = Capability.VIEW_PORTFOLIO

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        user = _actor(request)
        meeting = selectors.meeting_get(user=user, pk=pk)
        context = {"meeting": meeting, "commitments": list(meeting.commitments.all())}
        return render(request, "meetings/meeting_detail.html", context)


class MeetingUpdateView(View):
    template_name = "meetings/meeting_form.html"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        meeting = _change_allowed(request, pk)
        initial = {name: getattr(meeting, name) for name in services.MEETING_FIELDS}
        initial["our_attendees"] = [user.pk for user in meeting.our_attendees.all()]
        initial["their_attendees"] = [contact.pk for contact in meeting.their_attendees.all()]
        form = self._form(request, initial=initial)
        return self._render(request, meeting, form)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        meeting = _change_allowed(request, pk)
        form = self._form(request, data=request.POST)
        if form.is_valid():
            try:
                services.meeting_update(
                    meeting=meeting,
                    by=_actor(request),
                    fields=form.meeting_data(),
                    our_attendees=list(form.cleaned_data["our_attendees"]),
                    their_attendees=list(form.cleaned_data["their_attendees"]),
                )
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, _("The changes were saved."))
                return redirect(meeting)
        return self._render(request, meeting, form)

    def _form(self, request: HttpRequest, **kwargs: Any) -> MeetingUpdateForm:
        user = _actor(request)
        return MeetingUpdateForm(user=user, people=owner_candidate_list(user=user), **kwargs)

    def _render(
        self, request: HttpRequest, meeting: Meeting, form: MeetingUpdateForm
    ) -> HttpResponse:
        context = {
            "meeting": meeting,
            "form": form,
            "supplier": meeting.supplier,
            "their_contacts": _supplier_contacts(_actor(request), meeting.supplier),
            "selected_contacts": form.selected("their_attendees"),
        }
        return render(request, self.template_name, context)


class MeetingDeleteView(View):
    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        meeting = _change_allowed(request, pk)
        return render(request, "meetings/meeting_confirm_delete.html", {"meeting": meeting})

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        meeting = _change_allowed(request, pk)
        supplier = meeting.supplier
        services.meeting_delete(meeting=meeting, by=_actor(request))
        messages.success(request, _("The meeting was deleted."))
        return redirect(supplier)


# --- Commitments ------------------------------------------------------------------------------


class CommitmentCloseView(View):
    """Closes a commitment. From static/js/meetings.js the answer is the commitment's updated
    row, which replaces the old one; without JavaScript, the browser goes back where it was."""

    close = staticmethod(services.commitment_complete)
    done_message = gettext_lazy("Marked done: %(description)s")

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        commitment = selectors.commitment_get(user=request.user, pk=pk)
        problem = ""
        try:
            commitment = self.close(
                commitment=commitment, by=_actor(request), note=request.POST.get("note", "")
            )
        except DomainError as error:
            problem = error.message
        if _wants_fragment(request):
            context = {"commitment": commitment, "problem": problem, "just_closed": not problem}
            return render(request, ROW_TEMPLATE, context, status=409 if problem else 200)
        if problem:
            messages.error(request, problem)
        else:
            message = str(self.done_message) % {"description": commitment.description}
            messages.success(request, message)
        return redirect(_next_url(request, commitment.supplier.get_absolute_url()))


class CommitmentCompleteView(CommitmentCloseView):
    close = staticmethod(services.commitment_complete)
    done_message = gettext_lazy("Marked done: %(description)s")


class CommitmentCancelView(CommitmentCloseView):
    close = staticmethod(services.commitment_cancel)
    done_message = gettext_lazy("Cancelled: %(description)s")


class CommitmentMineView(CapabilityRequiredMixin, View):
    required_capability = Capability.VIEW_PORTFOLIO

    def get(self, request: HttpRequest) -> HttpResponse:
        user = _actor(request)
        context = _paginate(request, selectors.commitment_list_mine(user=user))
        commitments: list[Commitment] = list(context["page_obj"].object_list)
        context["commitments"] = commitments
        return render(request, "meetings/commitment_mine.html", context)


class CommitmentListView(CapabilityRequiredMixin, View):
    """Every commitment, filtered as the API filters them (the dashboard links here)."""

    required_capability = Capability.VIEW_PORTFOLIO

    def get(self, request: HttpRequest) -> HttpResponse:
        user = _actor(request)
        queryset = selectors.commitment_list(user=user).order_by("due_date", "id")
        filterset = CommitmentFilterSet(request.GET or None, queryset=queryset)
        context = _paginate(request, filterset.qs)
        commitments: list[Commitment] = list(context["page_obj"].object_list)
        context["commitments"] = commitments
        # Shown without the supplier and meeting lists (100,000s of options); they still filter
        # from links such as the supplier page's.
        form = CommitmentFilterSet(request.GET or None).form
        for name in ("supplier", "meeting", "updated_since"):
            form.fields.pop(name)
        context["filter_form"] = form
        context["filters_applied"] = any(request.GET.getlist(name) for name in form.fields)
        return render(request, "meetings/commitment_list.html", context)


# --- The supplier page's panel ----------------------------------------------------------------


@dataclass(frozen=True)
class SupplierPanel:
    supplier: Supplier
    may_log: bool
    engagement: selectors.Engagement
    timeline: list[Meeting]
    commitments: list[Commitment]
    acquaintances: list[selectors.Acquaintance]
    single_threaded: bool


def supplier_panel_context(request: HttpRequest, supplier: Supplier) -> dict[str, Any]:
    """What templates/meetings/partials/_supplier_panel.html shows on the supplier page:
    engagement against policy, open commitments, the timeline and who knows whom. A fixed
    number of queries, whatever the number of meetings and commitments."""
    user = _actor(request)
    commitments = list(selectors.commitment_list_open_for_supplier(user=user, supplier=supplier))
    panel = SupplierPanel(
        supplier=supplier,
        may_log=permissions.may_log_meetings(user),
        engagement=selectors.supplier_engagement(supplier=supplier),
        timeline=list(selectors.supplier_timeline(user=user, supplier=supplier)),
        commitments=commitments,
        acquaintances=selectors.relationship_map(supplier=supplier),
        single_threaded=selectors.is_single_threaded(supplier=supplier),
    )
    return {"meetings_panel": panel}


# --- Engagement -------------------------------------------------------------------------------


class EngagementPolicyListView(CapabilityRequiredMixin, View):
    required_capability = Capability.VIEW_PORTFOLIO

    def get(self, request: HttpRequest) -> HttpResponse:
        policies = selectors.engagement_policy_list()
        return render(request, "meetings/policy_list.html", {"policies": policies})


class EngagementPolicyUpdateView(CapabilityRequiredMixin, View):
    required_capability = Capability.MANAGE_PORTFOLIO
    template_name = "meetings/policy_form.html"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        policy = get_object_or_404(selectors.engagement_policy_list(), pk=pk)
        form = EngagementPolicyForm(instance=policy)
        return render(request, self.template_name, {"form": form, "policy": policy})

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        policy = get_object_or_404(selectors.engagement_policy_list(), pk=pk)
        form = EngagementPolicyForm(request.POST, instance=policy)
        if form.is_valid():
            try:
                services.engagement_policy_update(
                    policy=policy,
                    by=_actor(request),
                    max_days_between_meetings=form.cleaned_data["max_days_between_meetings"],
                    max_days_between_in_person=form.cleaned_data["max_days_between_in_person"],
                )
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, _("The engagement policy was saved."))
                return redirect("meetings:policy_list")
        return render(request, self.template_name, {"form": form, "policy": policy})


class SupplierOverdueContactView(CapabilityRequiredMixin, View):
    required_capability = Capability.VIEW_PORTFOLIO

    def get(self, request: HttpRequest) -> HttpResponse:
        user = _actor(request)
        form = OverdueContactFilterForm(request.GET, user=user)
        filters = form.cleaned_data if form.is_valid() else {}
        suppliers = selectors.supplier_list_overdue_for_contact(
            user=user,
            owner=filters.get("owner"),
            segment=filters.get("segment") or None,
            categories=filters.get("category") or (),
            in_person_only=bool(filters.get("in_person")),
        )
        context = {**_paginate(request, suppliers), "filter_form": form}
        return render(request, "meetings/supplier_overdue_contact.html", context)


class SupplierSingleThreadedView(CapabilityRequiredMixin, View):
    """For those who read the whole portfolio: procurement managers and executives, whose
    dashboard links here."""

    required_capability = Capability.VIEW_CONFIDENTIAL

    def get(self, request: HttpRequest) -> HttpResponse:
        user = _actor(request)
        form = KeySupplierFilterForm(request.GET, user=user)
        filters = form.cleaned_data if form.is_valid() else {}
        suppliers = selectors.supplier_list_single_threaded(
            user=user,
            owner=filters.get("owner"),
            segment=filters.get("segment") or None,
            categories=filters.get("category") or (),
        )
        context = {**_paginate(request, suppliers), "filter_form": form}
        return render(request, "meetings/supplier_single_threaded.html", context)
