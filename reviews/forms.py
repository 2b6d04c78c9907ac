from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django import forms
from django.db.models import Exists, OuterRef
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from core.forms import DateField
from reviews.choices import (
    SCORE_MAX,
    SCORE_MIN,
    SURVEY_QUESTIONS,
    CriterionSource,
    KpiCode,
    Standing,
)
from reviews.filtersets import CorrectiveActionPlanFilterSet, ReviewFilterSet
from reviews.models import CorrectiveActionPlan, Criterion, Review, ReviewScore
from reviews.services import BandInput, CriterionInput
from suppliers.models import Contact, Supplier
from suppliers.selectors import AnyUser, contact_visible, owner_candidate_list, supplier_visible

_API_ONLY_FILTERS = ("updated_since", "ordering")
NO_DATA = "none"


def _checkboxes(form: forms.Form, *names: str) -> None:
    for name in names:
        field = form.fields[name]
        field.widget = forms.CheckboxSelectMultiple(choices=field.choices)  # type: ignore[attr-defined]


def _suppliers_with(form: forms.Form, model: Any, user: AnyUser) -> None:
    supplier = form.fields["supplier"]
    supplier.queryset = (  # type: ignore[attr-defined]
        supplier_visible(user=user)
        .filter(Exists(model.objects.filter(supplier=OuterRef("pk"))))
        .order_by("name")
    )
    supplier.empty_label = _("Any")  # type: ignore[attr-defined]


def _yes_no(form: forms.Form, *names: str) -> None:
    for name in names:
        form.fields[name].widget = forms.Select(
            choices=[("", _("Any")), ("true", _("Yes")), ("false", _("No"))]
        )


def review_filter_form(data: QueryDict | None, *, user: AnyUser) -> forms.Form:
    """The review list's filter form: the API's FilterSet form, laid out for people."""
    form: forms.Form = ReviewFilterSet(data).form
    for name in _API_ONLY_FILTERS:
        form.fields.pop(name, None)
    _checkboxes(form, "status", "standing", "segment")
    _suppliers_with(form, Review, user)
    _yes_no(form, "overdue", "latest", "partial")
    return form


def plan_filter_form(data: QueryDict | None, *, user: AnyUser) -> forms.Form:
    form: forms.Form = CorrectiveActionPlanFilterSet(data).form
    for name in _API_ONLY_FILTERS:
        form.fields.pop(name, None)
    _checkboxes(form, "status", "severity")
    _suppliers_with(form, CorrectiveActionPlan, user)
    return form


def _score_choices() -> list[tuple[str, Any]]:
    return [(str(value), str(value)) for value in range(SCORE_MIN, SCORE_MAX + 1)] + [
        (NO_DATA, _("No data"))
    ]


class ScoresForm(forms.Form):
    """One rater's scores: for each rated criterion a score 1..5 or "no data", and a comment."""

    def __init__(
        self,
        *args: Any,
        criteria: list[Criterion],
        existing: dict[int, ReviewScore],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        for criterion in criteria:
            score = existing.get(criterion.pk)
            initial = (
                "" if score is None else (NO_DATA if score.score is None else str(score.score))
            )
            self.fields[f"score_{criterion.pk}"] = forms.ChoiceField(
                label=criterion.name,
                choices=_score_choices(),
                widget=forms.RadioSelect,
                required=False,
                initial=initial,
            )
            self.fields[f"comment_{criterion.pk}"] = forms.CharField(
                label=_("Evidence or comment"),
                required=False,
                max_length=2000,
                widget=forms.Textarea(attrs={"rows": 2}),
                initial=score.comment if score else "",
            )

    def scores(self) -> dict[int, tuple[int | None, str]]:
        """What was answered; criteria left blank are not saved."""
        result: dict[int, tuple[int | None, str]] = {}
        for criterion in self.criteria:
            value = self.cleaned_data.get(f"score_{criterion.pk}") or ""
            comment = self.cleaned_data.get(f"comment_{criterion.pk}") or ""
            if value == "" and not comment:
                continue
            result[criterion.pk] = (None if value in ("", NO_DATA) else int(value), comment)
        return result

    def rows(self) -> list[tuple[Criterion, forms.BoundField, forms.BoundField]]:
        return [(c, self[f"score_{c.pk}"], self[f"comment_{c.pk}"]) for c in self.criteria]


class ReviewSubmitForm(forms.Form):
    summary = forms.CharField(
        label=_("Summary for the supplier"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What went well, what must change. Submitting locks the review."),
    )


class ReviewReopenForm(forms.Form):
    reason = forms.CharField(
        label=_("Why reopen it?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class RaterInviteForm(forms.Form):
    user = forms.ModelChoiceField(label=_("Invite to score"), queryset=User.objects.none())

    def __init__(self, *args: Any, user: AnyUser, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = owner_candidate_list(user=user)  # type: ignore[attr-defined]


class PlanForm(forms.ModelForm):
    class Meta:
        model = CorrectiveActionPlan
        fields = ["problem", "severity", "root_cause", "supplier_response"]
        widgets = {
            "problem": forms.Textarea(attrs={"rows": 3}),
            "root_cause": forms.Textarea(attrs={"rows": 3}),
            "supplier_response": forms.Textarea(attrs={"rows": 3}),
        }


class ActionForm(forms.Form):
    description = forms.CharField(label=_("Action"), max_length=300)
    due_date = DateField(label=_("Due"), widget=forms.DateInput(attrs={"type": "date"}))
    owner_user = forms.ModelChoiceField(
        label=_("Owner (ours)"), required=False, queryset=User.objects.none()
    )
    owner_contact = forms.ModelChoiceField(
        label=_("Owner (theirs)"), required=False, queryset=Contact.objects.none()
    )

    def __init__(self, *args: Any, user: AnyUser, supplier: Supplier, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner_user"].queryset = owner_candidate_list(user=user)  # type: ignore[attr-defined]
        self.fields["owner_contact"].queryset = contact_visible(user=user).filter(  # type: ignore[attr-defined]
            supplier=supplier
        )


class PlanVerifyForm(forms.Form):
    effective = forms.TypedChoiceField(
        label=_("Did the actions work?"),
        choices=[("true", _("Yes: verified as effective")), ("false", _("No: not effective"))],
        coerce=lambda value: value == "true",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("What was verified"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class SurveyForm(forms.Form):
    """The supplier's four questions about us, 1 (poor) to 5 (excellent)."""

    comment = forms.CharField(
        label=_("Anything else you want to tell us?"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(str(value), str(value)) for value in range(SCORE_MIN, SCORE_MAX + 1)]
        for name, question in SURVEY_QUESTIONS:
            self.fields[name] = forms.TypedChoiceField(
                label=question, choices=choices, coerce=int, widget=forms.RadioSelect
            )
        self.order_fields([name for name, _question in SURVEY_QUESTIONS] + ["comment"])


class CriterionRowForm(forms.Form):
    """One criterion of a new template version."""

    key = forms.SlugField(label=_("Key"), max_length=50)
    name = forms.CharField(label=_("Name"), max_length=100)
    weight = forms.DecimalField(label=_("Weight (%)"), min_value=0, max_value=100, decimal_places=2)
    source = forms.ChoiceField(label=_("Source"), choices=CriterionSource.choices)
    kpi_code = forms.ChoiceField(
        label=_("KPI"), choices=[("", "—"), *KpiCode.choices], required=False
    )
    kpi_best = forms.DecimalField(label=_("KPI value scoring 100"), required=False)
    kpi_worst = forms.DecimalField(label=_("KPI value scoring 0"), required=False)
    guidance = forms.CharField(
        label=_("Guidance, one line per score from 1 to 5"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )

    def clean_guidance(self) -> list[str]:
        lines = [line.strip() for line in self.cleaned_data["guidance"].splitlines()]
        lines = [line for line in lines if line]
        if len(lines) > SCORE_MAX:
            raise forms.ValidationError(_("At most five lines, one per score."))
        return lines


class BandRowForm(forms.Form):
    standing = forms.ChoiceField(
        label=_("Standing"), choices=Standing.choices, widget=forms.HiddenInput
    )
    lower = forms.DecimalField(label=_("From"), min_value=0, max_value=100, decimal_places=2)
    upper = forms.DecimalField(label=_("Below"), min_value=0, max_value=100, decimal_places=2)


def criterion_inputs(formset: Any) -> list[CriterionInput]:
    """The criteria of a valid criteria formset, the deleted and the empty rows left out."""
    return [
        CriterionInput(
            key=data["key"],
            name=data["name"],
            weight=data["weight"],
            source=data["source"],
            guidance=data.get("guidance") or [],
            kpi_code=data.get("kpi_code") or "",
            kpi_best=data.get("kpi_best"),
            kpi_worst=data.get("kpi_worst"),
        )
        for data in (form.cleaned_data for form in formset.forms)
        if data and not data.get("DELETE")
    ]


def band_inputs(formset: Any) -> list[BandInput]:
    return [
        BandInput(standing=data["standing"], lower=data["lower"], upper=data["upper"])
        for data in (form.cleaned_data for form in formset.forms)
    ]


CriterionFormSet = forms.formset_factory(CriterionRowForm, extra=1, can_delete=True, max_num=30)
BandFormSet = forms.formset_factory(BandRowForm, extra=0, max_num=len(Standing.choices))


def template_formsets(
    data: QueryDict | None, *, criteria: list[CriterionInput], bands: list[BandInput]
) -> tuple[Any, Any]:
    initial_criteria = [{**asdict(row), "guidance": "\n".join(row.guidance)} for row in criteria]
    return (
        CriterionFormSet(data, initial=initial_criteria, prefix="criteria"),
        BandFormSet(data, initial=[asdict(band) for band in bands], prefix="bands"),
    )
