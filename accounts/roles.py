"""Roles and what each may do: the one declaration that pages, the API and the admin consult.

A role is a Django group created by a migration (the group's name is the role's value). A
capability is one thing a person may do; a user may do what any of their roles allows.
Superusers may do everything. Later apps add capabilities here, never elsewhere.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import TYPE_CHECKING

from django.db import models
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser


class Role(models.TextChoices):
    # The value is the group's name in the database; the label is shown to people.
    PROCUREMENT_MANAGER = "Procurement manager", _("Procurement manager")
    ACCOUNT_MANAGER = "Account manager", _("Account manager")
    EXECUTIVE = "Executive", _("Executive")
    INTEGRATION = "Integration", _("Integration")
    ADMINISTRATOR = "Administrator", _("Administrator")


class Capability(StrEnum):
    USE_PAGES = "use_pages"  # sign in and work in the browser
    USE_API = "use_api"  # call the REST API (token or browser session)
    CHANGE_DATA = "change_data"  # any write at all; without it a person only reads
    VIEW_PORTFOLIO = "view_portfolio"  # read suppliers, contacts and owners
    MANAGE_PORTFOLIO = "manage_portfolio"  # create and edit suppliers, assign owners
    MANAGE_OWN_SUPPLIERS = "manage_own_suppliers"  # meetings, commitments, reviews of one's own
    RUN_RFPS = "run_rfps"  # create, publish, evaluate and award RFPs
    MANAGE_CONTRACTS = "manage_contracts"  # create, amend, renew and terminate contracts
    VIEW_CONFIDENTIAL = "view_confidential"  # contract values, benefits, every review
    SYNC_ERP = "sync_erp"  # bulk upserts from the ERP
    ADMINISTER = "administer"  # users, roles, API tokens, reference data
    MANAGE_WEBHOOKS = "manage_webhooks"  # outbound webhook endpoints, their deliveries


C = Capability
ROLE_CAPABILITIES: dict[Role, frozenset[Capability]] = {
    Role.PROCUREMENT_MANAGER: frozenset(
        {
            C.USE_PAGES,
            C.USE_API,
            C.CHANGE_DATA,
            C.VIEW_PORTFOLIO,
            C.MANAGE_PORTFOLIO,
            C.MANAGE_OWN_SUPPLIERS,
            C.RUN_RFPS,
            C.MANAGE_CONTRACTS,
            C.VIEW_CONFIDENTIAL,
            C.MANAGE_WEBHOOKS,
        }
    ),
    Role.ACCOUNT_MANAGER: frozenset(
        {C.USE_PAGES, C.USE_API, C.CHANGE_DATA, C.VIEW_PORTFOLIO, C.MANAGE_OWN_SUPPLIERS}
    ),
    # Reads everything, changes nothing.
    Role.EXECUTIVE: frozenset({C.USE_PAGES, C.USE_API, C.VIEW_PORTFOLIO, C.VIEW_CONFIDENTIAL}),
    # A machine: the API only, never the pages.
    Role.INTEGRATION: frozenset({C.USE_API, C.CHANGE_DATA, C.VIEW_PORTFOLIO, C.SYNC_ERP}),
    Role.ADMINISTRATOR: frozenset(
        {C.USE_PAGES, C.USE_API, C.CHANGE_DATA, C.VIEW_PORTFOLIO, C.ADMINISTER, C.MANAGE_WEBHOOKS}
    ),
}
del C

# People in these roles may own things (suppliers, contracts, RFPs, plans): the roles that
# work in the pages. An integration's account never owns anything.
OWNING_ROLES: frozenset[Role] = frozenset(
    role for role, capabilities in ROLE_CAPABILITIES.items() if Capability.USE_PAGES in capabilities
)

_CACHE_ATTRIBUTE = "_srm_roles"


def roles_of(user: AbstractBaseUser | AnonymousUser) -> frozenset[Role]:
    """The user's roles, read once per user object (one query) and remembered on it."""
    if not user.is_authenticated:
        return frozenset()
    cached: frozenset[Role] | None = getattr(user, _CACHE_ATTRIBUTE, None)
    if cached is None:
        names = user.groups.values_list("name", flat=True)  # type: ignore[attr-defined]
        cached = frozenset(Role(name) for name in names if name in Role.values)
        setattr(user, _CACHE_ATTRIBUTE, cached)
    return cached


def remember_roles(user: AbstractBaseUser, group_names: Iterable[str | None]) -> None:
    """Stores roles read along with the user (the API token lookup does), saving a query."""
    roles = frozenset(Role(name) for name in group_names if name in Role.values)
    setattr(user, _CACHE_ATTRIBUTE, roles)


def capabilities_of(user: AbstractBaseUser | AnonymousUser) -> frozenset[Capability]:
    if not user.is_authenticated or not user.is_active:
        return frozenset()
    if getattr(user, "is_superuser", False):
        return frozenset(Capability)
    return frozenset().union(*(ROLE_CAPABILITIES[role] for role in roles_of(user)))


def user_can(user: AbstractBaseUser | AnonymousUser, capability: Capability) -> bool:
    return capability in capabilities_of(user)
