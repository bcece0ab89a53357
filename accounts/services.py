from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from rest_framework.authtoken.models import Token

from .models import User

PROFILE_FIELDS = (
    "name",
    "organisation",
    "organisation_type",
    "country",
    "languages",
    "time_zone",
    "language",
    "bio",
)


@transaction.atomic
def profile_update(*, user: User, data: dict[str, Any]) -> User:
    """Update a member's own profile; raises ValidationError and saves nothing on bad input."""
    user = User.objects.select_for_update().get(pk=user.pk)
    changed = [field for field in PROFILE_FIELDS if field in data]
    for field in changed:
        setattr(user, field, data[field])
    user.full_clean(exclude=["password"])
    user.save(update_fields=changed)
    return user


@transaction.atomic
def api_token_regenerate(*, user: User) -> Token:
    Token.objects.filter(user=user).delete()
    return Token.objects.create(user=user)


class AdministratorRefused(Exception):
    """``administrator_ensure`` would take over or verify an address it was not told to."""


@dataclass(frozen=True)
class AdministratorResult:
    user: User
    created: bool = False
    promoted: bool = False
    verified_now: bool = False

    @property
    def unverified(self) -> bool:
        from allauth.account.models import EmailAddress

        return not EmailAddress.objects.filter(user=self.user, verified=True).exists()


@transaction.atomic
def administrator_ensure(
    *,
    email: str,
    password: str,
    promote_existing: bool = False,
    verify_email: bool = False,
) -> AdministratorResult:
    """Make sure ``email`` belongs to an administrator.

    A new administrator is created with ``password`` and a verified address (whoever runs
    the command controls the machine). An existing administrator is left as they are. An
    existing member who is not an administrator is refused unless ``promote_existing``;
    an existing unverified address is marked verified only with ``verify_email``, so the
    command never hands over someone's account, nor vouches for an address nobody proved.
    An address that is another member's secondary address is always refused.
    Raises ``ValidationError`` for a bad address and ``AdministratorRefused`` otherwise;
    on either, nothing is written.
    """
    from allauth.account.models import EmailAddress
    from django.core.validators import validate_email

    email = email.strip().lower()
    validate_email(email)
    user = User.objects.select_for_update().filter(email__iexact=email).first()
    address = EmailAddress.objects.filter(email__iexact=email).select_related("user").first()
    if address is not None and (user is None or address.user_id != user.pk):
        raise AdministratorRefused(
            f"{email} is already an address of another member ({address.user.email})."
        )
    if user is None:
        user = User.objects.create_superuser(email=email, password=password, name="Administrator")
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
        return AdministratorResult(user=user, created=True)
    promoted = verified_now = False
    if not (user.is_staff and user.is_superuser):
        if not promote_existing:
            raise AdministratorRefused(
                f"{email} belongs to an existing member who is not an administrator. "
                "Pass --promote-existing to make them one."
            )
        user.is_staff = user.is_superuser = True
        user.save(update_fields=["is_staff", "is_superuser"])
        promoted = True
    if verify_email and (address is None or not address.verified):
        if address is None:
            has_primary = EmailAddress.objects.filter(user=user, primary=True).exists()
            EmailAddress.objects.create(
                user=user, email=user.email, verified=True, primary=not has_primary
            )
        else:
            address.verified = True
            address.save(update_fields=["verified"])
        verified_now = True
    return AdministratorResult(user=user, promoted=promoted, verified_now=verified_now)
