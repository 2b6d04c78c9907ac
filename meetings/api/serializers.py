"""Meetings and commitments over the API: full, brief (for nesting) and write serializers.

Reads render what the selectors loaded and run no query of their own: ``meeting_list``
prefetches the attendees and the commitments (each annotated ``overdue``), and
``commitment_list`` joins the owners, the supplier and the meeting.

Writes parse the input and resolve its ids, one query per kind of id whatever the number of
items, and only among the objects the caller may see; the rules are checked by
``meetings.services``. Errors of nested input are keyed by path, as the services key theirs:
``commitments.2.owner``, ``new_contacts.0.email``, ``our_attendees.1``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypeVar, cast

from django.db.models import Model, QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.utils.serializer_helpers import ReturnDict

from accounts.api.serializers import UserBriefSerializer
from accounts.models import User
from core.api.fields import AllowedActionsField, DateField, DateTimeField
from meetings.choices import (
    CommitmentAction,
    CommitmentSide,
    CommitmentStatus,
    MeetingAction,
    MeetingKind,
)
from meetings.models import Commitment, Meeting
from meetings.selectors import meeting_visible
from meetings.services import (
    MEETING_FIELDS,
    CommitmentInput,
    MeetingFields,
    MeetingInput,
    NewContactInput,
)
from suppliers.api.serializers import SupplierBriefSerializer
from suppliers.models import Contact, Supplier
from suppliers.selectors import contact_visible, owner_candidate_list, supplier_visible

# Generous for one meeting, and a bound on what one request makes the server look up.
MAX_PEOPLE = 100
MAX_COMMITMENTS = 100


@extend_schema_field(
    {"type": "string", "enum": CommitmentStatus.values, "readOnly": True},
    component_name="CommitmentStatus",
)
class CommitmentStatusField(serializers.ChoiceField):
    """A commitment's status, named apart from a supplier's in the schema."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=CommitmentStatus.choices, read_only=True, **kwargs)


# --- Brief: what other resources nest ---------------------------------------------------------


class ContactBriefSerializer(serializers.ModelSerializer[Contact]):
    url = serializers.HyperlinkedIdentityField(view_name="api:contact-detail")

    class Meta:
        model = Contact
        fields = ["id", "url", "name", "email"]
        read_only_fields = fields


class MeetingBriefSerializer(serializers.ModelSerializer[Meeting]):
    url = serializers.HyperlinkedIdentityField(view_name="api:meeting-detail")

    class Meta:
        model = Meeting
        fields = ["id", "url", "subject", "kind", "starts_at"]
        read_only_fields = fields


class CommitmentBriefSerializer(serializers.ModelSerializer[Commitment]):
    url = serializers.HyperlinkedIdentityField(view_name="api:commitment-detail")
    status = CommitmentStatusField()
    overdue = serializers.BooleanField(read_only=True)

    class Meta:
        model = Commitment
        fields = ["id", "url", "description", "side", "status", "due_date", "overdue"]
        read_only_fields = fields


# --- Full -------------------------------------------------------------------------------------


class MeetingSerializer(serializers.ModelSerializer[Meeting]):
    url = serializers.HyperlinkedIdentityField(view_name="api:meeting-detail")
    supplier = SupplierBriefSerializer(read_only=True)
    in_person = serializers.BooleanField(
        read_only=True, help_text=_("Counts towards the in-person part of the engagement policy.")
    )
    notes = serializers.CharField(
        read_only=True, help_text=_("Plain text, as typed: show it as text, never as HTML.")
    )
    outcome = serializers.CharField(
        read_only=True, help_text=_("Plain text, as typed: show it as text, never as HTML.")
    )
    logged_by = UserBriefSerializer(read_only=True)
    our_attendees = UserBriefSerializer(many=True, read_only=True)
    their_attendees = ContactBriefSerializer(many=True, read_only=True)
    commitments = CommitmentBriefSerializer(many=True, read_only=True)
    allowed_actions = AllowedActionsField(choices=MeetingAction)

    class Meta:
        model = Meeting
        fields = [
            "id",
            "url",
            "supplier",
            "kind",
            "in_person",
            "starts_at",
            "location",
            "subject",
            "notes",
            "outcome",
            "logged_by",
            "our_attendees",
            "their_attendees",
            "commitments",
            "allowed_actions",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class CommitmentSerializer(serializers.ModelSerializer[Commitment]):
    url = serializers.HyperlinkedIdentityField(view_name="api:commitment-detail")
    supplier = SupplierBriefSerializer(read_only=True)
    meeting = MeetingBriefSerializer(read_only=True, allow_null=True)
    owner_user = UserBriefSerializer(
        read_only=True, allow_null=True, help_text=_("The owner of one of our commitments.")
    )
    owner_contact = ContactBriefSerializer(
        read_only=True, allow_null=True, help_text=_("The owner of one of theirs.")
    )
    status = CommitmentStatusField(help_text=_("Changed only by the complete and cancel actions."))
    overdue = serializers.BooleanField(
        read_only=True, help_text=_("Open and due before today; derived, never stored.")
    )
    completed_by = UserBriefSerializer(
        read_only=True, allow_null=True, help_text=_("Who marked it done; empty otherwise.")
    )
    cancelled_by = UserBriefSerializer(
        read_only=True, allow_null=True, help_text=_("Who cancelled it; empty otherwise.")
    )
    created_by = UserBriefSerializer(read_only=True)
    allowed_actions = AllowedActionsField(choices=CommitmentAction)

    class Meta:
        model = Commitment
        fields = [
            "id",
            "url",
            "supplier",
            "meeting",
            "description",
            "side",
            "owner_user",
            "owner_contact",
            "due_date",
            "status",
            "overdue",
            "completed_at",
            "completed_by",
            "cancelled_at",
            "cancelled_by",
            "note",
            "created_by",
            "allowed_actions",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


# --- Write ------------------------------------------------------------------------------------


def _flat(detail: Any, path: str = "") -> dict[str, Any]:
    """DRF's nested errors ({"commitments": [{}, {"due_date": [...]}]}) keyed by path
    ({"commitments.1.due_date": [...]}); the errors of a list or object as a whole sit on its
    own path."""
    if isinstance(detail, Mapping):
        items: Iterable[tuple[Any, Any]] = detail.items()
    elif isinstance(detail, list) and any(isinstance(item, Mapping | list) for item in detail):
        items = enumerate(detail)
    else:
        return {path or "non_field_errors": detail} if detail else {}
    flat: dict[str, Any] = {}
    for key, value in items:
        if key == "non_field_errors" and path:
            key = ""
        flat.update(_flat(value, ".".join(str(part) for part in (path, key) if part != "")))
    return flat


class PathErrorsMixin:
    """Errors keyed by path: see ``_flat``."""

    @property
    def errors(self) -> ReturnDict[str, Any]:
        errors = super().errors  # type: ignore[misc]
        return ReturnDict(_flat(errors), serializer=cast(serializers.BaseSerializer[Any], self))


_M = TypeVar("_M", bound=Model)


def _ids(values: Iterable[int | None]) -> list[int]:
    """The ids given, once each, in order."""
    return list(dict.fromkeys(value for value in values if value is not None))


_NO_USER = _("No user has the id %(id)s.")
_NO_CONTACT = _("No contact has the id %(id)s.")


def _pick(
    found: Mapping[int, _M],
    ids: Iterable[int],
    *,
    path: str,
    missing: Any,
    errors: dict[str, list[Any]],
) -> list[_M]:
    """The objects of ``ids``, in order; an error on ``path`` for each id not found."""
    picked = []
    for pk in ids:
        if pk in found:
            picked.append(found[pk])
        else:
            errors.setdefault(path, []).append(missing % {"id": pk})
    return picked


def _one(
    found: Mapping[int, _M], pk: int, *, path: str, missing: Any, errors: dict[str, list[Any]]
) -> _M | None:
    picked = _pick(found, [pk], path=path, missing=missing, errors=errors)
    return picked[0] if picked else None


def _people(user: Any, ids: Iterable[int]) -> dict[int, User]:
    # The people who may attend or own things (active, one of ours), as the caller sees
    # them; the service checks the same rule again.
    return owner_candidate_list(user=user).in_bulk(_ids(ids))


def _contacts(user: Any, ids: Iterable[int]) -> dict[int, Contact]:
    return contact_visible(user=user).in_bulk(_ids(ids))


@extend_schema_field(OpenApiTypes.INT)
class _VisibleSupplierField(serializers.PrimaryKeyRelatedField[Supplier]):
    """A supplier id the caller may see; others are answered as if they did not exist."""

    def get_queryset(self) -> QuerySet[Supplier]:
        return supplier_visible(user=self.context["request"].user)


@extend_schema_field(OpenApiTypes.INT)
class _VisibleMeetingField(serializers.PrimaryKeyRelatedField[Meeting]):
    def get_queryset(self) -> QuerySet[Meeting]:
        return meeting_visible(user=self.context["request"].user)


def _id_list(help_text: Any) -> serializers.ListField:
    return serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        required=False,
        max_length=MAX_PEOPLE,
        help_text=help_text,
    )


def _optional_id(help_text: Any, min_value: int = 1) -> serializers.IntegerField:
    return serializers.IntegerField(
        min_value=min_value, required=False, allow_null=True, help_text=help_text
    )


_PLAIN_TEXT = _("Plain text: it is shown as typed, never as HTML.")


class _MeetingFieldsSerializer(PathErrorsMixin, serializers.Serializer[Meeting]):
    """What a meeting says, as logged and as changed."""

    kind = serializers.ChoiceField(choices=MeetingKind.choices)
    starts_at = DateTimeField(required=False, help_text=_("Default: now."))
    location = serializers.CharField(max_length=200, required=False, allow_blank=True)
    subject = serializers.CharField(max_length=200, required=False, allow_blank=True)
    notes = serializers.CharField(required=False, allow_blank=True, help_text=_PLAIN_TEXT)
    outcome = serializers.CharField(required=False, allow_blank=True, help_text=_PLAIN_TEXT)
    our_attendees = _id_list(_("Ids of our people who were there. Default: the caller."))
    their_attendees = _id_list(_("Ids of the supplier's contacts who were there."))

    def to_representation(self, instance: Meeting) -> Any:
        # A write answers with the full representation of what was written.
        return MeetingSerializer(instance, context=self.context).data

    def meeting_data(self) -> MeetingFields:
        return MeetingFields(
            **{name: value for name, value in self.validated_data.items() if name in MEETING_FIELDS}
        )


class NewContactSerializer(serializers.Serializer[Any]):
    """Someone of the supplier's met for the first time, added as their contact."""

    name = serializers.CharField(max_length=200)
    email = serializers.EmailField(max_length=254, required=False, allow_blank=True)
    job_title = serializers.CharField(max_length=200, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=50, required=False, allow_blank=True)


class CommitmentItemSerializer(serializers.Serializer[Any]):
    """A commitment made in the meeting: ours is owned by ``owner_user``; theirs by
    ``owner_contact`` or by ``owner_new_contact``, the index of one of ``new_contacts``."""

    description = serializers.CharField(max_length=500)
    side = serializers.ChoiceField(choices=CommitmentSide.choices)
    owner_user = _optional_id(_("For ours: a user id."))
    owner_contact = _optional_id(_("For theirs: the id of one of the supplier's contacts."))
    owner_new_contact = _optional_id(
        _("For theirs: the 0-based index of a contact in new_contacts."), min_value=0
    )
    due_date = DateField()
    note = serializers.CharField(required=False, allow_blank=True)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        owners = [attrs.get(name) for name in ("owner_user", "owner_contact", "owner_new_contact")]
        if sum(owner is not None for owner in owners) > 1:
            raise serializers.ValidationError(
                {"owner": _("Give one owner: owner_user, owner_contact or owner_new_contact.")}
            )
        return attrs


def _commitment_input(
    item: Mapping[str, Any],
    people: Mapping[int, User],
    contacts: Mapping[int, Contact],
    *,
    new_contacts: int,
    path: str,
    errors: dict[str, list[Any]],
) -> CommitmentInput:
    """The item with its owner resolved. Which side the owner must be on is the service's
    rule: an owner of the wrong kind is handed over as given, for it to refuse."""
    owner: User | Contact | None = None
    if item.get("owner_user") is not None:
        owner = _one(
            people, item["owner_user"], path=f"{path}.owner_user", missing=_NO_USER, errors=errors
        )
    elif item.get("owner_contact") is not None:
        owner = _one(
            contacts,
            item["owner_contact"],
            path=f"{path}.owner_contact",
            missing=_NO_CONTACT,
            errors=errors,
        )
    new_contact_index = item.get("owner_new_contact")
    if new_contact_index is not None and new_contact_index >= new_contacts:
        errors[f"{path}.owner_new_contact"] = [_("There is no new contact at this index.")]
    return CommitmentInput(
        description=item["description"],
        side=item["side"],
        due_date=item["due_date"],
        owner=owner,
        new_contact_index=new_contact_index,
        note=item.get("note", ""),
    )


class MeetingWriteSerializer(_MeetingFieldsSerializer):
    """A meeting logged in one go: attendees, contacts met for the first time and the
    commitments made. All of it is saved, or nothing."""

    supplier = _VisibleSupplierField()
    new_contacts: serializers.ListSerializer[Any] = serializers.ListSerializer(
        child=NewContactSerializer(), required=False, max_length=MAX_PEOPLE
    )
    commitments: serializers.ListSerializer[Any] = serializers.ListSerializer(
        child=CommitmentItemSerializer(), required=False, max_length=MAX_COMMITMENTS
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        items: list[dict[str, Any]] = attrs.get("commitments", [])
        our_ids = _ids(attrs.get("our_attendees", []))
        their_ids = _ids(attrs.get("their_attendees", []))
        people = _people(
            self.context["request"].user,
            [*our_ids, *_ids(item.get("owner_user") for item in items)],
        )
        contacts = _contacts(
            self.context["request"].user,
            [*their_ids, *_ids(item.get("owner_contact") for item in items)],
        )
        errors: dict[str, list[Any]] = {}
        attrs["our_attendees"] = _pick(
            people, our_ids, path="our_attendees", missing=_NO_USER, errors=errors
        )
        attrs["their_attendees"] = _pick(
            contacts, their_ids, path="their_attendees", missing=_NO_CONTACT, errors=errors
        )
        new_contacts = len(attrs.get("new_contacts", []))
        attrs["commitments"] = [
            _commitment_input(
                item,
                people,
                contacts,
                new_contacts=new_contacts,
                path=f"commitments.{index}",
                errors=errors,
            )
            for index, item in enumerate(items)
        ]
        if errors:
            raise serializers.ValidationError(errors)
        return attrs

    def meeting_input(self) -> MeetingInput:
        data = self.validated_data
        return MeetingInput(
            supplier=data["supplier"],
            fields=self.meeting_data(),
            our_attendees=data["our_attendees"],
            their_attendees=data["their_attendees"],
            new_contacts=[NewContactInput(**row) for row in data.get("new_contacts", [])],
            commitments=data["commitments"],
        )


class MeetingUpdateSerializer(_MeetingFieldsSerializer):
    """A meeting's own fields and attendees. The supplier is fixed; commitments are added and
    closed through /api/v1/commitments/. Attendee lists given replace the old ones."""

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        errors: dict[str, Any] = {}
        meeting: Meeting = self.instance  # type: ignore[assignment]
        supplier = self.initial_data.get("supplier")
        if supplier is not None and str(supplier) != str(meeting.supplier_id):
            errors["supplier"] = [_("A meeting stays with its supplier.")]
        elsewhere = {
            "commitments": _("Add commitments with POST /api/v1/commitments/."),
            "new_contacts": _("Add contacts with POST /api/v1/contacts/."),
        }
        for name, message in elsewhere.items():
            if self.initial_data.get(name):
                errors[name] = [message]
        if "our_attendees" in attrs:
            ids = _ids(attrs["our_attendees"])
            attrs["our_attendees"] = _pick(
                _people(self.context["request"].user, ids),
                ids,
                path="our_attendees",
                missing=_NO_USER,
                errors=errors,
            )
        if "their_attendees" in attrs:
            ids = _ids(attrs["their_attendees"])
            contacts = _contacts(self.context["request"].user, ids)
            attrs["their_attendees"] = _pick(
                contacts, ids, path="their_attendees", missing=_NO_CONTACT, errors=errors
            )
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


class CommitmentWriteSerializer(PathErrorsMixin, serializers.Serializer[Commitment]):
    """A commitment on its own, or added to a meeting logged before. Ours is owned by
    ``owner_user``, theirs by ``owner_contact``. The status changes only through the
    ``complete`` and ``cancel`` actions."""

    supplier = _VisibleSupplierField()
    meeting = _VisibleMeetingField(
        required=False, allow_null=True, help_text=_("The meeting it was made in, if any.")
    )
    description = serializers.CharField(max_length=500)
    side = serializers.ChoiceField(choices=CommitmentSide.choices)
    owner_user = _optional_id(_("For ours: a user id."))
    owner_contact = _optional_id(_("For theirs: the id of one of the supplier's contacts."))
    due_date = DateField()
    note = serializers.CharField(required=False, allow_blank=True)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        user_id, contact_id = attrs.get("owner_user"), attrs.get("owner_contact")
        errors: dict[str, list[Any]] = {}
        # Whether the meeting was with this supplier is the service's rule (commitment_create).
        if user_id is not None and contact_id is not None:
            errors["owner"] = [_("Give one owner: owner_user or owner_contact.")]
        elif user_id is not None:
            attrs["owner"] = _one(
                _people(self.context["request"].user, [user_id]),
                user_id,
                path="owner_user",
                missing=_NO_USER,
                errors=errors,
            )
        elif contact_id is not None:
            contacts = _contacts(self.context["request"].user, [contact_id])
            attrs["owner"] = _one(
                contacts, contact_id, path="owner_contact", missing=_NO_CONTACT, errors=errors
            )
        if errors:
            raise serializers.ValidationError(errors)
        return attrs

    def commitment_input(self) -> CommitmentInput:
        data = self.validated_data
        return CommitmentInput(
            description=data["description"],
            side=data["side"],
            due_date=data["due_date"],
            owner=data.get("owner"),
            note=data.get("note", ""),
        )

    def to_representation(self, instance: Commitment) -> Any:
        # A write answers with the full representation of what was written.
        return CommitmentSerializer(instance, context=self.context).data


class CommitmentCloseSerializer(serializers.Serializer[Any]):
    note = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text=_("How it was kept, or why it was dropped. Empty: the note stays as it was."),
    )
