"""Suppliers, contacts, categories and key-account owners over the API.

Reads go through the selectors (visibility) and the FilterSets the pages use; writes go
through the services, which check the rules; every write answers with the full
representation, read back through the selector.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, cast

from django.db.models import Model
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, permissions
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from accounts.models import User
from accounts.permissions import RolePermission
from accounts.roles import Capability
from core.api.bulk import (
    bulk_upsert_action,
    bulk_upsert_response,
)
from core.api.filters import FilterBackend
from core.api.views import ApiViewSet, ModelApiViewSet
from suppliers import permissions as supplier_permissions
from suppliers import services
from suppliers.api.serializers import (
    SUPPLIER_LIST_COLUMNS,
    CategorySerializer,
    CategoryWriteSerializer,
    ContactBulkResultSerializer,
    ContactBulkRowSerializer,
    ContactSerializer,
    ContactWriteSerializer,
    KeyAccountOwnershipSerializer,
    KeyAccountOwnershipWriteSerializer,
    SupplierBulkResultSerializer,
    SupplierBulkRowSerializer,
    SupplierDetailSerializer,
    SupplierSerializer,
    SupplierStatusChangeSerializer,
    SupplierWriteSerializer,
    supplier_list_data,
)
from suppliers.bulk import (
    contact_upsert_many,
    supplier_upsert_many,
)
from suppliers.filtersets import (
    CategoryFilterSet,
    ContactFilterSet,
    OwnershipFilterSet,
    SupplierFilterSet,
)
from suppliers.inputs import CategoryInput, ContactInput, SupplierInput
from suppliers.models import Category, Contact, KeyAccountOwnership, Supplier
from suppliers.selectors import (
    category_list,
    contact_list,
    ownership_list,
    supplier_list,
    supplier_list_relations,
)

WRITES = frozenset({"create", "update", "partial_update"})
UserPredicate = Callable[[Any], bool]
ObjectPredicate = Callable[[Any, Any], bool]


def asks(
    *, before: Mapping[str, UserPredicate], on_object: Mapping[str, ObjectPredicate] | None = None
) -> type[permissions.BasePermission]:
    """An API permission that asks ``suppliers.permissions``: ``before`` per action for the
    request (403 before anything is read), ``on_object`` per action for the object."""
    object_checks = on_object or {}

    class AsksPermissions(permissions.BasePermission):
        def has_permission(self, request: Request, view: Any) -> bool:
            check = before.get(getattr(view, "action", None) or "")
            return check is None or check(request.user)

        def has_object_permission(self, request: Request, view: Any, obj: Any) -> bool:
            check = object_checks.get(getattr(view, "action", None) or "")
            return check is None or check(request.user, obj)

    return AsksPermissions


_PORTFOLIO_WRITES = dict.fromkeys(
    ["create", "update", "partial_update", "destroy", "change_status"],
    supplier_permissions.may_manage_portfolio,
)

# Bulk upserts: the ERP's integration account, or those who manage the data by hand.
_SYNC_PERMISSIONS = (
    RolePermission,
    asks(before={"bulk_upsert": supplier_permissions.may_sync_portfolio}),
)


def _actor(request: Request) -> User:
    # RolePermission has let only signed-in people with a role this far.
    return cast(User, request.user)


def _data(serializer: BaseSerializer[Any]) -> dict[str, Any]:
    return dict(cast(dict[str, Any], serializer.validated_data))


def _answers_with(serializer: type[BaseSerializer[Any]], *actions: str) -> Any:
    """Writes take the write serializer and answer with the full one."""
    return extend_schema_view(
        **{
            name: extend_schema(responses={201 if name == "create" else 200: serializer})
            for name in actions
        }
    )


@_answers_with(SupplierDetailSerializer, "create", "update", "partial_update")
class SupplierViewSet(ModelApiViewSet[Supplier]):
    """Suppliers. The status changes only through ``change-status``; ERP systems sync with
    ``bulk-upsert`` and read changes with ``?changes_after=<cursor>`` (the change feed: nothing
    missed, nothing twice; ``?updated_since=`` still works, with its limits)."""

    token_scope = "suppliers"  # noqa: S105 - a scope name, not a secret
    change_resource = "suppliers"

    filter_backends = [FilterBackend]  # the FilterSet brings its own ``ordering``
    filterset_class = SupplierFilterSet
    ordering = ("name", "id")
    required_capability = Capability.VIEW_PORTFOLIO
    permission_classes = [
        RolePermission,
        asks(
            before=_PORTFOLIO_WRITES,
            on_object={
                "update": supplier_permissions.may_edit_supplier,
                "partial_update": supplier_permissions.may_edit_supplier,
                "destroy": supplier_permissions.may_delete_supplier,
                "change_status": supplier_permissions.may_change_status,
            },
        ),
    ]

    selector = supplier_list

    def get_serializer_class(self) -> type[BaseSerializer[Any]]:
        if self.action in WRITES:
            return SupplierWriteSerializer
        if self.action == "change_status":
            return SupplierStatusChangeSerializer
        if self.action == "list":
            return SupplierSerializer
        return SupplierDetailSerializer

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        # ERPs pull 1,000 rows a page: plain rows render several times faster than instances
        # through the serializer, in the same schema.
        queryset = self.filter_queryset(self.get_queryset())
        rows = (
            self.paginate_queryset(queryset.prefetch_related(None).values(*SUPPLIER_LIST_COLUMNS))
            or []
        )
        relations = supplier_list_relations(supplier_ids=[row["id"] for row in rows])
        return self.get_paginated_response(supplier_list_data(rows, relations, request=request))

    def _read_back(self, supplier: Model) -> Supplier:
        return self.get_queryset().get(pk=supplier.pk)

    def perform_create(self, serializer: BaseSerializer[Supplier]) -> None:
        data = _data(serializer)
        supplier = services.supplier_create(
            by=_actor(self.request),
            data=SupplierInput.from_validated(data),
            categories=data.get("categories"),
        )
        serializer.instance = self._read_back(supplier)

    def perform_update(self, serializer: BaseSerializer[Supplier]) -> None:
        data = _data(serializer)
        supplier = services.supplier_update(
            supplier=cast(Supplier, serializer.instance),
            by=_actor(self.request),
            data=SupplierInput.from_validated(data),
            categories=data.get("categories"),
        )
        serializer.instance = self._read_back(supplier)

    def perform_destroy(self, instance: Supplier) -> None:
        services.supplier_delete(supplier=instance, by=_actor(self.request))

    @extend_schema(request=SupplierStatusChangeSerializer, responses=SupplierDetailSerializer)
    @action(detail=True, methods=["post"], url_path="change-status")
    def change_status(self, request: Request, pk: str | None = None) -> Response:
        """Moves the supplier along its lifecycle; 409 ``invalid_status_transition`` or
        ``reason_required`` when the lifecycle does not allow it."""
        supplier = self.get_object()
        serializer = SupplierStatusChangeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.supplier_change_status(
            supplier=supplier, by=_actor(request), **serializer.validated_data
        )
        context = self.get_serializer_context()
        return Response(SupplierDetailSerializer(self._read_back(supplier), context=context).data)

    @bulk_upsert_action(
        SupplierBulkRowSerializer(many=True), SupplierBulkResultSerializer, _SYNC_PERMISSIONS
    )
    def bulk_upsert(self, request: Request) -> Response:
        """Creates or updates up to 5,000 suppliers keyed by ``external_id``, all or nothing.
        Rows that did not change are not written and are reported ``unchanged``."""
        return bulk_upsert_response(request, supplier_upsert_many)


@_answers_with(ContactSerializer, "create", "update", "partial_update")
class ContactViewSet(ModelApiViewSet[Contact]):
    """Contacts at suppliers. Procurement managers edit every supplier's contacts, account
    managers those of the suppliers they own, back up or sponsor. A new primary contact takes
    the place of the old one."""

    token_scope = "suppliers"  # noqa: S105 - a scope name, not a secret
    change_resource = "contacts"

    filterset_class = ContactFilterSet
    ordering_fields = ["name", "is_primary", "created_at", "updated_at"]
    ordering = ("id",)
    required_capability = Capability.VIEW_PORTFOLIO
    # Creating one: the service asks may_manage_contacts of the supplier named in the body.
    permission_classes = [
        RolePermission,
        asks(
            before={},
            on_object=dict.fromkeys(
                ["update", "partial_update", "destroy"],
                lambda user, contact: supplier_permissions.may_manage_contacts(
                    user, contact.supplier
                ),
            ),
        ),
    ]

    selector = contact_list

    def get_serializer_class(self) -> type[BaseSerializer[Any]]:
        return ContactWriteSerializer if self.action in WRITES else ContactSerializer

    def perform_create(self, serializer: BaseSerializer[Contact]) -> None:
        data = _data(serializer)
        contact = services.contact_create(
            supplier=data["supplier"],
            by=_actor(self.request),
            data=ContactInput.from_validated(data),
        )
        serializer.instance = self.get_queryset().get(pk=contact.pk)

    def perform_update(self, serializer: BaseSerializer[Contact]) -> None:
        contact = services.contact_update(
            contact=cast(Contact, serializer.instance),
            by=_actor(self.request),
            data=ContactInput.from_validated(_data(serializer)),
        )
        serializer.instance = self.get_queryset().get(pk=contact.pk)

    def perform_destroy(self, instance: Contact) -> None:
        services.contact_delete(contact=instance, by=_actor(self.request))

    @bulk_upsert_action(
        ContactBulkRowSerializer(many=True), ContactBulkResultSerializer, _SYNC_PERMISSIONS
    )
    def bulk_upsert(self, request: Request) -> Response:
        """Creates or updates up to 5,000 contacts keyed by the supplier's ``external_id`` and
        the email, all or nothing."""
        return bulk_upsert_response(request, contact_upsert_many)


@_answers_with(CategorySerializer, "create", "update", "partial_update")
class CategoryViewSet(ModelApiViewSet[Category]):
    """Purchasing categories, a tree through ``parent``. A category in use is not deleted."""

    token_scope = "suppliers"  # noqa: S105 - a scope name, not a secret
    change_resource = "categories"

    filterset_class = CategoryFilterSet
    ordering_fields = ["name", "updated_at"]
    ordering = ("name", "id")
    required_capability = Capability.VIEW_PORTFOLIO
    permission_classes = [
        RolePermission,
        asks(
            before=dict.fromkeys(
                ["create", "update", "partial_update", "destroy"],
                supplier_permissions.may_manage_categories,
            )
        ),
    ]

    selector = category_list

    def get_serializer_class(self) -> type[BaseSerializer[Any]]:
        return CategoryWriteSerializer if self.action in WRITES else CategorySerializer

    def perform_create(self, serializer: BaseSerializer[Category]) -> None:
        category = services.category_save(
            by=_actor(self.request), data=CategoryInput.from_validated(_data(serializer))
        )
        serializer.instance = self.get_queryset().get(pk=category.pk)

    def perform_update(self, serializer: BaseSerializer[Category]) -> None:
        category = services.category_save(
            by=_actor(self.request),
            data=CategoryInput.from_validated(_data(serializer)),
            category=cast(Category, serializer.instance),
        )
        serializer.instance = self.get_queryset().get(pk=category.pk)

    def perform_destroy(self, instance: Category) -> None:
        services.category_delete(category=instance, by=_actor(self.request))


@_answers_with(KeyAccountOwnershipSerializer, "create")
class KeyAccountOwnerViewSet(
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    ApiViewSet[KeyAccountOwnership],
):
    """Who owns, backs up or sponsors each supplier, and who did before. POST gives someone a
    role (a new owner replaces the current one); DELETE ends a role, and the row stays as
    history with ``until`` set."""

    token_scope = "suppliers"  # noqa: S105 - a scope name, not a secret
    change_resource = "key-account-owners"

    filterset_class = OwnershipFilterSet
    ordering_fields = ["since", "updated_at"]
    ordering = ("id",)
    required_capability = Capability.VIEW_PORTFOLIO
    permission_classes = [
        RolePermission,
        asks(
            before=dict.fromkeys(["create", "destroy"], supplier_permissions.may_assign_owners),
            on_object={
                "destroy": lambda user, ownership: supplier_permissions.may_assign_owners(
                    user, ownership.supplier
                )
            },
        ),
    ]

    selector = ownership_list

    def get_serializer_class(self) -> type[BaseSerializer[Any]]:
        if self.action == "create":
            return KeyAccountOwnershipWriteSerializer
        return KeyAccountOwnershipSerializer

    def perform_create(self, serializer: BaseSerializer[KeyAccountOwnership]) -> None:
        ownership = services.ownership_assign(by=_actor(self.request), **_data(serializer))
        serializer.instance = self.get_queryset().get(pk=ownership.pk)

    @extend_schema(
        responses={204: OpenApiResponse(description=_("The role ended; the row stays."))}
    )
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().destroy(request, *args, **kwargs)

    def perform_destroy(self, instance: KeyAccountOwnership) -> None:
        services.ownership_end(ownership=instance, by=_actor(self.request))
