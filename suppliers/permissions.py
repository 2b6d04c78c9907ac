"""Who may do what to suppliers, their contacts and key-account roles (``core.permissions``).

The predicates answer *who*, from the roles (``accounts.roles``) and the key-account
ownerships; the lifecycle (``choices.STATUS_TRANSITIONS``) answers *when*. Services guard with
the predicates, pages and the API ask them, and ``allowed_actions`` combines both for the
templates (``{% allowed_actions supplier as can %}``) and the API's ``allowed_actions``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from accounts.roles import Capability, user_can
from core.permissions import actions_for
from suppliers.choices import (
    STATUS_ACTIONS,
    STATUS_TRANSITIONS,
    ContactAction,
    OwnershipAction,
    SupplierAction,
)
from suppliers.models import Contact, KeyAccountOwnership, Supplier


def may_view_portfolio(user: Any) -> bool:
    return user_can(user, Capability.VIEW_PORTFOLIO)


def may_manage_portfolio(user: Any) -> bool:
    """Create suppliers and categories; the object-level predicates below build on it."""
    return user_can(user, Capability.MANAGE_PORTFOLIO)


def may_edit_supplier(user: Any, supplier: Supplier | None = None) -> bool:
    return may_manage_portfolio(user)


def may_delete_supplier(user: Any, supplier: Supplier | None = None) -> bool:
    return may_manage_portfolio(user)


def may_change_status(user: Any, supplier: Supplier | None = None) -> bool:
    return may_manage_portfolio(user)


def may_assign_owners(user: Any, supplier: Supplier | None = None) -> bool:
    """Give, replace and end key-account roles (owner, backup, executive sponsor)."""
    return may_manage_portfolio(user)


def may_manage_categories(user: Any) -> bool:
    return may_manage_portfolio(user)


def may_sync_portfolio(user: Any) -> bool:
    """Bulk upserts of suppliers and contacts: the ERP's integration account, or those who
    manage the portfolio by hand."""
    return user_can(user, Capability.SYNC_ERP) or may_manage_portfolio(user)


def holds_key_account(user: Any, supplier: Supplier) -> bool:
    """The user owns, backs up or sponsors the supplier now. Reads the supplier's prefetched
    ``current_ownerships`` (``selectors.supplier_get``) when it has them: no query."""
    prefetched = getattr(supplier, "current_ownerships", None)
    if prefetched is not None:
        return any(ownership.user_id == user.pk for ownership in prefetched)
    return KeyAccountOwnership.objects.current().held_by(user).filter(supplier=supplier).exists()


def may_manage_contacts(user: Any, supplier: Supplier) -> bool:
    """Procurement managers edit every supplier's contacts; key-account people their own."""
    if may_manage_portfolio(user):
        return True
    return user_can(user, Capability.MANAGE_OWN_SUPPLIERS) and holds_key_account(user, supplier)


def may_add_met_contact(user: Any, supplier: Supplier | None = None) -> bool:
    """Whoever logs a meeting may add the supplier's people met there, owner or not."""
    return user_can(user, Capability.MANAGE_OWN_SUPPLIERS)


def status_moves(supplier: Supplier) -> frozenset[str]:
    """The statuses the lifecycle lets the supplier go to next."""
    return STATUS_TRANSITIONS.get(supplier.status, frozenset())


@actions_for(Supplier, actions=SupplierAction)
def allowed_actions(supplier: Supplier, user: Any) -> Iterable[str]:
    actions: set[str] = set()
    if may_edit_supplier(user, supplier):
        actions.add(SupplierAction.EDIT)
    if may_delete_supplier(user, supplier):
        actions.add(SupplierAction.DELETE)
    if may_change_status(user, supplier):
        moves = status_moves(supplier)
        actions.update(STATUS_ACTIONS[status] for status in moves)
        if moves:
            actions.add(SupplierAction.CHANGE_STATUS)
    if may_assign_owners(user, supplier):
        actions.add(SupplierAction.ASSIGN_OWNERS)
    if may_manage_contacts(user, supplier):
        actions.add(SupplierAction.MANAGE_CONTACTS)
    return actions


@actions_for(KeyAccountOwnership, actions=OwnershipAction)
def ownership_allowed_actions(ownership: KeyAccountOwnership, user: Any) -> Iterable[str]:
    if ownership.is_current and may_assign_owners(user, ownership.supplier):
        return {OwnershipAction.END}
    return set()


@actions_for(Contact, actions=ContactAction)
def contact_allowed_actions(contact: Contact, user: Any) -> Iterable[str]:
    if may_manage_contacts(user, contact.supplier):
        return {ContactAction.EDIT, ContactAction.DELETE}
    return set()
