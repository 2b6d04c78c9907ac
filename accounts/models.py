from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from accounts.querysets import UserManager


def shown_name(*, display_name: str, first_name: str, last_name: str, username: str) -> str:
    """The name people see: display name, else full name, else username (``User.name``; in
    SQL ``accounts.querysets.display_name_expression``)."""
    return display_name or f"{first_name} {last_name}".strip() or username


class User(AbstractUser):
    """A person on the buying side, or an integration's service account."""

    email = models.EmailField(_("email address"), blank=True)
    display_name = models.CharField(_("display name"), max_length=150, blank=True)
    preferred_language = models.CharField(
        _("preferred language"),
        max_length=8,
        choices=settings.LANGUAGES,
        blank=True,
        help_text=_("Pages and emails use this language; empty follows the browser."),
    )
    manager = models.ForeignKey(
        "self",
        verbose_name=_("manager"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reports",
        help_text=_("The next person up the escalation chain."),
    )

    objects: ClassVar[UserManager] = UserManager()

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        constraints = [
            models.CheckConstraint(
                condition=~Q(manager=F("pk")),
                name="accounts_user_not_own_manager",
                violation_error_message=_("A person cannot be their own manager."),
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        """The name people see: display name, else full name, else username."""
        return shown_name(
            display_name=self.display_name,
            first_name=self.first_name,
            last_name=self.last_name,
            username=self.username,
        )


def default_token_scopes() -> list[str]:
    """A new token may do everything its user's role allows, as tokens did before scopes."""
    return ["*:write"]


class APIToken(models.Model):
    """A named credential for a machine client. Only a hash of the secret is stored."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="api_tokens",
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(
        _("prefix"),
        max_length=16,
        editable=False,
        help_text=_("The first characters of the token, to recognise it."),
    )
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True, editable=False)
    scopes = ArrayField(
        models.CharField(max_length=64),
        verbose_name=_("scopes"),
        default=default_token_scopes,
        help_text=_(
            "What the token may do, within its user's role: <resource>:read or "
            "<resource>:write (write includes read), * for every resource. *:write is "
            "everything, *:read read-only; e.g. suppliers:write, contracts:write, reviews:read."
        ),
    )

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "name"],
                condition=Q(revoked_at__isnull=True),
                name="accounts_apitoken_unique_active_name",
                violation_error_message=_("This user already has an active token of that name."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
