from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HealthConfig(AppConfig):
    """Supplier health, read from every domain app: the supplier pages show it and the reports
    sum it, so it sits below ``reports`` (which nothing may depend on)."""

    name = "health"
    verbose_name = _("Supplier health")
