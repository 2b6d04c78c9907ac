"""Reusable query pieces for people: who may own things, and the name people see."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth.models import UserManager as DjangoUserManager
from django.db import models
from django.db.models import CharField, Exists, F, OuterRef, Q, Value
from django.db.models.functions import Coalesce, Concat, NullIf, Trim

from accounts.roles import OWNING_ROLES

if TYPE_CHECKING:
    from accounts.models import User  # noqa: F401


def display_name_expression(*, prefix: str = "") -> Coalesce:
    """The name people see, in SQL, as ``User.name``: the display name, else the full name,
    else the username. ``prefix`` reaches the user through a relation (``"owner__"``)."""
    full_name = Trim(
        Concat(F(f"{prefix}first_name"), Value(" "), F(f"{prefix}last_name")),
        output_field=CharField(),
    )
    return Coalesce(
        NullIf(F(f"{prefix}display_name"), Value("")),
        NullIf(full_name, Value("")),
        F(f"{prefix}username"),
        output_field=CharField(),
    )


class UserQuerySet(models.QuerySet["User"]):
    def may_own(self) -> UserQuerySet:
        """People who may own things (suppliers, contracts, RFPs, plans): active humans with
        a role that works in the pages, or superusers; never an integration's account."""
        # Exists, not a join: no duplicate rows, so no DISTINCT to fight later filters.
        in_owning_role = self.model.groups.through.objects.filter(
            user_id=OuterRef("pk"), group__name__in=[role.value for role in OWNING_ROLES]
        )
        return self.filter(Q(is_superuser=True) | Q(Exists(in_owning_role)), is_active=True)

    def with_display_name(self, *, name: str = "shown_name") -> UserQuerySet:
        return self.annotate(**{name: display_name_expression()})


class UserManager(DjangoUserManager.from_queryset(UserQuerySet)):  # type: ignore[misc]
    """Django's user manager (create_user …) with ``UserQuerySet``'s methods."""
