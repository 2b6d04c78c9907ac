from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RfpsConfig(AppConfig):
    name = "rfps"
    verbose_name = _("RFPs")
