from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from accounts import signals  # noqa: F401 - deactivation ends a user's access
        from accounts.api import schema  # noqa: F401 - registers the OpenAPI auth scheme
