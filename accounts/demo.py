"""Demo users for trying the product: one per role, password 'demo'. Never for production."""

from __future__ import annotations

from collections.abc import Iterator

from django.contrib.auth.models import Group

from accounts.models import User
from accounts.roles import Role

DEMO_PASSWORD = "demo"  # noqa: S105 - demo data only; seed_demo refuses to run with DEBUG off

# username, display name, role, manager's username
DEMO_USERS = [
    ("executive", "Eva Executive", Role.EXECUTIVE, None),
    ("procurement", "Per Procurement", Role.PROCUREMENT_MANAGER, "executive"),
    ("account", "Anna Account", Role.ACCOUNT_MANAGER, "procurement"),
    ("integration", "ERP integration", Role.INTEGRATION, None),
    ("admin", "Ada Admin", Role.ADMINISTRATOR, None),
]


def seed() -> Iterator[str]:
    """Creates the demo users that are missing; leaves existing ones as they are."""
    for username, display_name, role, manager_username in DEMO_USERS:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "display_name": display_name,
                "email": f"{username}@example.com",
                "is_staff": role == Role.ADMINISTRATOR,
                "is_superuser": role == Role.ADMINISTRATOR,
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            if manager_username:
                user.manager = User.objects.get(username=manager_username)
            user.save()
            yield f"created user {username!r} ({role.value}) with password {DEMO_PASSWORD!r}"
        user.groups.add(Group.objects.get_or_create(name=role.value)[0])
