from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewsConfig(AppConfig):
    name = "reviews"
    verbose_name = _("Reviews")

    def ready(self) -> None:
        from notifications import links
        from reviews.services.surveys import NAMESPACE, build_link

        links.register(NAMESPACE, build_link)
