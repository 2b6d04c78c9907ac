from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.auth.models import Group

from accounts.models import User
from accounts.roles import ROLE_CAPABILITIES, Capability, Role, capabilities_of, user_can

pytestmark = pytest.mark.django_db


def test_every_role_is_a_group_created_by_migration() -> None:
    assert set(Group.objects.values_list("name", flat=True)) >= set(Role.values)


def test_every_role_declares_its_capabilities() -> None:
    assert set(ROLE_CAPABILITIES) == set(Role)


@pytest.mark.parametrize(
    ("role", "allowed", "denied"),
    [
        (
            Role.PROCUREMENT_MANAGER,
            {Capability.USE_PAGES, Capability.MANAGE_PORTFOLIO, Capability.RUN_RFPS},
            {Capability.ADMINISTER, Capability.SYNC_ERP},
        ),
        (
            Role.ACCOUNT_MANAGER,
            {Capability.USE_PAGES, Capability.MANAGE_OWN_SUPPLIERS, Capability.CHANGE_DATA},
            {Capability.MANAGE_PORTFOLIO, Capability.VIEW_CONFIDENTIAL, Capability.RUN_RFPS},
        ),
        (
            Role.EXECUTIVE,
            {Capability.USE_PAGES, Capability.VIEW_PORTFOLIO, Capability.VIEW_CONFIDENTIAL},
            {Capability.CHANGE_DATA, Capability.MANAGE_PORTFOLIO, Capability.RUN_RFPS},
        ),
        (
            Role.INTEGRATION,
            {Capability.USE_API, Capability.SYNC_ERP},
            {Capability.USE_PAGES, Capability.VIEW_CONFIDENTIAL},
        ),
        (
            Role.ADMINISTRATOR,
            {Capability.USE_PAGES, Capability.ADMINISTER},
            {Capability.VIEW_CONFIDENTIAL, Capability.RUN_RFPS},
        ),
    ],
)
def test_role_allows_its_capabilities_and_nothing_more(
    make_user: Callable[..., User],
    role: Role,
    allowed: set[Capability],
    denied: set[Capability],
) -> None:
    user = make_user(role)

    assert all(user_can(user, capability) for capability in allowed)
    assert not any(user_can(user, capability) for capability in denied)


def test_executive_changes_nothing(executive: User) -> None:
    assert not user_can(executive, Capability.CHANGE_DATA)


def test_capabilities_of_several_roles_add_up(make_user: Callable[..., User]) -> None:
    user = make_user(Role.ACCOUNT_MANAGER, Role.EXECUTIVE)

    assert capabilities_of(user) == (
        ROLE_CAPABILITIES[Role.ACCOUNT_MANAGER] | ROLE_CAPABILITIES[Role.EXECUTIVE]
    )


def test_user_without_a_role_may_do_nothing(make_user: Callable[..., User]) -> None:
    assert capabilities_of(make_user()) == frozenset()


def test_inactive_user_may_do_nothing(make_user: Callable[..., User]) -> None:
    user = make_user(Role.PROCUREMENT_MANAGER, is_active=False)

    assert capabilities_of(user) == frozenset()


def test_superuser_may_do_everything(make_user: Callable[..., User]) -> None:
    assert capabilities_of(make_user(is_superuser=True)) == frozenset(Capability)


def test_roles_are_read_in_one_query(
    make_user: Callable[..., User], django_assert_num_queries: Callable[..., object]
) -> None:
    user = User.objects.get(pk=make_user(Role.PROCUREMENT_MANAGER).pk)

    with django_assert_num_queries(1):  # type: ignore[attr-defined]
        for capability in Capability:
            user_can(user, capability)
