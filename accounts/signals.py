"""Deactivating a user ends their access, by any path that saves the user: the admin's change
form, a command, an identity provider's deprovisioning. A signal is the one hook every such
path shares (``User.save``); the work itself is accounts.services.user_access_end.
``QuerySet.update(is_active=False)`` bypasses it: call the service after one."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver

from accounts.models import User
from accounts.services import user_access_end

_WAS_ACTIVE = "_srm_was_active"


@receiver(pre_save, sender=User, dispatch_uid="accounts.user_remember_active")
def user_remember_active(sender: type[User], instance: User, **kwargs: Any) -> None:
    update_fields = kwargs.get("update_fields")
    if instance.pk is None or kwargs.get("raw"):
        return
    if update_fields is not None and "is_active" not in update_fields:
        return  # a sign-in's last_login, a language choice: no second query
    stored = User.objects.filter(pk=instance.pk).values_list("is_active", flat=True).first()
    setattr(instance, _WAS_ACTIVE, bool(stored))


@receiver(post_save, sender=User, dispatch_uid="accounts.user_end_access_when_deactivated")
def user_end_access_when_deactivated(sender: type[User], instance: User, **kwargs: Any) -> None:
    was_active = getattr(instance, _WAS_ACTIVE, False)
    if was_active and not instance.is_active:
        user_access_end(user=instance)
