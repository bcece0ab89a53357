from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Members")

    def ready(self):
        from allauth.account.signals import password_reset

        from .axes import unlock_after_password_reset

        password_reset.connect(unlock_after_password_reset, dispatch_uid="accounts-axes-unlock")
