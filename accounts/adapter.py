from allauth.account.adapter import DefaultAccountAdapter
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.utils import translation

from .client_ip import client_ip


class AccountAdapter(DefaultAccountAdapter):
    def send_mail(self, template_prefix, email, context):
        """Render account e-mails in the recipient's chosen language."""
        user = context.get("user")
        if user is None:
            user = get_user_model().objects.filter(email__iexact=email).only("language").first()
        language = getattr(user, "language", "") or translation.get_language()
        with translation.override(language):
            super().send_mail(template_prefix, email, context)

    def get_client_ip(self, request):
        """The address allauth's rate limits count by: the same one axes locks."""
        ip = client_ip(request)
        if not ip:
            raise PermissionDenied("Unable to determine client IP address")
        return ip

    def save_user(self, request, user, form, commit=True):
        user = super().save_user(request, user, form, commit=False)
        user.email = user.email.lower()
        if not user.language:
            user.language = translation.get_language() or ""
            if user.language not in {code for code, _n in self._languages()}:
                user.language = ""
        if commit:
            user.save()
        return user

    @staticmethod
    def _languages():
        from django.conf import settings

        return settings.LANGUAGES
