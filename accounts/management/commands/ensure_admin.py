import secrets

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email
from django.db import transaction

from accounts.models import User


class Command(BaseCommand):
    help = (
        "Make sure a local administrator exists and print how to sign in. The password is "
        "generated once and kept in .data/admin_password (development only)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--email", default="admin@example.org")

    def handle(self, *args, email, **options):
        try:
            validate_email(email)
        except ValidationError:
            raise CommandError(f"“{email}” is not a valid e-mail address.") from None
        email = email.lower()
        password_file = settings.DATA_DIR / "admin_password"
        with transaction.atomic():
            user = User.objects.filter(email=email).first()
            if user is None:
                password = secrets.token_urlsafe(12)
                user = User.objects.create_superuser(
                    email=email, password=password, name="Administrator"
                )
                settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
                password_file.write_text(password)
                password_file.chmod(0o600)
            EmailAddress.objects.update_or_create(
                user=user, email=email, defaults={"verified": True, "primary": True}
            )
        if password_file.exists():
            password = password_file.read_text().strip()
            self.stdout.write(
                f"Administrator: {email} / {password}  (sign in at {settings.SITE_URL}/accounts/login/)"
            )
        else:
            self.stdout.write(f"Administrator: {email} (password unchanged)")
