from allauth.account.adapter import DefaultAccountAdapter
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.utils import translation

from .client_ip import client_ip


class AccountAdapter(DefaultAccountAdapter):
    def send_mail(self, template_prefix, email, context):
        """Put every account e-mail in the outbox, rendered in the recipient's language.

        Nothing is sent in the request: the message is written in its transaction and a
        worker delivers it (``notifications.services.account_email_queue``), so a mail
        server that is down never fails a sign-up or a password reset."""
        from allauth.core import context as allauth_context
        from django.contrib.sites.shortcuts import get_current_site

        from notifications.services import account_email_queue

        user = context.get("user")
        if user is None:
            user = get_user_model().objects.filter(email__iexact=email).only("language").first()
        language = getattr(user, "language", "") or translation.get_language()
        request = allauth_context.request
        with translation.override(language):
            message = self.render_mail(
                template_prefix,
                email,
                {
                    "request": request,
                    "email": email,
                    "current_site": get_current_site(request),
                    **context,
                },
            )
        account_email_queue(
            message=message, template=template_prefix, language=language or "", user=user
        )

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
