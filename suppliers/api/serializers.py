"""Suppliers over the API: full, brief (for nesting) and write serializers per resource.

Serializers render what the selectors loaded and run no query of their own: a supplier comes
with ``current_ownerships`` and ``categories`` prefetched (``selectors.supplier_list``). The
supplier list, the high-volume endpoint, renders with ``supplier_list_data`` instead: the same
schema, built from ``.values()`` rows at a fraction of the cost.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.conf.global_settings import LANGUAGES as ALL_LANGUAGES
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries import countries
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.reverse import reverse

from accounts.api.serializers import UserBriefSerializer
from accounts.models import User, shown_name
from core.api.bulk import UpsertCountsSerializer
from core.api.fields import AllowedActionsField, BlankableURLField, DateField
from suppliers.choices import OwnershipRole, RiskLevel, Segment, SupplierAction, SupplierStatus
from suppliers.models import Category, Contact, KeyAccountOwnership, Supplier
from suppliers.selectors import category_list, owner_candidate_list, supplier_visible
from suppliers.services import SUPPLIER_FIELDS

_LANGUAGE_CODES = [code for code, _name in ALL_LANGUAGES]


@extend_schema_field(
    {"type": "string", "enum": ["", *_LANGUAGE_CODES], "description": "A language code."},
    component_name="ContactLanguage",
)
class ContactLanguageField(serializers.ChoiceField):
    """A contact's language: any language Django knows, unlike a user's (the app's five)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=ALL_LANGUAGES, allow_blank=True, **kwargs)


@extend_schema_field(
    {
        "type": "string",
        "enum": ["", *(code for code, _name in countries)],
        "description": "An ISO 3166-1 alpha-2 country code; an empty string when not known.",
    },
    component_name="CountryCode",
)
class CountryCodeField(serializers.ChoiceField):
    """A supplier's country: its ISO 3166 code, or "" when none is recorded (a blank country
    is allowed, from the pages and the ERP alike). DRF's ChoiceField would hand back
    django-countries' ``Country`` object for a blank value, which JSON cannot carry."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=list(countries), allow_blank=True, **kwargs)

    def to_representation(self, value: Any) -> str:
        return str(value or "")


# --- Brief: what other resources nest --------------------------------------------------------


class CategoryBriefSerializer(serializers.ModelSerializer[Category]):
    url = serializers.HyperlinkedIdentityField(view_name="api:category-detail")

    class Meta:
        model = Category
        fields = ["id", "url", "name"]
        read_only_fields = fields


class SupplierBriefSerializer(serializers.ModelSerializer[Supplier]):
    url = serializers.HyperlinkedIdentityField(view_name="api:supplier-detail")

    class Meta:
        model = Supplier
        fields = ["id", "url", "name", "external_id"]
        read_only_fields = fields


class KeyAccountOwnershipBriefSerializer(serializers.ModelSerializer[KeyAccountOwnership]):
    url = serializers.HyperlinkedIdentityField(view_name="api:key-account-owner-detail")
    user = UserBriefSerializer(read_only=True)

    class Meta:
        model = KeyAccountOwnership
        fields = ["id", "url", "user", "role", "since"]
        read_only_fields = fields


# --- Full -------------------------------------------------------------------------------------


class SupplierSerializer(serializers.ModelSerializer[Supplier]):
    url = serializers.HyperlinkedIdentityField(view_name="api:supplier-detail")
    country = CountryCodeField(read_only=True)
    website = BlankableURLField(read_only=True)
    owner = serializers.SerializerMethodField(
        help_text=_("The current owner; the others with a key-account role are listed below.")
    )
    key_account_owners = KeyAccountOwnershipBriefSerializer(
        source="current_ownerships",
        many=True,
        read_only=True,
        help_text=_("Everyone with a current key-account role: owner, backup or sponsor."),
    )
    categories = CategoryBriefSerializer(many=True, read_only=True)

    class Meta:
        model = Supplier
        fields = [
            "id",
            "url",
            "name",
            "legal_name",
            "external_id",
            "vat_number",
            "country",
            "website",
            "status",
            "segment",
            "risk_level",
            "excluded_from_rfps",
            "default_currency",
            "annual_spend",
            "notes",
            "owner",
            "key_account_owners",
            "categories",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(UserBriefSerializer(allow_null=True))
    def get_owner(self, supplier: Supplier) -> dict[str, Any] | None:
        for ownership in supplier.current_ownerships:  # type: ignore[attr-defined]
            if ownership.is_owner:
                return UserBriefSerializer(ownership.user).data
        return None


class SupplierDetailSerializer(SupplierSerializer):
    """One supplier, with what the caller may do to it now (the page's buttons). The list
    leaves ``allowed_actions`` out: it renders from plain rows (``supplier_list_data``)."""

    allowed_actions = AllowedActionsField(choices=SupplierAction)

    class Meta(SupplierSerializer.Meta):
        fields = [*SupplierSerializer.Meta.fields, "allowed_actions"]
        read_only_fields = fields


class ContactSerializer(serializers.ModelSerializer[Contact]):
    url = serializers.HyperlinkedIdentityField(view_name="api:contact-detail")
    supplier = SupplierBriefSerializer(read_only=True)
    preferred_language = ContactLanguageField(read_only=True)

    class Meta:
        model = Contact
        fields = [
            "id",
            "url",
            "supplier",
            "name",
            "job_title",
            "email",
            "phone",
            "preferred_language",
            "is_primary",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class CategorySerializer(serializers.ModelSerializer[Category]):
    url = serializers.HyperlinkedIdentityField(view_name="api:category-detail")
    parent = CategoryBriefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Category
        fields = ["id", "url", "name", "parent", "created_at", "updated_at"]
        read_only_fields = fields


class KeyAccountOwnershipSerializer(serializers.ModelSerializer[KeyAccountOwnership]):
    url = serializers.HyperlinkedIdentityField(view_name="api:key-account-owner-detail")
    supplier = SupplierBriefSerializer(read_only=True)
    user = UserBriefSerializer(read_only=True)
    is_current = serializers.BooleanField(read_only=True)

    class Meta:
        model = KeyAccountOwnership
        fields = [
            "id",
            "url",
            "supplier",
            "user",
            "role",
            "since",
            "until",
            "is_current",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


# --- Write ------------------------------------------------------------------------------------


class _VisibleSupplierField(serializers.PrimaryKeyRelatedField[Supplier]):
    """A supplier id the caller may see; others are answered as if they did not exist."""

    def get_queryset(self) -> QuerySet[Supplier]:
        return supplier_visible(user=self.context["request"].user)


class _VisibleCategoryField(serializers.PrimaryKeyRelatedField[Category]):
    def get_queryset(self) -> QuerySet[Category]:
        return category_list(user=self.context["request"].user)


class _KeyAccountPersonField(serializers.PrimaryKeyRelatedField[User]):
    """Someone who may hold a key-account role (``User.objects.may_own``)."""

    def get_queryset(self) -> QuerySet[User]:
        return owner_candidate_list(user=self.context["request"].user)


class SupplierWriteSerializer(serializers.ModelSerializer[Supplier]):
    country = CountryCodeField(required=False)
    categories = _VisibleCategoryField(many=True, required=False)

    class Meta:
        model = Supplier
        fields = [*SUPPLIER_FIELDS, "categories"]
        # Uniqueness and the model's validators are checked once, by the service's full_clean,
        # after it has normalised the input (an ERP id trimmed, a currency in capitals).
        extra_kwargs: dict[str, dict[str, Any]] = {
            "external_id": {"validators": []},
            "default_currency": {"validators": []},
        }
        validators: list[Any] = []

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "status" in self.initial_data:
            raise serializers.ValidationError(
                {"status": _("Change the status with POST …/suppliers/{id}/change-status/.")}
            )
        return attrs

    def to_representation(self, instance: Supplier) -> Any:
        # A write answers with the full representation of what was written.
        return SupplierDetailSerializer(instance, context=self.context).data


class SupplierStatusChangeSerializer(serializers.Serializer[Any]):
    status = serializers.ChoiceField(choices=SupplierStatus.choices)
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=500,
        help_text=_("Why; required when an offboarded supplier comes back."),
    )


class ContactWriteSerializer(serializers.ModelSerializer[Contact]):
    supplier = _VisibleSupplierField(help_text=_("Set when the contact is created; fixed after."))
    preferred_language = ContactLanguageField(required=False)

    class Meta:
        model = Contact
        fields = [
            "supplier",
            "name",
            "job_title",
            "email",
            "phone",
            "preferred_language",
            "is_primary",
        ]
        validators: list[Any] = []

    def validate_supplier(self, supplier: Supplier) -> Supplier:
        if self.instance is not None and supplier.pk != self.instance.supplier_id:
            raise serializers.ValidationError(_("A contact cannot move to another supplier."))
        return supplier

    def to_representation(self, instance: Contact) -> Any:
        # A write answers with the full representation of what was written.
        return ContactSerializer(instance, context=self.context).data


class CategoryWriteSerializer(serializers.ModelSerializer[Category]):
    parent: Any = _VisibleCategoryField(required=False, allow_null=True)

    class Meta:
        model = Category
        fields = ["name", "parent"]
        validators: list[Any] = []

    def to_representation(self, instance: Category) -> Any:
        # A write answers with the full representation of what was written.
        return CategorySerializer(instance, context=self.context).data


class KeyAccountOwnershipWriteSerializer(serializers.ModelSerializer[KeyAccountOwnership]):
    supplier = _VisibleSupplierField()
    user = _KeyAccountPersonField(
        help_text=_("An active person who works in the app; integration accounts own nothing.")
    )
    since = DateField(required=False, help_text=_("Default: today."))

    class Meta:
        model = KeyAccountOwnership
        fields = ["supplier", "user", "role", "since"]
        validators: list[Any] = []

    def to_representation(self, instance: KeyAccountOwnership) -> Any:
        # A write answers with the full representation of what was written.
        return KeyAccountOwnershipSerializer(instance, context=self.context).data


# --- Bulk upsert (rows are checked by suppliers.bulk; these describe them for the schema) ------


class SupplierBulkRowSerializer(serializers.Serializer[Any]):
    external_id = serializers.CharField(max_length=100, help_text=_("The key: the ERP id."))
    name = serializers.CharField(
        max_length=200, required=False, help_text=_("Required for a new supplier.")
    )
    legal_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    vat_number = serializers.CharField(max_length=50, required=False, allow_blank=True)
    country = serializers.CharField(
        max_length=2, required=False, allow_blank=True, help_text=_("ISO 3166 code, e.g. SE.")
    )
    website = BlankableURLField(required=False, allow_blank=True)
    status = serializers.ChoiceField(choices=SupplierStatus.choices, required=False)
    status_reason = serializers.CharField(
        max_length=500,
        required=False,
        allow_blank=True,
        help_text=_("Why an offboarded supplier comes back."),
    )
    segment = serializers.ChoiceField(choices=Segment.choices, required=False)
    risk_level = serializers.ChoiceField(choices=RiskLevel.choices, required=False)
    default_currency = serializers.CharField(
        max_length=3, required=False, help_text=_("ISO 4217 code, e.g. EUR.")
    )
    annual_spend = serializers.DecimalField(
        max_digits=16,
        decimal_places=2,
        min_value=0,
        required=False,
        allow_null=True,
        help_text=_("The last twelve months' spend in the reporting currency."),
    )
    notes = serializers.CharField(required=False, allow_blank=True)
    categories = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text=_("Category names or ids; replaces the supplier's categories."),
    )
    owner = serializers.CharField(
        required=False,
        allow_null=True,
        help_text=_("Username of the owner; a new owner replaces the current one."),
    )


class ContactBulkRowSerializer(serializers.Serializer[Any]):
    supplier_external_id = serializers.CharField(
        max_length=100, help_text=_("With the email, the key.")
    )
    email = serializers.EmailField(help_text=_("With the supplier's ERP id, the key."))
    name = serializers.CharField(max_length=200)
    job_title = serializers.CharField(max_length=200, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=50, required=False, allow_blank=True)
    preferred_language = ContactLanguageField(required=False)
    is_primary = serializers.BooleanField(
        required=False, help_text=_("A new primary contact takes the place of the old one.")
    )


class SupplierBulkRowResultSerializer(serializers.Serializer[Any]):
    row = serializers.IntegerField(help_text=_("0-based index in the request."))
    id = serializers.IntegerField()
    external_id = serializers.CharField()
    result = serializers.ChoiceField(choices=["created", "updated", "unchanged"])


class ContactBulkRowResultSerializer(serializers.Serializer[Any]):
    row = serializers.IntegerField(help_text=_("0-based index in the request."))
    id = serializers.IntegerField()
    supplier_external_id = serializers.CharField()
    email = serializers.CharField()
    result = serializers.ChoiceField(choices=["created", "updated", "unchanged"])


class SupplierBulkResultSerializer(UpsertCountsSerializer):
    results = SupplierBulkRowResultSerializer(many=True)


class ContactBulkResultSerializer(UpsertCountsSerializer):
    results = ContactBulkRowResultSerializer(many=True)


# --- The supplier list, rendered from plain rows -----------------------------------------------


def _decimal_text(value: Decimal | None) -> str | None:
    """A decimal as DRF's DecimalField renders it (a string), for the values-based path."""
    return None if value is None else str(value)


# The columns a list row needs, the ordering columns included (the cursor reads them).
SUPPLIER_LIST_COLUMNS = (
    "id",
    "name",
    "legal_name",
    "external_id",
    "vat_number",
    "country",
    "website",
    "status",
    "segment",
    "risk_level",
    "excluded_from_rfps",
    "default_currency",
    "annual_spend",
    "notes",
    "created_at",
    "updated_at",
)


def _url_maker(request: Request, view_name: str) -> Callable[[int], str]:
    """What HyperlinkedIdentityField builds, for any id, from one ``reverse``."""
    sample = reverse(view_name, kwargs={"pk": 0}, request=request)
    cut = sample.rindex("0")
    head, tail = sample[:cut], sample[cut + 1 :]
    return lambda pk: f"{head}{pk}{tail}"


def supplier_list_data(
    rows: Iterable[dict[str, Any]],
    relations: tuple[dict[int, list[Mapping[str, Any]]], dict[int, list[Mapping[str, Any]]]],
    *,
    request: Request,
) -> list[dict[str, Any]]:
    """``SupplierSerializer(many=True).data`` for ``.values(*SUPPLIER_LIST_COLUMNS)`` rows and
    ``selectors.supplier_list_relations``, byte for byte (a test holds it to that)."""
    people, categories = relations
    supplier_url = _url_maker(request, "api:supplier-detail")
    ownership_url = _url_maker(request, "api:key-account-owner-detail")
    category_url = _url_maker(request, "api:category-detail")
    zone = timezone.get_current_timezone()

    def moment(value: datetime) -> str:
        # As DRF's DateTimeField: in the current time zone, UTC written as Z.
        text = value.astimezone(zone).isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    data = []
    for row in rows:
        pk = row["id"]
        owner = None
        key_account_owners = []
        for person in people.get(pk, ()):
            user = {
                "id": person["user_id"],
                "username": person["user__username"],
                "name": shown_name(
                    display_name=person["user__display_name"],
                    first_name=person["user__first_name"],
                    last_name=person["user__last_name"],
                    username=person["user__username"],
                ),
            }
            if person["role"] == OwnershipRole.OWNER:
                owner = user
            key_account_owners.append(
                {
                    "id": person["id"],
                    "url": ownership_url(person["id"]),
                    "user": user,
                    "role": person["role"],
                    "since": person["since"].isoformat(),
                }
            )
        data.append(
            {
                "id": pk,
                "url": supplier_url(pk),
                "name": row["name"],
                "legal_name": row["legal_name"],
                "external_id": row["external_id"],
                "vat_number": row["vat_number"],
                "country": str(row["country"]),
                "website": row["website"],
                "status": row["status"],
                "segment": row["segment"],
                "risk_level": row["risk_level"],
                "excluded_from_rfps": row["excluded_from_rfps"],
                "default_currency": row["default_currency"],
                "annual_spend": _decimal_text(row["annual_spend"]),
                "notes": row["notes"],
                "owner": owner,
                "key_account_owners": key_account_owners,
                "categories": [
                    {
                        "id": link["category_id"],
                        "url": category_url(link["category_id"]),
                        "name": link["category__name"],
                    }
                    for link in categories.get(pk, ())
                ],
                "created_at": moment(row["created_at"]),
                "updated_at": moment(row["updated_at"]),
            }
        )
    return data
