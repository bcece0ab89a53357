"""Signed one-click unsubscribe tokens, bound to one member and one kind, usable once.

The token carries (member id, kind key, version) signed with the portal's SECRET_KEY
(django.core.signing, own salt). Using it bumps the version stored on the member's
preference for that kind, so the same link cannot be used twice; changing any
character breaks the signature.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core import signing

SALT = "notifications.unsubscribe"
# A digest's List-Unsubscribe turns off every kind the member receives in that digest.
DIGEST_PREFIX = "digest:"


class InvalidToken(Exception):
    pass


@dataclass(frozen=True)
class UnsubscribeToken:
    user_id: int
    kind: str
    version: int

    @property
    def is_digest(self) -> bool:
        return self.kind.startswith(DIGEST_PREFIX)


def make_token(*, user_id: int, kind: str, version: int) -> str:
    return signing.dumps([user_id, kind, version], salt=SALT, compress=False)


def read_token(token: str) -> UnsubscribeToken:
    try:
        user_id, kind, version = signing.loads(token, salt=SALT)
    except (signing.BadSignature, ValueError, TypeError):
        raise InvalidToken from None
    if not (isinstance(user_id, int) and isinstance(kind, str) and isinstance(version, int)):
        raise InvalidToken
    return UnsubscribeToken(user_id=user_id, kind=kind, version=version)
