"""Parse ``EMAIL_URL`` into a Django ``MAILERS`` entry.

Accepted forms::

    smtp://user:password@host:25          plain SMTP
    smtp+tls://user:password@host:587     STARTTLS
    smtp+ssl://user:password@host:465     implicit TLS
    console://                            print e-mails (development)
"""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

from .env import ConfigurationError

SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
CONSOLE_BACKEND = "django.core.mail.backends.console.EmailBackend"
_DEFAULT_PORTS = {"smtp": 25, "smtp+tls": 587, "smtp+ssl": 465}
TIMEOUT_SECONDS = 10


def smtp_mailer(
    *, host: str, port: int, username: str = "", password: str = "", use_tls=False, use_ssl=False
) -> dict:
    """A MAILERS entry for an SMTP server."""
    return {
        "BACKEND": SMTP_BACKEND,
        "OPTIONS": {
            "host": host,
            "port": port,
            "username": username,
            "password": password,
            "use_tls": use_tls,
            "use_ssl": use_ssl,
            "timeout": TIMEOUT_SECONDS,
        },
    }


def parse_email_url(url: str) -> dict:
    """Turn EMAIL_URL into a MAILERS entry."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise ConfigurationError(f"EMAIL_URL is not a valid URL ({exc}).") from None
    scheme = parts.scheme.lower()
    if scheme == "console":
        return {"BACKEND": CONSOLE_BACKEND}
    if scheme not in _DEFAULT_PORTS:
        raise ConfigurationError(
            "EMAIL_URL must start with smtp://, smtp+tls://, smtp+ssl:// or console://"
        )
    if not parts.hostname:
        raise ConfigurationError("EMAIL_URL has no host name.")
    return smtp_mailer(
        host=parts.hostname,
        port=port or _DEFAULT_PORTS[scheme],
        username=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
        use_tls=scheme == "smtp+tls",
        use_ssl=scheme == "smtp+ssl",
    )
