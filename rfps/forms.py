"""Forms of the RFP pages and the supplier's response pages. They parse input; the rules are
in rfps.services and rfps.permissions."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from core.currencies import currency_choices, default_currency
from core.forms import DateTimeField
from rfps.filtersets import RfpFilterSet
from rfps.models import Criterion, Invitation, Question, Rfp, RfpLine
from rfps.selectors import (
    rfp_invitable_supplier_list,
    rfp_owner_candidate_list,
    rfp_panel_candidate_list,
    rfp_visible,
)
from rfps.services.rfp import CriterionInput, InviteeInput, LineInput, RfpInput
from suppliers.models import Contact, Supplier
from suppliers.selectors import AnyUser, category_list, contact_visible

_API_ONLY_FILTERS = ("updated_since", "ordering", "deadline_after", "deadline_before")


def datetime_local_input() -> forms.DateTimeInput:
    return forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class UtcDateTimeField(DateTimeField):
    """A deadline typed and shown in UTC, as its help text says, whatever the site's
    TIME_ZONE: suppliers in other countries are told the same UTC time."""

    def prepare_value(self, value: Any) -> Any:
        with timezone.override(UTC):
            return super().prepare_value(value)

    def to_python(self, value: Any) -> datetime | None:
        with timezone.override(UTC):
            return super().to_python(value)


def rfp_filter_form(data: QueryDict | None, *, user: AnyUser) -> forms.Form:
    """The list page's filters: the API's FilterSet form, laid out for people. The owners
    offered are those of RFPs the user sees."""
    form: forms.Form = RfpFilterSet(data).form
    for name in _API_ONLY_FILTERS:
        form.fields.pop(name, None)
    status = form.fields["status"]
    status.widget = forms.CheckboxSelectMultiple(choices=status.choices)  # type: ignore[attr-defined]
    owner = form.fields["owner"]
    owner.queryset = User.objects.filter(  # type: ignore[attr-defined]
        pk__in=rfp_visible(user=user).values("owner_id")
    ).order_by("username")
    owner.empty_label = _("Any")  # type: ignore[attr-defined]
    form.fields["category"].queryset = category_list(user=user)  # type: ignore[attr-defined]
    form.fields["category"].empty_label = _("Any")  # type: ignore[attr-defined]
    return form


class RfpForm(forms.ModelForm):
    suppliers = forms.ModelMultipleChoiceField(
        label=_("Invite suppliers"),
        queryset=Supplier.objects.none(),
        widget=forms.CheckboxSelectMultiple(attrs={"class": "choice-list"}),
        required=False,
        help_text=_(
            "Their primary contact receives the link. Suppliers not to be invited "
            "after a very poor review are not listed."
        ),
    )
    panel = forms.ModelMultipleChoiceField(
        label=_("Evaluation panel"),
        queryset=User.objects.none(),
        widget=forms.CheckboxSelectMultiple(attrs={"class": "choice-list"}),
        required=False,
    )

    class Meta:
        model = Rfp
        fields = ["title", "description", "category", "owner", "currency", "budget", "deadline"]
        field_classes = {"deadline": UtcDateTimeField}
        widgets = {
            "deadline": datetime_local_input(),
            "description": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args: Any, user: AnyUser, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["currency"] = forms.ChoiceField(
            label=_("Currency"), choices=currency_choices(), initial=default_currency
        )
        self.fields["deadline"].help_text = _(
            "Server time (UTC). Proposals stay sealed until then."
        )
        invited = (
            []
            if self.instance.pk is None
            else list(self.instance.invitations.values_list("supplier_id", flat=True))
        )
        self.fields["suppliers"].queryset = rfp_invitable_supplier_list(  # type: ignore[attr-defined]
            user=user, invited=invited
        )
        self.fields["panel"].queryset = rfp_panel_candidate_list(user=user)  # type: ignore[attr-defined]
        self.fields["owner"].queryset = rfp_owner_candidate_list(user=user)  # type: ignore[attr-defined]
        self.fields["category"].queryset = category_list(user=user)  # type: ignore[attr-defined]
        if self.instance.pk is not None:
            self.initial["suppliers"] = invited
            self.initial["panel"] = list(self.instance.panel.values_list("pk", flat=True))


class LineForm(forms.Form):
    description = forms.CharField(label=_("Description"), max_length=300)
    quantity = forms.DecimalField(
        label=_("Quantity"), min_value=Decimal("0.001"), max_digits=14, decimal_places=3
    )
    unit = forms.CharField(label=_("Unit"), max_length=30, initial="pcs")


class QuestionForm(forms.Form):
    text = forms.CharField(label=_("Question"), max_length=500)


class CriterionForm(forms.Form):
    name = forms.CharField(label=_("Criterion"), max_length=200)
    weight = forms.IntegerField(label=_("Weight (%)"), min_value=1, max_value=100)
    is_price = forms.BooleanField(label=_("Scored from the price"), required=False)


LineFormSet = forms.formset_factory(LineForm, extra=2, max_num=200, validate_max=True)
QuestionFormSet = forms.formset_factory(QuestionForm, extra=2, max_num=100, validate_max=True)
CriterionFormSet = forms.formset_factory(CriterionForm, extra=2, max_num=20, validate_max=True)


def formsets(data: QueryDict | None, rfp: Rfp | None) -> dict[str, forms.BaseFormSet]:
    def initial(rows: Iterable[Any], names: tuple[str, ...]) -> list[dict[str, Any]]:
        return [{name: getattr(row, name) for name in names} for row in rows]

    lines: QuerySet[RfpLine] | list[RfpLine] = rfp.lines.all() if rfp else []
    questions: QuerySet[Question] | list[Question] = rfp.questions.all() if rfp else []
    criteria: QuerySet[Criterion] | list[Criterion] = rfp.criteria.all() if rfp else []
    return {
        "lines": LineFormSet(
            data, prefix="lines", initial=initial(lines, ("description", "quantity", "unit"))
        ),
        "questions": QuestionFormSet(
            data, prefix="questions", initial=initial(questions, ("text",))
        ),
        "criteria": CriterionFormSet(
            data,
            prefix="criteria",
            initial=initial(criteria, ("name", "weight", "is_price"))
            or [
                {"name": _("Price"), "weight": 40, "is_price": True},
                {"name": _("Quality"), "weight": 60},
            ],
        ),
    }


def _filled(formset: forms.BaseFormSet) -> list[dict[str, Any]]:
    return [f.cleaned_data for f in formset.forms if f.cleaned_data]


def rfp_input(form: RfpForm, sets: dict[str, forms.BaseFormSet]) -> RfpInput:
    data = form.cleaned_data
    suppliers: list[Supplier] = list(data["suppliers"])
    primary: dict[int, Contact] = {}
    for contact in (
        contact_visible(user=form.user)
        .filter(supplier__in=suppliers)
        .exclude(email="")
        .order_by("-is_primary", "name", "id")
    ):
        primary.setdefault(contact.supplier_id, contact)
    return RfpInput(
        title=data["title"],
        owner=data["owner"],
        currency=data["currency"],
        deadline=data["deadline"],
        description=data.get("description") or "",
        category=data.get("category"),
        budget=data.get("budget"),
        lines=[
            LineInput(r["description"], r["quantity"], r["unit"]) for r in _filled(sets["lines"])
        ],
        questions=[r["text"] for r in _filled(sets["questions"])],
        criteria=[
            CriterionInput(r["name"], r["weight"], r["is_price"]) for r in _filled(sets["criteria"])
        ],
        invitees=[InviteeInput(s, primary.get(s.pk)) for s in suppliers],
        panel=list(data["panel"]),
    )


class ResponseForm(forms.Form):
    """A price per line and an answer per question, named by their ids."""

    def __init__(
        self, *args: Any, rfp: Rfp, draft: dict[str, Any] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        draft = draft or {}
        for line in rfp.lines.all():
            self.fields[f"price_{line.pk}"] = forms.DecimalField(
                label=_("Unit price: %(line)s (%(quantity)s %(unit)s)")
                % {
                    "line": line.description,
                    "quantity": format(line.quantity.normalize(), "f"),
                    "unit": line.unit,
                },
                min_value=Decimal(0),
                max_digits=16,
                decimal_places=4,
                required=False,
                initial=draft.get("lines", {}).get(str(line.pk)),
                widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
            )
        for question in rfp.questions.all():
            self.fields[f"answer_{question.pk}"] = forms.CharField(
                label=question.text,
                required=False,
                max_length=10_000,
                initial=draft.get("answers", {}).get(str(question.pk)),
                widget=forms.Textarea(attrs={"rows": 3}),
            )

    def prices(self) -> dict[str, Decimal]:
        return {
            name[6:]: value
            for name, value in self.cleaned_data.items()
            if name.startswith("price_") and value is not None
        }

    def answers(self) -> dict[str, str]:
        return {
            name[7:]: value
            for name, value in self.cleaned_data.items()
            if name.startswith("answer_")
        }


class ProposalEnterForm(ResponseForm):
    """The buyer's copy of a proposal received by email, with one of its files."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"] = forms.FileField(
            label=_("A file that came with it"),
            required=False,
            help_text=_("PDF, Office documents, images, text or CSV."),
        )


class AttachmentForm(forms.Form):
    file = forms.FileField(
        label=_("Attach a file"), help_text=_("PDF, Office documents, images, text or CSV.")
    )


class AskForm(forms.Form):
    question = forms.CharField(
        label=_("Your question"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The answer goes to every invited supplier; your name is not shown."),
    )


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label=_("Why do you decline?"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label=_("Answer"), max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
    )


class RoundForm(forms.Form):
    shortlist = forms.ModelMultipleChoiceField(
        label=_("Shortlist"),
        queryset=Invitation.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    deadline = UtcDateTimeField(
        label=_("New deadline"), widget=datetime_local_input(), help_text=_("Server time (UTC).")
    )
    note = forms.CharField(
        label=_("Note to the suppliers"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, invitations: QuerySet[Invitation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["shortlist"].queryset = invitations  # type: ignore[attr-defined]


class AwardForm(forms.Form):
    invitation = forms.ModelChoiceField(
        label=_("Winning proposal"),
        queryset=Invitation.objects.none(),
        widget=forms.RadioSelect,
        empty_label=None,
    )
    # Required by rfps.services.award.rfp_award, which says so beside this field.
    rationale = forms.CharField(
        label=_("Rationale"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4, "required": True}),
    )

    def __init__(self, *args: Any, invitations: QuerySet[Invitation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["invitation"].queryset = invitations  # type: ignore[attr-defined]


class ScoreSheetForm(forms.Form):
    """A score (0-10) and a comment per supplier and criterion, named by their ids."""

    def __init__(
        self,
        *args: Any,
        invitations: list[Invitation],
        criteria: list[Criterion],
        initial_scores: dict[tuple[int, int], Any],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.cells: list[tuple[Invitation, Criterion, str, str]] = []
        for invitation in invitations:
            for criterion in criteria:
                key = f"{invitation.pk}_{criterion.pk}"
                score = initial_scores.get((invitation.pk, criterion.pk))
                self.fields[f"score_{key}"] = forms.DecimalField(
                    label=_("%(criterion)s: %(supplier)s")
                    % {"criterion": criterion.name, "supplier": invitation.supplier.name},
                    min_value=Decimal(0),
                    max_value=Decimal(10),
                    decimal_places=2,
                    required=False,
                    initial=score.value if score else None,
                    widget=forms.NumberInput(attrs={"step": "0.5", "inputmode": "decimal"}),
                )
                self.fields[f"comment_{key}"] = forms.CharField(
                    label=_("Comment"),
                    required=False,
                    max_length=5000,
                    initial=score.comment if score else "",
                    widget=forms.TextInput(),
                )
                self.cells.append((invitation, criterion, f"score_{key}", f"comment_{key}"))

    def bound_cells(self) -> list[tuple[Invitation, Criterion, forms.BoundField, forms.BoundField]]:
        return [(i, c, self[s], self[m]) for i, c, s, m in self.cells]
