"""Reading configuration from environment variables, with one clear line on bad input.

Every variable the settings read goes through these helpers, so that
``ENV_VARS`` lists them all (the docker-compose test checks against it) and a
malformed value stops start-up with a message naming the variable instead of
a traceback from deep inside a library.
"""

from __future__ import annotations

import os
import re
from email.utils import parseaddr
from urllib.parse import urlsplit

ENV_VARS: set[str] = set()

DATABASE_SCHEMES = {"postgres", "postgresql", "pgsql"}
REDIS_SCHEMES = {"redis", "rediss", "unix"}

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


def get_int(
    name: str, default: int, *, minimum: int | None = None, maximum: int | None = None
) -> int:
    value = get_str(name)
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise ConfigurationError(f"{name} must be a whole number (got {value!r}).") from None
    if minimum is not None and number < minimum:
        raise ConfigurationError(f"{name} must be at least {minimum} (got {number}).")
    if maximum is not None and number > maximum:
        raise ConfigurationError(f"{name} must be at most {maximum} (got {number}).")
    return number


def get_float(
    name: str, default: float, *, minimum: float | None = None, maximum: float | None = None
) -> float:
    value = get_str(name)
    if value is None or value == "":
        return default
    try:
        number = float(value)
    except ValueError:
        raise ConfigurationError(f"{name} must be a number, e.g. 1.5 (got {value!r}).") from None
    if number != number or number in (float("inf"), float("-inf")):  # NaN, infinity
        raise ConfigurationError(f"{name} must be a finite number (got {value!r}).")
    if minimum is not None and number < minimum:
        raise ConfigurationError(f"{name} must be at least {minimum:g} (got {value}).")
    if maximum is not None and number > maximum:
        raise ConfigurationError(f"{name} must be at most {maximum:g} (got {value}).")
    return number


def get_list(name: str, default: list[str] | None = None) -> list[str]:
    value = get_str(name)
    if value is None:
        return list(default or [])
    return [item.strip() for item in value.split(",") if item.strip()]


def check_url(name: str, value: str, schemes: set[str], *, origin: bool = False) -> str:
    """Validate the shape of a service URL, naming the variable when it is wrong.

    With ``origin``, only ``scheme://host[:port]`` is accepted (no path, query or
    fragment), as a browser's Origin header would carry it.
    """
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
    if origin and (parts.path not in {"", "/"} or parts.query or parts.fragment):
        raise ConfigurationError(
            f"{name} must be like https://portal.example.org, "
            f"without a path, query or fragment (got {value!r})."
        )
    if origin and (parts.username or parts.password):
        raise ConfigurationError(f"{name} must not contain a user name or password.")
    return value


# DRF reads only the first letter of the period (rest_framework.throttling.parse_rate):
# accept the spellings its documentation uses and nothing that would silently mean
# something else ("5/month" would be five a minute).
_RATE = re.compile(r"^(\d+)/(s|sec|second|m|min|minute|h|hour|d|day)$")


def get_rate(name: str, default: str) -> str:
    """A DRF throttle rate, ``N/period`` with period s/sec/second, m/min/minute, h/hour, d/day."""
    value = get_str(name)
    if value is None or value == "":
        return default
    match = _RATE.match(value.replace(" ", ""))
    if not match or int(match.group(1)) < 1:
        raise ConfigurationError(
            f"{name} must be a rate like 120/min: a positive number, '/', "
            f"then s, min, hour or day (got {value!r})."
        )
    return match.group(0)


def get_choice(name: str, default: str, choices: set[str], *, upper: bool = False) -> str:
    value = get_str(name)
    if value is None or value == "":
        return default
    if upper:
        value = value.upper()
    if value not in choices:
        raise ConfigurationError(
            f"{name} must be one of {', '.join(sorted(choices))} (got {value!r})."
        )
    return value


def get_url(
    name: str, default: str | None, schemes: set[str], *, origin: bool = False
) -> str | None:
    """A URL from the environment (or the default), checked with ``check_url``."""
    value = get_str(name)
    if value is None or value == "":
        return default
    check_url(name, value, schemes, origin=origin)
    return value


def get_hosts(name: str, default: list[str]) -> list[str]:
    """ALLOWED_HOSTS-style names: ``example.org``, ``.example.org``, ``*``, ``[::1]``."""
    hosts = get_list(name, default)
    for host in hosts:
        if "://" in host or "/" in host or " " in host or not _HOST.match(host):
            raise ConfigurationError(
                f"{name} must list bare host names such as portal.example.org, "
                f"without scheme, port or path (got {host!r})."
            )
    return hosts


_HOST = re.compile(r"^(\*|\.?[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_])?|\[[0-9A-Fa-f:.]+\])$")


def get_host(name: str, default: str) -> str:
    """One bare host name or address, e.g. ``127.0.0.1``, ``smtp.example.org``, ``::1``."""
    value = get_str(name)
    if value is None or value == "":
        return default
    if not (_HOST.match(value) and value != "*" and not value.startswith(".")) and not (
        ":" in value and re.fullmatch(r"[0-9A-Fa-f:.]+", value)
    ):
        raise ConfigurationError(
            f"{name} must be a host name or address without scheme, port or path (got {value!r})."
        )
    return value


def local_url(host: str, port: int) -> str:
    """The address a browser on this machine uses for a server bound to host:port."""
    # A server bound to every interface: links use the loopback.
    if host in {"0.0.0.0", "::", "[::]"}:  # noqa: S104
        host = "127.0.0.1"
    elif ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{port}"


def get_origins(name: str) -> list[str]:
    """CSRF_TRUSTED_ORIGINS-style origins: ``https://portal.example.org[:port]``."""
    origins = get_list(name)
    for origin in origins:
        check_url(name, origin, {"http", "https"}, origin=True)
    return origins


def get_email_address(name: str, default: str) -> str:
    """A sender such as ``Name <address@host>`` or ``address@host``."""
    value = get_str(name)
    if value is None or value == "":
        return default
    _display, address = parseaddr(value)
    local, _, domain = address.rpartition("@")
    if not local or not domain or " " in address:
        raise ConfigurationError(
            f"{name} must be an e-mail address, e.g. Portal <noreply@example.org> (got {value!r})."
        )
    return value
