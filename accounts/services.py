from __future__ import annotations

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
