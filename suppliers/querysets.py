"""Reusable query pieces for suppliers and their key-account people. They never write.

The one home of "the current key-account holders of a supplier": every list, scan and check
that asks who owns, backs up or sponsors a supplier now builds on
``KeyAccountOwnership.objects.current()``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.models import CharField, Exists, OuterRef, Subquery

from suppliers.choices import OwnershipRole

if TYPE_CHECKING:
    from suppliers.models import KeyAccountOwnership, Supplier  # noqa: F401


def _user_id(user: Any) -> int:
    """A user's id, 0 (nobody) for an anonymous one."""
    return int(getattr(user, "pk", None) or 0)


class KeyAccountOwnershipQuerySet(models.QuerySet["KeyAccountOwnership"]):
    def current(self) -> KeyAccountOwnershipQuerySet:
        """Roles held now (not ended); ended ones stay as history."""
        return self.filter(until__isnull=True)

    def owners(self) -> KeyAccountOwnershipQuerySet:
        return self.filter(role=OwnershipRole.OWNER)

    def backups(self) -> KeyAccountOwnershipQuerySet:
        return self.filter(role=OwnershipRole.BACKUP)

    def sponsors(self) -> KeyAccountOwnershipQuerySet:
        return self.filter(role=OwnershipRole.EXECUTIVE_SPONSOR)

    def held_by(self, user: Any) -> KeyAccountOwnershipQuerySet:
        return self.filter(user_id=_user_id(user))

    def of_outer(self, supplier_ref: str = "pk") -> KeyAccountOwnershipQuerySet:
        """For a subquery: the rows of the supplier the outer query names ``supplier_ref``
        (``"pk"`` in a supplier query, ``"supplier_id"`` in a contract query …)."""
        return self.filter(supplier_id=OuterRef(supplier_ref))


def held_by_exists(user: Any, supplier_ref: str = "pk") -> Exists:
    """True for rows whose supplier (``supplier_ref`` of the outer query) the user owns,
    backs up or sponsors now."""
    from suppliers.models import KeyAccountOwnership

    return Exists(KeyAccountOwnership.objects.current().held_by(user).of_outer(supplier_ref))


class SupplierQuerySet(models.QuerySet["Supplier"]):
    def held_by(self, user: Any) -> SupplierQuerySet:
        """Suppliers the user currently owns, backs up or sponsors."""
        return self.filter(held_by_exists(user))

    def without_owner(self) -> SupplierQuerySet:
        from suppliers.models import KeyAccountOwnership

        return self.exclude(Exists(KeyAccountOwnership.objects.current().owners().of_outer()))

    def with_owner(self, *, name: str = "owner_name") -> SupplierQuerySet:
        """Annotates ``owner_user_id`` and ``name`` (the owner's display name, as
        ``User.name``): NULL without a current owner."""
        from accounts.querysets import display_name_expression
        from suppliers.models import KeyAccountOwnership

        owner = (
            KeyAccountOwnership.objects.current()
            .owners()
            .of_outer()
            .annotate(person=display_name_expression(prefix="user__"))
        )
        return self.annotate(
            owner_user_id=Subquery(owner.values("user_id")[:1]),
            **{name: Subquery(owner.values("person")[:1], output_field=CharField())},
        )
