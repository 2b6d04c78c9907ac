from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RfpsConfig(AppConfig):
    name = "rfps"
    verbose_name = _("RFPs")

    def ready(self) -> None:
        from notifications import links
        from rfps.services.invitations import NAMESPACE, build_link

        links.register(NAMESPACE, build_link)
