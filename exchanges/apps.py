from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExchangesConfig(AppConfig):
    name = "exchanges"
    verbose_name = _("Requests and exchanges")

    def ready(self):
        from notifications.kinds import Frequency, register_kind

        register_kind(
            "exchanges.request_match",
            label=_("New knowledge requests that match your hub"),
            default=Frequency.DAILY,
            template="exchanges/notifications/request_match",
        )
        register_kind(
            "exchanges.offer",
            label=_("Offers and proposed matches for your requests"),
            default=Frequency.IMMEDIATELY,
            template="exchanges/notifications/offer",
        )
        register_kind(
            "exchanges.match",
            label=_("Matches accepted or declined, and exchanges your hub takes part in"),
            default=Frequency.IMMEDIATELY,
            template="exchanges/notifications/match",
        )
