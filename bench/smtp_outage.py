"""SMTP outage drill: ``python -m bench.smtp_outage [OUTAGE_SECONDS]``.

Starts the whole portal (``python -m config.run``: web server, Celery worker on
``default,mail``, beat) on PORTAL_PORT with its data in PORTAL_DATA_DIR, and a counting SMTP
server on 127.0.0.1 in this process. Then stops the SMTP server for OUTAGE_SECONDS (60)
while it signs people up and asks for password resets over HTTP (each from its own
X-Forwarded-For address, PROXY_COUNT=1, so allauth's per-address limits allow them), and
writes notifications and a daily digest through the services. The SMTP server comes back
on the same port; the drill waits until every outbox row is sent (or 10 minutes pass) and
reports: e-mails asked for during the outage, received during it, the time from the
server's return to the last delivery, duplicates (same Message-ID twice) and lost ones.

Loopback only; everything it starts is stopped at the end (the portal's process group).
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from email.parser import BytesHeaderParser
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
PASSWORD = "a-long-and-unusual-passphrase"


class Sink:
    """aiosmtpd on one port, which can be stopped and started again."""

    def __init__(self, port: int):
        self.port = port
        self.received: list[tuple[float, str]] = []
        self.parser = BytesHeaderParser()
        self.controller = None

    async def handle_DATA(self, server, session, envelope):
        headers = self.parser.parsebytes(envelope.content)
        self.received.append((time.time(), headers.get("Message-ID", "")))
        return "250 Message accepted for delivery"

    def start(self) -> None:
        from aiosmtpd.controller import Controller

        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        self.controller.stop()
        self.controller = None


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for_site(base: str, timeout: float = 300) -> None:
    import requests

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if requests.get(base + "/healthz", timeout=2).status_code in (200, 503):
                return
        except requests.RequestException:
            pass
        time.sleep(1)
    raise SystemExit("the portal did not start")


def _post_form(base: str, path: str, data: dict, ip: str) -> int:
    import requests

    session = requests.Session()
    headers = {"X-Forwarded-For": ip}
    page = session.get(base + path, headers=headers, timeout=30)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    response = session.post(
        base + path,
        data={**data, "csrfmiddlewaretoken": token},
        headers={**headers, "Referer": base + path},
        allow_redirects=False,
        timeout=30,
    )
    return response.status_code


def _sign_up(base: str, n: int) -> int:
    return _post_form(
        base,
        "/accounts/signup/",
        {
            "email": f"drill-{time.time_ns()}-{n}@example.org",
            "name": f"Drill Member {n}",
            "organisation": "Drill",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
        ip=f"10.77.{n // 200}.{n % 200 + 1}",
    )


def _reset(base: str, email: str, n: int) -> int:
    return _post_form(
        base, "/accounts/password/reset/", {"email": email}, ip=f"10.78.{n // 200}.{n % 200 + 1}"
    )


def _outbox_rows():
    from notifications.models import AccountEmail, Digest, Notification

    rows = {}
    for model in (Notification, Digest, AccountEmail):
        for row in model.objects.exclude(email_state__in=["none", "digest", "digested"]):
            rows[row.message_id] = (model.__name__, row.email_state, row.created.timestamp())
    return rows


def main() -> None:  # noqa: C901, PLR0915 - a script, read top to bottom
    outage = float(sys.argv[1]) if len(sys.argv) > 1 else 60.0
    port = int(os.environ.get("PORTAL_PORT", "8101"))
    os.environ.setdefault("PORTAL_DATA_DIR", str(BASE_DIR / ".data-drill"))
    smtp_port = _free_port()
    base = f"http://127.0.0.1:{port}"
    environment = {
        **os.environ,
        "PORTAL_PORT": str(port),
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
        "PROXY_COUNT": "1",
        "PORTAL_QUIET_DEVSTACK": "1",
    }
    os.environ.update(environment)
    import logging

    logging.getLogger("mail.log").setLevel(logging.WARNING)
    sink = Sink(smtp_port)
    sink.start()
    log = open(Path(os.environ["PORTAL_DATA_DIR"]) / "drill-stack.log", "w")  # noqa: SIM115
    stack = subprocess.Popen(
        [sys.executable, "-m", "config.run"],
        cwd=BASE_DIR,
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        _wait_for_site(base)
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
        import django

        django.setup()
        # Members for notifications and password resets, verified, in UTC (digests due).
        from allauth.account.models import EmailAddress
        from django.db import transaction
        from django.utils import timezone

        from accounts.models import User
        from notifications import services
        from notifications.kinds import Frequency
        from notifications.models import Preference

        members = []
        for i in range(40):
            user = User.objects.filter(email=f"drill-member-{i}@example.org").first()
            if user is None:
                user = User.objects.create_user(
                    f"drill-member-{i}@example.org", PASSWORD, name=f"Drill Member {i}"
                )
            EmailAddress.objects.get_or_create(
                user=user, email=user.email, defaults={"verified": True, "primary": True}
            )
            members.append(user)
        digest_members = members[:3]
        for member in digest_members:
            Preference.objects.update_or_create(
                user=member,
                kind="notifications.announcement",
                defaults={"frequency": Frequency.DAILY},
            )
        # A warm-up: the chain works before the outage.
        assert _sign_up(base, 0) == 302
        deadline = time.monotonic() + 60
        while not sink.received and time.monotonic() < deadline:
            time.sleep(0.2)
        assert sink.received, "the warm-up e-mail never arrived"
        time.sleep(2)
        before = set(_outbox_rows())

        print(f"SMTP down for {outage:.0f} s", flush=True)
        sink.stop()
        down_at = time.time()
        statuses, n = Counter(), 0
        while time.time() - down_at < outage - 5:
            n += 1
            statuses[f"signup {_sign_up(base, n)}"] += 1
            statuses[f"reset {_reset(base, members[n % len(members)].email, n)}"] += 1
            with transaction.atomic():
                services.notify_many(
                    recipients=members[3:],
                    kind="notifications.announcement",
                    payload={"title": f"Drill announcement {n}", "url": "/"},
                )
            if n == 3:
                with transaction.atomic():
                    services.notify_many(
                        recipients=digest_members,
                        kind="notifications.announcement",
                        payload={"title": "For the digest", "url": "/"},
                    )
                for member in digest_members:
                    services.digest_build(
                        user=member, frequency=Frequency.DAILY, now=timezone.now()
                    )
            time.sleep(4)
        asked = {k: v for k, v in _outbox_rows().items() if k not in before}
        while time.time() - down_at < outage:
            time.sleep(0.2)
        received_during = len([1 for at, _id in sink.received if at >= down_at])
        sink.start()
        up_at = time.time()
        print(f"SMTP back; {len(asked)} e-mails waiting", flush=True)

        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            got = {message_id for at, message_id in sink.received if at >= up_at}
            if set(asked) <= got:
                break
            time.sleep(0.5)
        time.sleep(5)  # anything arriving twice would arrive now
        after = [(at, message_id) for at, message_id in sink.received if at >= up_at]
        counts = Counter(message_id for _at, message_id in sink.received)
        mine = [at for at, message_id in after if message_id in asked]
        states = Counter(state for _m, state, _c in _outbox_rows().values())
        kinds = Counter(model for model, _s, _c in asked.values())
        result = {
            "outage_seconds": outage,
            "requests_during_outage": dict(statuses),
            "emails_asked_for_during_outage": len(asked),
            "by_model": dict(kinds),
            "received_during_outage": received_during,
            "seconds_from_return_to_last_delivery": round(max(mine) - up_at, 1) if mine else None,
            "duplicated": sum(1 for message_id in asked if counts[message_id] > 1),
            "lost": sum(1 for message_id in asked if counts[message_id] == 0),
            "outbox_states_after": dict(states),
        }
        print(json.dumps(result, indent=2), flush=True)
    finally:
        try:
            os.killpg(stack.pid, signal.SIGINT)
            stack.wait(timeout=30)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(stack.pid, signal.SIGKILL)
        if sink.controller is not None:
            sink.stop()
        log.close()


if __name__ == "__main__":
    main()
