"""Forms of the meeting pages. They parse input only: the services validate and write."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from django import forms
from django.core.validators import MinValueValidator
from django.db.models import QuerySet
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from core.forms import DateField, DateTimeField
from meetings.choices import CommitmentSide, MeetingKind
from meetings.filtersets import MeetingFilterSet
from meetings.models import EngagementPolicy
from meetings.services import MEETING_FIELDS, CommitmentInput, MeetingFields, NewContactInput
from suppliers.choices import Segment
from suppliers.models import Category, Contact, Supplier
from suppliers.selectors import (
    category_list,
    contact_visible,
    owner_candidate_list,
    supplier_list,
    supplier_visible,
)

# At most this many suppliers are offered by the type-ahead, or as choices when a typed name
# matches several.
SUPPLIER_MATCHES = 20
MAX_ROWS = 50


def datetime_local_input() -> forms.DateTimeInput:
    return forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def now_to_the_minute() -> Any:
    return timezone.localtime().replace(second=0, microsecond=0)


class MeetingFieldsForm(forms.Form):
    """What a meeting says, whether it is logged or changed afterwards. ``their_attendees``
    accepts any contact the user may see: that they belong to the supplier is the service's
    rule, and its error shows beside the field."""

    kind = forms.ChoiceField(label=_("Kind"), choices=MeetingKind.choices)
    starts_at = DateTimeField(label=_("Time"), widget=datetime_local_input())
    location = forms.CharField(label=_("Location"), max_length=200, required=False)
    subject = forms.CharField(label=_("Subject"), max_length=200, required=False)
    our_attendees = forms.ModelMultipleChoiceField(
        label=_("Our attendees"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    their_attendees = forms.ModelMultipleChoiceField(
        label=_("Their attendees"), queryset=Contact.objects.none(), required=False
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    outcome = forms.CharField(
        label=_("Outcome"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, user: User, people: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["our_attendees"].queryset = people  # type: ignore[attr-defined]
        self.fields["their_attendees"].queryset = contact_visible(user=user)  # type: ignore[attr-defined]

    def meeting_data(self) -> MeetingFields:
        return MeetingFields(**{name: self.cleaned_data[name] for name in MEETING_FIELDS})

    def selected(self, name: str) -> list[str]:
        """The ids chosen in a multiple-choice field, as strings, for the template."""
        return [str(value) for value in self[name].value() or []]


class MeetingLogForm(MeetingFieldsForm):
    """The quick log. The supplier comes as an id (picked with the type-ahead) or, without
    JavaScript, as a typed name that is looked up on submit."""

    supplier = forms.ModelChoiceField(
        label=_("Supplier"),
        queryset=Supplier.objects.none(),
        required=False,
        widget=forms.HiddenInput,
    )
    supplier_name = forms.CharField(label=_("Supplier"), max_length=200, required=False)

    field_order = ["supplier", "supplier_name", "kind", "starts_at"]

    def __init__(self, *args: Any, user: User, people: QuerySet[User], **kwargs: Any) -> None:
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("kind", MeetingKind.IN_PERSON)
        kwargs["initial"].setdefault("starts_at", now_to_the_minute())
        kwargs["initial"].setdefault("our_attendees", [user.pk])
        super().__init__(*args, user=user, people=people, **kwargs)
        self.user = user
        self.fields["supplier"].queryset = supplier_visible(user=user)  # type: ignore[attr-defined]
        name_input = self.fields["supplier_name"].widget
        name_input.input_type = "search"
        name_input.attrs.update({"list": "supplier-options", "autocomplete": "off"})
        # Suppliers a typed name matched, when it matched more than one: offered as choices.
        self.candidates: list[Supplier] = []

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("supplier") is None and "supplier" not in self.errors:
            cleaned["supplier"] = self._supplier_by_name(cleaned.get("supplier_name", ""))
        return cleaned

    def _supplier_by_name(self, name: str) -> Supplier | None:
        name = name.strip()
        if not name:
            self.add_error("supplier_name", _("Choose the supplier you met."))
            return None
        matches = list(
            supplier_list(user=self.user, filters={"q": name})
            .prefetch_related(None)
            .order_by("name", "id")[: SUPPLIER_MATCHES + 1]
        )
        exact = [supplier for supplier in matches if supplier.name.casefold() == name.casefold()]
        if len(exact) == 1 or len(matches) == 1:
            return exact[0] if exact else matches[0]
        if not matches:
            self.add_error("supplier_name", _("No supplier matches this name."))
        else:
            self.candidates = matches[:SUPPLIER_MATCHES]
            self.add_error("supplier_name", _("Several suppliers match: choose one."))
        return None

    def chosen_supplier(self) -> Supplier | None:
        """The supplier once the form is cleaned, valid or not."""
        if not hasattr(self, "cleaned_data"):
            return None
        supplier: Supplier | None = self.cleaned_data.get("supplier")
        return supplier


class MeetingUpdateForm(MeetingFieldsForm):
    pass


class NewContactForm(forms.Form):
    """A person of the supplier's met for the first time, added as they log the meeting."""

    name = forms.CharField(label=_("Name"), max_length=200)
    email = forms.EmailField(label=_("Email"), required=False)
    job_title = forms.CharField(label=_("Job title"), max_length=200, required=False)

    def contact_data(self) -> NewContactInput:
        return NewContactInput(
            name=self.cleaned_data["name"],
            email=self.cleaned_data["email"] or "",
            job_title=self.cleaned_data["job_title"] or "",
        )


@dataclass(frozen=True)
class OwnerChoices:
    """Whom a commitment may be owned by: our people, the supplier's contacts, and the new
    contacts typed in the same submit (by their row in the form)."""

    users: Sequence[User]
    contacts: Sequence[Contact]
    new_contacts: Sequence[tuple[str, str]]
    default: str = ""

    @property
    def user_options(self) -> list[tuple[str, str]]:
        return [(f"user:{user.pk}", user.name) for user in self.users]

    @property
    def contact_options(self) -> list[tuple[str, str]]:
        return [(f"contact:{contact.pk}", contact.name) for contact in self.contacts]

    def values(self) -> list[tuple[str, str]]:
        return [*self.user_options, *self.contact_options, *self.new_contacts]


class CommitmentForm(forms.Form):
    description = forms.CharField(label=_("What was promised"), max_length=500, required=False)
    side = forms.ChoiceField(
        label=_("Side"),
        choices=CommitmentSide.choices,
        initial=CommitmentSide.OURS,
        widget=forms.RadioSelect,
    )
    owner = forms.ChoiceField(label=_("Owner"), required=False)
    due_date = DateField(
        label=_("Due date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args: Any, owners: OwnerChoices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.owners = owners
        self.fields["owner"].choices = [("", "—"), *owners.values()]  # type: ignore[attr-defined]
        # The default owner, like the default side, leaves a row unchanged: it is skipped.
        self.fields["owner"].initial = owners.default

    def commitment_input(self, new_contact_rows: dict[int, int]) -> CommitmentInput:
        """The commitment as the service takes it; ``new_contact_rows`` maps a new-contact
        row of the form to its place in the list given to the service."""
        data = self.cleaned_data
        kind, _colon, key = data["owner"].partition(":")
        owner: User | Contact | None = None
        new_contact_index = None
        if kind == "user":
            owner = next(user for user in self.owners.users if str(user.pk) == key)
        elif kind == "contact":
            owner = next(contact for contact in self.owners.contacts if str(contact.pk) == key)
        elif kind == "new":
            new_contact_index = new_contact_rows.get(int(key))
        return CommitmentInput(
            description=data["description"],
            side=data["side"],
            due_date=data["due_date"],
            owner=owner,
            new_contact_index=new_contact_index,
        )

    def owner_is_missing_new_contact(self, new_contact_rows: dict[int, int]) -> bool:
        kind, _colon, key = self.cleaned_data["owner"].partition(":")
        return kind == "new" and int(key) not in new_contact_rows


if TYPE_CHECKING:
    NewContactFormSet = forms.BaseFormSet[NewContactForm]
    CommitmentFormSet = forms.BaseFormSet[CommitmentForm]
new_contact_formset: type[NewContactFormSet] = forms.formset_factory(
    NewContactForm, extra=1, can_delete=True, max_num=MAX_ROWS, validate_max=True
)
commitment_formset: type[CommitmentFormSet] = forms.formset_factory(
    CommitmentForm, extra=1, can_delete=True, max_num=MAX_ROWS, validate_max=True
)
AnyForm = TypeVar("AnyForm", bound=forms.Form)


def filled_forms(formset: forms.BaseFormSet[AnyForm]) -> list[AnyForm]:
    """The rows of a valid formset that someone filled in and did not remove."""
    return [
        form for form in formset.forms if form.has_changed() and not form.cleaned_data.get("DELETE")
    ]


class EngagementPolicyForm(forms.ModelForm):
    class Meta:
        model = EngagementPolicy
        fields = ["max_days_between_meetings", "max_days_between_in_person"]
        help_texts = {
            "max_days_between_meetings": _("Empty: no meeting is required."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            # The model's constraint says how few days are allowed, with its own message; the
            # form field's "0 or more" would be a second, different rule.
            field.validators = [v for v in field.validators if not isinstance(v, MinValueValidator)]
            field.widget.attrs.pop("min", None)

    def _post_clean(self) -> None:
        # The service copies the input onto the policy, checks it and saves it.
        pass


class KeySupplierFilterForm(forms.Form):
    """Which suppliers a relationship list shows: the dashboard's filters, carried by its links."""

    owner = forms.ModelChoiceField(
        label=_("Owner"), queryset=User.objects.none(), required=False, empty_label=_("Anyone")
    )
    segment = forms.MultipleChoiceField(
        label=_("Segment"),
        choices=Segment.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    category = forms.ModelMultipleChoiceField(
        label=_("Category"),
        queryset=Category.objects.none(),
        required=False,
        help_text=_("Includes the categories below it."),
        widget=forms.SelectMultiple(attrs={"size": 4}),
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owner_candidate_list(user=user)  # type: ignore[attr-defined]
        self.fields["category"].queryset = category_list(user=user).order_by("name")  # type: ignore[attr-defined]


class OverdueContactFilterForm(KeySupplierFilterForm):
    in_person = forms.BooleanField(label=_("Only those not met in person in time"), required=False)


def meeting_filter_form(data: QueryDict | None, *, people: QuerySet[User]) -> forms.Form:
    """The meeting list's filter form: the API's FilterSet form, laid out for people."""
    form: forms.Form = MeetingFilterSet(data).form
    for name in ("attendee", "starts_after", "starts_before", "updated_since"):
        form.fields.pop(name)
    # 100,000s of suppliers make no list box: the supplier page's link sets it.
    form.fields["supplier"].widget = forms.HiddenInput()
    kind = form.fields["kind"]
    kind.widget = forms.CheckboxSelectMultiple(choices=kind.choices)  # type: ignore[attr-defined]
    for name in ("date_from", "date_to"):
        form.fields[name].widget = forms.DateInput(attrs={"type": "date"})
    form.fields["category"].widget.attrs["size"] = 4
    owner = form.fields["account_owner"]
    owner.queryset = people  # type: ignore[attr-defined]
    owner.empty_label = _("Anyone")  # type: ignore[attr-defined]
    return form
