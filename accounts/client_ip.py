"""The client's address, read one way by every limit: allauth's, axes' and the API's.

Without a reverse proxy (``PROXY_COUNT=0``, the default) it is ``REMOTE_ADDR``, and
``X-Forwarded-For`` is ignored: anyone can send that header. Behind ``PROXY_COUNT``
trusted proxies, each of which appends the address it saw, it is the entry that many
places from the right of ``X-Forwarded-For``; the entries further left came from the
client and are not believed. The API's throttles count with the same rule
(``REST_FRAMEWORK["NUM_PROXIES"]``).
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _address(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str | None:
    proxies = settings.PROXY_COUNT
    if proxies:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if forwarded:
            address = _address(forwarded[-min(proxies, len(forwarded))])
            if address:
                return address
    return _address(request.META.get("REMOTE_ADDR", ""))
