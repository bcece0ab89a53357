"""Parse ``EMAIL_URL`` into Django's e-mail settings.

Accepted forms::

    smtp://user:password@host:25          plain SMTP
    smtp+tls://user:password@host:587     STARTTLS
    smtp+ssl://user:password@host:465     implicit TLS
    console://                            print e-mails (development)
"""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

from .env import ConfigurationError

_BACKENDS = {
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
    "smtp+tls": "django.core.mail.backends.smtp.EmailBackend",
    "smtp+ssl": "django.core.mail.backends.smtp.EmailBackend",
    "console": "django.core.mail.backends.console.EmailBackend",
}
_DEFAULT_PORTS = {"smtp": 25, "smtp+tls": 587, "smtp+ssl": 465}


def parse_email_url(url: str) -> dict:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise ConfigurationError(f"EMAIL_URL is not a valid URL ({exc}).") from None
    scheme = parts.scheme.lower()
    if scheme not in _BACKENDS:
        raise ConfigurationError(
            "EMAIL_URL must start with smtp://, smtp+tls://, smtp+ssl:// or console://"
        )
    settings = {"EMAIL_BACKEND": _BACKENDS[scheme]}
    if scheme == "console":
        return settings
    if not parts.hostname:
        raise ConfigurationError("EMAIL_URL has no host name.")
    settings.update(
        EMAIL_HOST=parts.hostname,
        EMAIL_PORT=port or _DEFAULT_PORTS[scheme],
        EMAIL_HOST_USER=unquote(parts.username or ""),
        EMAIL_HOST_PASSWORD=unquote(parts.password or ""),
        EMAIL_USE_TLS=scheme == "smtp+tls",
        EMAIL_USE_SSL=scheme == "smtp+ssl",
    )
    return settings
