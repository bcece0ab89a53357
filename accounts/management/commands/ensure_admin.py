import os
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts import services


class Command(BaseCommand):
    help = (
        "Make sure a local administrator exists and print how to sign in. The password is "
        "generated once and kept in .data/admin_password (development only). An existing "
        "member is never made an administrator, nor their address verified, unless asked."
    )

    def add_arguments(self, parser):
        parser.add_argument("--email", default="admin@example.org")
        parser.add_argument(
            "--promote-existing",
            action="store_true",
            help="Make an existing member with this address an administrator.",
        )
        parser.add_argument(
            "--verify-email",
            action="store_true",
            help="Mark the existing account's address as verified without a confirmation.",
        )

    def handle(self, *args, email, promote_existing, verify_email, **options):
        password_file = settings.DATA_DIR / "admin_password"
        password = secrets.token_urlsafe(12)
        try:
            # One transaction: if the password cannot be kept, the new account is not kept.
            with transaction.atomic():
                result = services.administrator_ensure(
                    email=email,
                    password=password,
                    promote_existing=promote_existing,
                    verify_email=verify_email,
                )
                if result.created:
                    self._keep_password(password_file, password)
        except ValidationError:
            raise CommandError(f"“{email}” is not a valid e-mail address.") from None
        except services.AdministratorRefused as refusal:
            raise CommandError(f"{refusal} Nothing was changed.") from None
        user = result.user
        if result.promoted:
            self.stdout.write(f"{user.email} is now an administrator.")
        if result.verified_now:
            self.stdout.write(f"{user.email} is now marked verified.")
        elif result.unverified:
            self.stderr.write(
                f"{user.email} has not been verified; pass --verify-email to mark it verified."
            )
        kept = password_file.read_text().strip() if password_file.exists() else ""
        if kept and user.check_password(kept):
            self.stdout.write(
                f"Administrator: {user.email} / {kept}  "
                f"(sign in at {settings.SITE_URL}/accounts/login/)"
            )
        else:
            self.stdout.write(f"Administrator: {user.email} (password unchanged)")

    @staticmethod
    def _keep_password(password_file, password: str) -> None:
        password_file.parent.mkdir(parents=True, exist_ok=True)
        password_file.unlink(missing_ok=True)
        descriptor = os.open(password_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(password)
