"""Review pages: the list (with the overdue filter), my reviews to do, the review form with
guidance, KPI evidence and the previous review's scores, submitting and reopening, the
supplier scorecard with its trend chart, corrective action plans, the supplier's survey
(reached without an account) and the supplier page's panel. Each view parses input, calls one
selector or service, and renders."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any, cast

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views import View

from accounts.models import User
from accounts.permissions import CapabilityRequiredMixin
from accounts.roles import Capability
from core.exceptions import DomainError
from core.forms import apply_errors
from core.pages import paginate
from core.permissions import allowed_actions
from escalations.choices import EscalationStatus
from reviews import permissions, selectors, services
from reviews.charts import trend_chart
from reviews.choices import CriterionSource, PlanStatus, ReviewAction
from reviews.forms import (
    ActionForm,
    PlanForm,
    PlanVerifyForm,
    RaterInviteForm,
    ReviewReopenForm,
    ReviewSubmitForm,
    ScoresForm,
    band_inputs,
    criterion_inputs,
    plan_filter_form,
    review_filter_form,
    template_formsets,
)
from reviews.kpis import kpi_figures
from reviews.models import CorrectiveActionPlan, Criterion, Review
from suppliers.models import Supplier
from suppliers.selectors import supplier_visible

DETAIL_TEMPLATE = "reviews/review_detail.html"
PLAN_TEMPLATE = "reviews/plan_detail.html"


def _actor(request: HttpRequest) -> User:
    # Every page here but the survey sits behind sign-in (LoginRequiredMiddleware).
    return cast(User, request.user)


def _paginate(request: HttpRequest, rows: QuerySet[Any]) -> dict[str, Any]:
    return {"page_obj": paginate(request, rows)}


def _filters_applied(request: HttpRequest, form: Any) -> bool:
    return any(value for name in form.fields for value in request.GET.getlist(name))


def _post_form(
    request: HttpRequest, form: Any, act: Callable[[dict[str, Any]], object], *, done: str
) -> int | None:
    """Calls the service (``act``) with a valid form's data and flashes ``done``: None. Else
    the status to show the form again with, its messages on the form: 400 for a wrong value,
    a refusal's own (403, 409) for a DomainError."""
    if not form.is_valid():
        return 400
    try:
        act(form.cleaned_data)
    except DomainError as error:
        apply_errors(form, error)
        return error.status_code
    except ValidationError as error:
        apply_errors(form, error)
        return 400
    messages.success(request, done)
    return None


class ReviewListView(CapabilityRequiredMixin, View):
    """Every review one may see, with the shared filters (``?overdue=true`` for overdue)."""

    required_capability = Capability.VIEW_PORTFOLIO

    def get(self, request: HttpRequest) -> HttpResponse:
        reviews = selectors.review_list(user=request.user, filters=request.GET)
        context = _paginate(request, reviews)
        filter_form = review_filter_form(request.GET or None, user=request.user)
        context.update(
            reviews=list(context["page_obj"].object_list),
            filter_form=filter_form,
            filters_applied=_filters_applied(request, filter_form),
        )
        return render(request, "reviews/review_list.html", context)


class ReviewMineView(CapabilityRequiredMixin, View):
    """My reviews to do: the ones I own or am invited to score and have not yet."""

    required_capability = Capability.VIEW_PORTFOLIO

    def get(self, request: HttpRequest) -> HttpResponse:
        context = _paginate(request, selectors.my_reviews_to_do(user=request.user))
        context.update(reviews=list(context["page_obj"].object_list))
        return render(request, "reviews/review_mine.html", context)


def _detail_context(request: HttpRequest, review: Review, **forms: Any) -> dict[str, Any]:
    user = _actor(request)
    criteria = selectors.criteria_of(review)
    rater = selectors.rater_of(review=review, user=user)
    rated = [c for c in criteria if c.source == CriterionSource.RATED]
    previous = selectors.previous_review(review)
    previous_scores = (
        {result.criterion_id: result for result in previous.results.all()} if previous else {}
    )
    previous_by_key = _previous_by_key(previous, criteria)
    can = allowed_actions(review, user)
    return {
        "review": review,
        "criteria": criteria,
        "results": {result.criterion_id: result for result in review.results.all()},
        "kpis": kpi_figures(
            supplier_id=review.supplier_id,
            period_start=review.period_start,
            period_end=review.period_end,
        ),
        "previous": previous,
        "previous_scores": previous_scores,
        "previous_by_key": previous_by_key,
        "rater": rater,
        "scores_form": forms.get("scores_form")
        or (
            ScoresForm(criteria=rated, existing=selectors.scores_of(rater))
            if can[ReviewAction.SCORE]
            else None
        ),
        "submit_form": forms.get("submit_form")
        or ReviewSubmitForm(initial={"summary": review.summary}),
        "invite_form": forms.get("invite_form") or RaterInviteForm(user=user),
        "reopen_form": forms.get("reopen_form") or ReviewReopenForm(),
        "open_plans": list(
            selectors.open_plans_of(supplier=review.supplier).exclude(review=review)
        ),
    }


def _previous_by_key(previous: Review | None, criteria: list[Criterion]) -> dict[int, Any]:
    """The previous review's result per criterion of this review, matched by key: the previous
    review may have used another template version."""
    if previous is None:
        return {}
    by_key = {result.criterion.key: result for result in previous.results.all()}
    return {c.pk: by_key.get(c.key) for c in criteria}


class ReviewDetailView(CapabilityRequiredMixin, View):
    required_capability = Capability.VIEW_PORTFOLIO

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        review = selectors.review_get(user=request.user, pk=pk)
        return render(request, DETAIL_TEMPLATE, _detail_context(request, review))


class ReviewScoreView(CapabilityRequiredMixin, View):
    """Saves my scores. Others' are theirs; I cannot write them."""

    required_capability = Capability.CHANGE_DATA

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        review = selectors.review_get(user=request.user, pk=pk)
        rater = selectors.rater_of(review=review, user=request.user)
        rated = [c for c in selectors.criteria_of(review) if c.source == CriterionSource.RATED]
        form = ScoresForm(request.POST, criteria=rated, existing=selectors.scores_of(rater))
        status = _post_form(
            request,
            form,
            lambda data: services.scores_save(
                review=review, by=_actor(request), scores=form.scores()
            ),
            done=_("Your scores are saved."),
        )
        if status is None:
            return redirect(review)
        context = _detail_context(request, review, scores_form=form)
        return render(request, DETAIL_TEMPLATE, context, status=status)


def _review_post(
    request: HttpRequest,
    pk: int,
    form: Any,
    key: str,
    act: Callable[[Review, dict[str, Any]], object],
    *,
    done: str,
) -> HttpResponse:
    """A form posted from the review page: the service called, or the page again with the
    form (under ``key``) and its errors."""
    review = selectors.review_get(user=request.user, pk=pk)
    status = _post_form(request, form, lambda data: act(review, data), done=done)
    if status is None:
        return redirect(review)
    context = _detail_context(request, review, **{key: form})
    return render(request, DETAIL_TEMPLATE, context, status=status)


class ReviewSubmitView(CapabilityRequiredMixin, View):
    required_capability = Capability.CHANGE_DATA

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        return _review_post(
            request,
            pk,
            ReviewSubmitForm(request.POST),
            "submit_form",
            lambda review, data: services.review_submit(
                review=review, by=_actor(request), summary=data["summary"]
            ),
            done=_("The review is submitted and locked."),
        )


class ReviewReopenView(CapabilityRequiredMixin, View):
    required_capability = Capability.MANAGE_PORTFOLIO

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        return _review_post(
            request,
            pk,
            ReviewReopenForm(request.POST),
            "reopen_form",
            lambda review, data: services.review_reopen(
                review=review, by=_actor(request), reason=data["reason"]
            ),
            done=_("The review is reopened."),
        )


class ReviewInviteView(CapabilityRequiredMixin, View):
    required_capability = Capability.CHANGE_DATA

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        return _review_post(
            request,
            pk,
            RaterInviteForm(request.POST, user=_actor(request)),
            "invite_form",
            lambda review, data: services.rater_invite(
                review=review, user=data["user"], by=_actor(request)
            ),
            done=_("Invited."),
        )


# --- Scorecard ----------------------------------------------------------------------------


class SupplierScorecardView(CapabilityRequiredMixin, View):
    """The supplier's reviews over time: a trend chart and the score of each criterion."""

    required_capability = Capability.VIEW_PORTFOLIO

    def get(self, request: HttpRequest, supplier_pk: int) -> HttpResponse:
        supplier = get_object_or_404(supplier_visible(user=request.user), pk=supplier_pk)
        rows = selectors.supplier_scorecard(user=request.user, supplier=supplier)
        keys: dict[str, str] = {}
        for row in rows:
            for result in row.review.results.all():
                keys.setdefault(result.criterion.key, result.criterion.name)
        latest = rows[-1].review if rows else None
        bands = services.bands_of(latest.template_id) if latest else []
        chart = trend_chart(
            [(f"{row.review.period_end:%Y-%m}", row.review.overall_score) for row in rows], bands
        )
        return render(
            request,
            "reviews/supplier_scorecard.html",
            {
                "supplier": supplier,
                "rows": rows,
                "criteria": list(keys.items()),
                "chart": chart,
                "survey": selectors.latest_survey_answer(supplier=supplier),
            },
        )


# --- Corrective actions -------------------------------------------------------------------


class PlanListView(CapabilityRequiredMixin, View):
    required_capability = Capability.VIEW_PORTFOLIO

    def get(self, request: HttpRequest) -> HttpResponse:
        plans = selectors.plan_list(user=request.user, filters=request.GET)
        context = _paginate(request, plans)
        filter_form = plan_filter_form(request.GET or None, user=request.user)
        context.update(
            plans=list(context["page_obj"].object_list),
            filter_form=filter_form,
            filters_applied=_filters_applied(request, filter_form),
        )
        return render(request, "reviews/plan_list.html", context)


def _plan_context(request: HttpRequest, plan: Any, **forms: Any) -> dict[str, Any]:
    user = _actor(request)
    status = EscalationStatus(plan.escalation_status) if plan.escalation_status else None
    return {
        "plan": plan,
        "plan_form": forms.get("plan_form") or PlanForm(instance=plan),
        "action_form": forms.get("action_form") or ActionForm(user=user, supplier=plan.supplier),
        "verify_form": forms.get("verify_form") or PlanVerifyForm(),
        "escalation_status": status.label if status else None,
        "escalation_is_open": status is not None and status != EscalationStatus.RESOLVED,
    }


class PlanDetailView(CapabilityRequiredMixin, View):
    required_capability = Capability.VIEW_PORTFOLIO

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        plan = selectors.plan_get(user=request.user, pk=pk)
        return render(request, PLAN_TEMPLATE, _plan_context(request, plan))

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        """Saves the plan's problem, root cause and the supplier's response."""
        return _plan_post(
            request,
            pk,
            # Its own copy: a form that fails validation leaves its instance half-changed.
            lambda plan: PlanForm(
                request.POST, instance=selectors.plan_get(user=request.user, pk=pk)
            ),
            "plan_form",
            services.plan_update,
            done=_("The plan is saved."),
        )


def _plan_post(
    request: HttpRequest,
    pk: int,
    make_form: Callable[[CorrectiveActionPlan], Any],
    key: str,
    service: Callable[..., object],
    *,
    done: str,
) -> HttpResponse:
    """A form posted from the plan page: ``service(plan=, by=, **data)`` called, or the page
    again with the form (under ``key``) and its errors."""
    plan = selectors.plan_get(user=request.user, pk=pk)
    form = make_form(plan)
    status = _post_form(
        request,
        form,
        lambda data: service(plan=plan, by=_actor(request), **data),
        done=done,
    )
    if status is None:
        return redirect(plan)
    context = _plan_context(request, plan, **{key: form})
    return render(request, PLAN_TEMPLATE, context, status=status)


class ActionAddView(CapabilityRequiredMixin, View):
    required_capability = Capability.CHANGE_DATA

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        return _plan_post(
            request,
            pk,
            lambda plan: ActionForm(request.POST, user=_actor(request), supplier=plan.supplier),
            "action_form",
            services.action_add,
            done=_("The action is added."),
        )


class ActionStatusView(CapabilityRequiredMixin, View):
    required_capability = Capability.CHANGE_DATA

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        action = get_object_or_404(
            selectors.action_visible(user=request.user).select_related("plan__review"), pk=pk
        )
        try:
            services.action_set_status(
                action=action, by=_actor(request), status=request.POST.get("status", "")
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        return redirect(action.plan)


class PlanVerifyView(CapabilityRequiredMixin, View):
    required_capability = Capability.CHANGE_DATA

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        return _plan_post(
            request,
            pk,
            lambda plan: PlanVerifyForm(request.POST),
            "verify_form",
            services.plan_verify,
            done=_("The plan is verified."),
        )


# --- The supplier page's panel --------------------------------------------------------------


def supplier_panel_context(request: HttpRequest, supplier: Supplier) -> dict[str, Any]:
    """What templates/reviews/partials/_supplier_panel.html shows on the supplier page: the
    latest result and standing, the open review, open plans, and the supplier's rating of us
    beside ours of them. A fixed number of queries."""
    reviews = list(
        selectors.review_list(user=request.user)
        .filter(supplier=supplier)
        .order_by("-period_end")[:2]
    )
    submitted = next((r for r in reviews if r.is_submitted), None)
    open_review = next((r for r in reviews if not r.is_submitted), None)
    survey = selectors.latest_survey_answer(supplier=supplier)
    return {
        "supplier": supplier,
        "may_see_reviews": bool(reviews)
        or selectors.may_see_reviews_of(user=request.user, supplier=supplier),
        "latest": submitted,
        "open_review": open_review,
        "open_plans": list(
            selectors.plan_list(user=request.user).filter(supplier=supplier, status=PlanStatus.OPEN)
        ),
        "survey": survey,
        "their_rating": survey.answer.average if survey else None,
        "our_rating": _stars(submitted.overall_score)
        if submitted and submitted.overall_score is not None
        else None,
    }


def _stars(score: Decimal) -> Decimal:
    """An overall score on the survey's 1..5 scale, so the two ratings read side by side."""
    return (Decimal(1) + score * 4 / 100).quantize(Decimal("0.01"))


# --- Scorecard templates --------------------------------------------------------------------


class TemplateListView(CapabilityRequiredMixin, View):
    required_capability = Capability.VIEW_PORTFOLIO

    def get(self, request: HttpRequest) -> HttpResponse:
        templates = list(selectors.template_list().order_by("name", "-version"))
        return render(request, "reviews/template_list.html", {"templates": templates})


class TemplateDetailView(CapabilityRequiredMixin, View):
    """A template version; procurement managers change it here, which makes the next version."""

    required_capability = Capability.VIEW_PORTFOLIO
    template_name = "reviews/template_detail.html"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        template = selectors.template_get(pk=pk)
        criteria, bands = services.template_rows(template)
        forms = template_formsets(None, criteria=criteria, bands=bands)
        return render(request, self.template_name, self._context(request, template, forms))

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not permissions.may_revise_template(request.user):
            raise PermissionDenied
        template = selectors.template_get(pk=pk)
        criteria, bands = services.template_rows(template)
        forms = template_formsets(request.POST, criteria=criteria, bands=bands)
        errors: list[str] = []
        if all(formset.is_valid() for formset in forms):
            try:
                new = services.template_revise(
                    template=template,
                    criteria=criterion_inputs(forms[0]),
                    bands=band_inputs(forms[1]),
                    by=_actor(request),
                )
            except ValidationError as error:
                errors = [str(message) for message in error.messages]
            else:
                messages.success(
                    request,
                    _("Version %(version)s is now the current one.") % {"version": new.version},
                )
                return redirect("reviews:template_detail", pk=new.pk)
        context = self._context(request, template, forms, errors=errors)
        return render(request, self.template_name, context, status=400)

    def _context(
        self, request: HttpRequest, template: Any, forms: Any, errors: list[str] | None = None
    ) -> dict[str, Any]:
        return {
            "scorecard": template,
            "criteria_formset": forms[0],
            "band_formset": forms[1],
            "may_change": permissions.may_revise_template(request.user),
            "errors": errors or [],
        }
