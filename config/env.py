"""Reading configuration from environment variables, with one clear line on bad input.

Every variable the settings read goes through these helpers, so that
``ENV_VARS`` lists them all (the docker-compose test checks against it) and a
malformed value stops start-up with a message naming the variable instead of
a traceback from deep inside a library.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit

ENV_VARS: set[str] = set()

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class ConfigurationError(SystemExit):
    """Raised for a bad environment: exits with one readable line, no traceback."""

    def __init__(self, message: str):
        super().__init__(f"Configuration error: {message}")


def get_str(name: str, default: str | None = None) -> str | None:
    ENV_VARS.add(name)
    value = os.environ.get(name)
    return default if value is None else value.strip()


def get_bool(name: str, default: bool) -> bool:
    value = get_str(name)
    if value is None:
        return default
    lowered = value.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ConfigurationError(
        f"{name} must be one of 1/0, true/false, yes/no, on/off (got {value!r})."
    )


def get_int(name: str, default: int, *, minimum: int | None = None) -> int:
    value = get_str(name)
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise ConfigurationError(f"{name} must be a whole number (got {value!r}).") from None
    if minimum is not None and number < minimum:
        raise ConfigurationError(f"{name} must be at least {minimum} (got {number}).")
    return number


def get_list(name: str, default: list[str] | None = None) -> list[str]:
    value = get_str(name)
    if value is None:
        return list(default or [])
    return [item.strip() for item in value.split(",") if item.strip()]


def check_url(name: str, value: str, schemes: set[str]) -> str:
    """Validate the shape of a service URL, naming the variable when it is wrong."""
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError on a non-numeric port
    except ValueError as exc:
        raise ConfigurationError(f"{name} is not a valid URL ({exc}).") from None
    if parts.scheme not in schemes:
        expected = ", ".join(sorted(schemes))
        raise ConfigurationError(
            f"{name} must start with one of {expected}:// (got {value.split('://')[0]!r})."
        )
    if (
        parts.scheme not in {"unix", "redis+socket"}
        and not parts.hostname
        and "host=" not in (parts.query or "")
    ):
        raise ConfigurationError(f"{name} has no host name.")
    return value
