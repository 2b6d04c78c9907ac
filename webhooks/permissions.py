"""Who may manage webhooks: one rule for the pages, the API and the services.

Procurement managers and administrators (``MANAGE_WEBHOOKS``) manage every endpoint, not only
the ones they created: an integration outlives the person who set it up, and the owner is only
who is told when it is disabled. Payloads carry ids and non-confidential facts
(webhooks.events), so an administrator's endpoint learns nothing their role hides.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from accounts.roles import Capability, user_can
from core.permissions import actions_for
from webhooks.choices import DeliveryAction, DeliveryStatus, EndpointAction
from webhooks.models import Delivery, Endpoint

AnyUser = AbstractBaseUser | AnonymousUser


def may_manage_webhooks(user: AnyUser) -> bool:
    return user_can(user, Capability.MANAGE_WEBHOOKS) and user_can(user, Capability.CHANGE_DATA)


def may_view_webhooks(user: AnyUser) -> bool:
    return user_can(user, Capability.MANAGE_WEBHOOKS)


@actions_for(Endpoint, actions=EndpointAction)
def endpoint_actions(endpoint: Endpoint, user: AnyUser) -> Iterable[str]:
    if not may_manage_webhooks(user):
        return ()
    actions = {
        EndpointAction.EDIT,
        EndpointAction.ROTATE_SECRET,
        EndpointAction.DELETE,
    }
    if endpoint.is_active:
        actions |= {EndpointAction.DISABLE, EndpointAction.SEND_TEST}
    else:
        actions.add(EndpointAction.ENABLE)
    return actions


@actions_for(Delivery, actions=DeliveryAction)
def delivery_actions(delivery: Delivery, user: AnyUser) -> Iterable[str]:
    """A delivery may be sent again once it is no longer pending (succeeded or failed)."""
    if not may_manage_webhooks(user) or delivery.status == DeliveryStatus.PENDING:
        return ()
    return (DeliveryAction.REDELIVER,)
