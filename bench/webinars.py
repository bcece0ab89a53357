"""The webinar rush: 1,000 members register for one webinar with 100 seats at once.

1,000 verified members with API tokens each send one registration over HTTP from 50
concurrent clients against gunicorn on 127.0.0.1. Expected: exactly 100 confirmed, 900 on
the waiting list, 0 errors, and then cancelling 10 confirmed seats promotes the first 10
on the waiting list, in order. Each registration and promotion writes its notification
(the e-mail) in the registering transaction: exactly 100 confirmations, 900 waiting-list
notices, 10 promotions and 10 confirmations of the members' own cancellations are
expected. The bench's members and webinar are removed afterwards (their notifications
with them; queued delivery tasks then find nothing).
"""

from __future__ import annotations

import json
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta

from . import load

SLUG = "bench-rush"
EMAIL_DOMAIN = "rush.bench.invalid"
MEMBERS = 1000
SEATS = 100
CLIENTS = 50
CANCELLATIONS = 10
TIME_LIMIT = 120.0


@dataclass
class RushReport:
    result: load.Result
    outcomes: dict[str, int] = field(default_factory=dict)
    confirmed: int = 0
    waitlisted: int = 0
    promoted_in_order: bool = False
    promotion_detail: str = ""
    notifications: dict[str, int] = field(default_factory=dict)

    @property
    def notified_exactly(self) -> bool:
        return self.notifications == {
            "webinars.confirmed": SEATS,
            "webinars.waitlisted": MEMBERS - SEATS,
            "webinars.promoted": CANCELLATIONS,
            "webinars.withdrawn": CANCELLATIONS,
        }

    @property
    def errors(self) -> int:
        return sum(
            n for outcome, n in self.outcomes.items() if outcome not in {"confirmed", "waitlisted"}
        )

    @property
    def ok(self) -> bool:
        return (
            self.confirmed == SEATS
            and self.waitlisted == MEMBERS - SEATS
            and self.errors == 0
            and self.promoted_in_order
            and self.notified_exactly
        )

    def summary(self) -> str:
        return (
            f"Webinar rush: {self.result.requests} registrations by {MEMBERS} members, "
            f"{CLIENTS} clients, {SEATS} seats → confirmed {self.confirmed}, "
            f"waitlisted {self.waitlisted}, errors {self.errors}, "
            f"{self.result.per_second:.1f} registrations/s\n"
            f"Cancelling {CANCELLATIONS} confirmed seats promoted the first {CANCELLATIONS} "
            f"on the waiting list in order: {'yes' if self.promoted_in_order else 'NO'}"
            f"{' (' + self.promotion_detail + ')' if self.promotion_detail else ''}\n"
            f"Notifications written with the registrations: "
            + ", ".join(f"{kind} {n}" for kind, n in sorted(self.notifications.items()))
            + f" ({'as expected' if self.notified_exactly else 'NOT as expected'})"
        )


def _setup_django(environment: dict[str, str]) -> None:
    for name in ("DATABASE_URL", "REDIS_URL"):
        os.environ[name] = environment[name]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["PORTAL_QUIET_DEVSTACK"] = "1"
    import django

    django.setup()


def _cleanup() -> None:
    from accounts.models import User
    from webinars.models import Webinar

    Webinar.objects.filter(slug=SLUG).delete()
    User.objects.filter(email__endswith="@" + EMAIL_DOMAIN).delete()


def _prepare() -> list[str]:
    """Create the members (verified, with tokens) and the webinar; return the tokens."""
    from allauth.account.models import EmailAddress
    from django.db import transaction
    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from accounts.models import User
    from webinars.models import Webinar

    _cleanup()
    with transaction.atomic():
        users = User.objects.bulk_create(
            User(email=f"member{i:04d}@{EMAIL_DOMAIN}", name=f"Rush member {i}", password="!")
            for i in range(MEMBERS)
        )
        EmailAddress.objects.bulk_create(
            EmailAddress(user=user, email=user.email, primary=True, verified=True) for user in users
        )
        tokens = Token.objects.bulk_create(
            Token(key=Token.generate_key(), user=user) for user in users
        )
        starts_at = timezone.now() + timedelta(days=30)
        Webinar.objects.create(
            slug=SLUG,
            title="Benchmark rush",
            host_organisation="Benchmark",
            host_time_zone="UTC",
            starts_at=starts_at,
            ends_at=starts_at + timedelta(hours=1),
            capacity=SEATS,
            join_url="https://meet.example.org/bench",
            is_published=True,
        )
    return [token.key for token in tokens]


def _post(base_url: str, path: str, token: str) -> tuple[int, str]:
    try:
        status, body = load.request(
            base_url, "POST", path, body=b"", headers={"Authorization": f"Token {token}"}
        )
    except OSError:
        return 0, "connection error"
    if status in (200, 201):
        try:
            return status, json.loads(body)["status"]
        except (ValueError, KeyError):
            return status, "bad body"
    return status, f"HTTP {status}"


def run(base_url: str, environment: dict[str, str]) -> RushReport:
    _setup_django(environment)
    from django.db.models import Count

    from notifications.models import Notification
    from webinars.models import Registration, Webinar

    tokens = _prepare()
    result = load.Result(name=f"POST register (rush, {SEATS} seats)", concurrency=CLIENTS)
    report = RushReport(result=result)
    lock = threading.Lock()
    deadline = time.monotonic() + TIME_LIMIT
    path = f"/api/v1/webinars/{SLUG}/register/"

    def one(token: str) -> None:
        if time.monotonic() > deadline:
            return
        started = time.perf_counter()
        status, outcome = _post(base_url, path, token)
        elapsed = time.perf_counter() - started
        with lock:
            result.requests += 1
            result.latencies.append(elapsed)
            result.statuses[status] = result.statuses.get(status, 0) + 1
            report.outcomes[outcome] = report.outcomes.get(outcome, 0) + 1

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        list(pool.map(one, tokens))
    result.seconds = time.perf_counter() - started

    try:
        registrations = Registration.objects.filter(webinar__slug=SLUG)
        report.confirmed = registrations.filter(status="confirmed").count()
        report.waitlisted = registrations.filter(status="waitlisted").count()

        # Cancel 10 confirmed seats; the first 10 on the waiting list must move up.
        first_waiting = list(
            registrations.waitlisted().values_list("user_id", flat=True)[:CANCELLATIONS]
        )
        token_of = dict(
            Registration.objects.filter(webinar__slug=SLUG)
            .confirmed()
            .values_list("user_id", "user__auth_token__key")[:CANCELLATIONS]
        )
        cancel_path = f"/api/v1/webinars/{SLUG}/cancel/"
        with ThreadPoolExecutor(max_workers=CANCELLATIONS) as pool:
            cancelled = list(pool.map(lambda t: _post(base_url, cancel_path, t), token_of.values()))
        promoted = set(
            registrations.filter(status="confirmed", user_id__in=first_waiting).values_list(
                "user_id", flat=True
            )
        )
        still_confirmed = registrations.filter(status="confirmed").count()
        report.promoted_in_order = (
            all(outcome == "cancelled" for _status, outcome in cancelled)
            and len(first_waiting) == CANCELLATIONS
            and promoted == set(first_waiting)
            and still_confirmed == SEATS
        )
        if not report.promoted_in_order:
            report.promotion_detail = (
                f"cancel responses {cancelled[:3]}…, promoted {len(promoted)}/{CANCELLATIONS}, "
                f"confirmed now {still_confirmed}"
            )
        webinar_id = Webinar.objects.get(slug=SLUG).pk
        report.notifications = dict(
            Notification.objects.filter(object_id=str(webinar_id), kind__startswith="webinars.")
            .order_by()
            .values("kind")
            .annotate(n=Count("pk"))
            .values_list("kind", "n")
        )
    finally:
        _cleanup()
    return report
