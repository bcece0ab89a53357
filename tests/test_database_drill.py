"""The PostgreSQL outage drill: a real PostgreSQL stopped, frozen and restarted under traffic.

The portal runs as in production (gunicorn with three sync workers as in the Dockerfile, DEBUG off, collected static
files) against a cluster of its own (tests/pg_cluster.py, on a free loopback port, its
data in a temporary folder), while client threads keep asking for pages, the API and /healthz in
Spanish and French. Then:

* PostgreSQL stopped for longer than the pool's reconnect_timeout: every answer is a 503
  within 3 s (the translated page; JSON under /api/; /healthz naming the database), never
  a 500; back to 200 within 5 s once it is started again, nothing restarted.
* PostgreSQL frozen (SIGSTOP, its sessions cut: connections are accepted by the kernel and
  never answered): the same.
* A restart of one second: not a single 500.

The figures (slowest outage answer, recovery time, count of 500s) are printed (pytest -s).
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from .pg_cluster import Cluster, free_port, wait_until

pytestmark = pytest.mark.slow

BASE_DIR = Path(__file__).resolve().parent.parent

PAGES = ("/", "/hubs/", "/solutions/", "/community/", "/api/v1/hubs/", "/healthz")
LANGUAGES = ("es", "fr")
CLIENTS = 4
OUTAGE_LIMIT = 3.0  # seconds: the slowest acceptable answer while PostgreSQL is away
RECOVERY_LIMIT = 5.0  # seconds after PostgreSQL is back until every answer is a 200
UNAVAILABLE = "The portal is briefly unavailable. Please try again in a moment."


@dataclass
class Answer:
    path: str
    language: str
    started: float  # time.monotonic()
    took: float
    status: int | None  # None: no HTTP answer at all (refused, timed out)
    headers: dict[str, str]
    body: str

    @property
    def ended(self) -> float:
        return self.started + self.took


def _get(port: int, path: str, language: str, timeout: float = 15) -> Answer:
    started = time.monotonic()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path, headers={"Accept-Language": language})
        response = connection.getresponse()
        body = response.read().decode()
        status, headers = response.status, {k.lower(): v for k, v in response.getheaders()}
    except OSError as error:
        status, headers, body = None, {}, repr(error)
    finally:
        connection.close()
    return Answer(path, language, started, time.monotonic() - started, status, headers, body)


class Traffic:
    """Client threads asking for every page in every language, one request after another."""

    def __init__(self, port: int, clients: int = CLIENTS):
        self.port = port
        self.answers: list[Answer] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._asking: dict[int, float] = {}  # per client: when its pending request was sent
        self._threads = [
            threading.Thread(target=self._run, args=(n,), daemon=True) for n in range(clients)
        ]

    def _run(self, n: int) -> None:
        requests = [(path, language) for language in LANGUAGES for path in PAGES]
        i = n * 5  # the clients start at different places in the list
        while not self._stop.is_set():
            path, language = requests[i % len(requests)]
            with self._lock:
                self._asking[n] = time.monotonic()
            answer = _get(self.port, path, language)
            with self._lock:
                self.answers.append(answer)
                del self._asking[n]
            i += 1

    def __enter__(self) -> Traffic:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=30)

    def sent_between(self, start: float, end: float) -> list[Answer]:
        """The answers to the requests sent from start to end, once all have come."""

        def answered() -> bool:
            with self._lock:
                return min(self._asking.values(), default=end) >= end

        waited = wait_until(answered, 30)
        assert waited, "a request sent during the outage never got an answer"
        with self._lock:
            return [a for a in self.answers if start <= a.started <= end]

    def covered_since(self, start: float) -> bool:
        """Every page in every language was answered to a request sent since start."""
        with self._lock:
            asked = {(a.path, a.language) for a in self.answers if a.started >= start}
        return len(asked) == len(PAGES) * len(LANGUAGES)

    def recovery_after(self, start: float) -> float | None:
        """all_200_after(start), once it is known (None after RECOVERY_LIMIT + 5 s)."""
        wait_until(lambda: self.all_200_after(start) is not None, RECOVERY_LIMIT + 5)
        return self.all_200_after(start)

    def since(self, start: float) -> list[Answer]:
        with self._lock:
            return [a for a in self.answers if a.ended > start]

    def all_200_after(self, start: float, rounds: int = 2) -> float | None:
        """Seconds from start until the answers were 200 for good: every page in every
        language answered 200 at least `rounds` times since the last other answer."""
        answers = sorted(self.since(start), key=lambda a: a.ended)
        last_other = max((a.ended for a in answers if a.status != 200), default=start)
        after = [a for a in answers if a.ended > last_other]
        counts: dict[tuple[str, str], int] = {}
        for answer in after:
            counts[answer.path, answer.language] = counts.get((answer.path, answer.language), 0) + 1
        if len(counts) == len(PAGES) * len(LANGUAGES) and min(counts.values()) >= rounds:
            return last_other - start
        return None


def _environment(cluster: Cluster, tmp_path: Path) -> dict[str, str]:
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("PYTEST") and key not in {"DATABASE_URL", "REDIS_URL"}
    }
    environment.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DATABASE_URL=cluster.url,
        REDIS_URL=settings.REDIS_URL,  # this run's Redis: only the cache and rate limits
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="0",
        SITE_URL="http://127.0.0.1",
        API_ANON_RATE="1000000/min",
        API_USER_RATE="1000000/min",
        PORTAL_DATA_DIR=str(tmp_path / "data"),
        STATIC_ROOT=str(tmp_path / "static"),
        PORTAL_QUIET_DEVSTACK="1",
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    return environment


def _manage(environment: dict[str, str], *args: str) -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", *args, "--verbosity", "0"],
        cwd=BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr


@pytest.fixture
def cluster(tmp_path):
    # Run as root, the server runs as another user, which must be able to reach its data:
    # not under pytest's base folder, which any pytest starting on the machine sets back
    # to 0700. Elsewhere, under tmp_path.
    root = Path(tempfile.mkdtemp(prefix="portal-pg-")) if os.geteuid() == 0 else tmp_path
    cluster = Cluster(root / "pg").init()
    try:
        cluster.start()
        cluster.create_database()
        yield cluster
    finally:
        cluster.destroy()
        if root != tmp_path:
            shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def portal(cluster, tmp_path):
    """The port of a gunicorn serving the portal from the cluster; its log in tmp_path."""
    environment = _environment(cluster, tmp_path)
    _manage(environment, "migrate", "--noinput")
    _manage(environment, "collectstatic", "--noinput")
    port = free_port()
    log = (tmp_path / "gunicorn.log").open("w")
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "3",
            "--access-logfile",
            "-",
            "--access-logformat",
            '"%(r)s" %(s)s %(L)ss',  # with each request's time
        ],
        cwd=BASE_DIR,
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group, stopped as one
    )
    try:
        up = wait_until(lambda: _get(port, "/healthz", "en", timeout=2).status == 200, 60, 0.2)
        assert up, (tmp_path / "gunicorn.log").read_text()[-3000:]
        yield port
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, 15)
        server.wait(timeout=30)
        log.close()


def _translated(language: str, text: str) -> str:
    with translation.override(language):
        return translation.gettext(text)


def assert_unavailable(answer: Answer) -> None:
    where = (answer.path, answer.language, answer.status, round(answer.took, 2))
    assert answer.status == 503, (*where, answer.body[:300])
    assert answer.took < OUTAGE_LIMIT, where
    assert answer.headers["retry-after"] == "5", where
    if answer.path == "/healthz":
        body = json.loads(answer.body)
        assert body["status"] == "error", where
        assert body["database"].startswith("error"), (*where, body)
    elif answer.path.startswith("/api/"):
        assert answer.headers["content-type"] == "application/json", where
        assert json.loads(answer.body) == {"detail": _translated(answer.language, UNAVAILABLE)}
    else:
        assert answer.headers["content-type"].startswith("text/html"), where
        assert answer.headers["content-language"] == answer.language, where
        assert f'<html lang="{answer.language}">' in answer.body, where
        assert _translated(answer.language, "Knowledge Hubs Portal") in answer.body, where
        assert _translated(answer.language, UNAVAILABLE) in answer.body, where


def _outage(traffic: Traffic, begin, end, hold: float, label: str) -> dict[str, float]:
    """Take PostgreSQL away for `hold` seconds under traffic, bring it back, and check
    the answers of the outage and of the recovery; return the figures."""
    before = time.monotonic()
    assert traffic.recovery_after(before) is not None, "not all 200 before the outage"
    begin()
    gone = time.monotonic()
    # Held for a time, not polled: the outage has to last (the clients keep asking)...
    time.sleep(hold)
    # ...and until every page has been asked for in every language since it began.
    assert wait_until(lambda: traffic.covered_since(gone), 30), "too few requests"
    back_from = time.monotonic()
    end()
    back = time.monotonic()
    recovered = traffic.recovery_after(back)
    sent = traffic.sent_between(gone, back_from)
    # Those answered once PostgreSQL was back may be 200s.
    during = [a for a in sent if not (a.status == 200 and a.ended > back_from)]
    around = traffic.since(before)
    figures = {
        f"{label}: answers during the outage": len(during),
        f"{label}: slowest outage answer (s)": max(a.took for a in during),
        # Requests caught by the stop or the start themselves included.
        f"{label}: slowest answer from stop to recovery (s)": max(a.took for a in around),
        f"{label}: recovery after PostgreSQL is back (s)": recovered,
        f"{label}: 500s": sum(1 for a in around if a.status is not None and a.status >= 500
                              and a.status != 503),
    }  # fmt: skip
    print(figures)
    for answer in during:
        assert_unavailable(answer)
    # Every page in every language was asked for during the outage.
    assert {(a.path, a.language) for a in during} == {
        (path, language) for path in PAGES for language in LANGUAGES
    }, figures
    assert all(a.status in (200, 503) for a in around), [
        (a.path, a.status, a.body[:200]) for a in around if a.status not in (200, 503)
    ]
    assert max(a.took for a in around) < OUTAGE_LIMIT, figures
    assert recovered is not None and recovered < RECOVERY_LIMIT, figures
    return figures


def test_stopped_frozen_and_restarted_postgresql_under_traffic(cluster, portal, tmp_path):
    # The texts checked are really in the visitors' languages.
    for language in LANGUAGES:
        assert _translated(language, "Knowledge Hubs Portal") != "Knowledge Hubs Portal"
    with Traffic(portal) as traffic:
        # Longer than the pool's reconnect_timeout (5 s): its background attempts give up.
        _outage(traffic, cluster.stop, cluster.start, 6.0, "stopped")
        _outage(traffic, cluster.freeze, cluster.thaw, 4.0, "frozen")
        # One second away: answers are 200 or 503 (a request caught by it), never a 500.
        before = time.monotonic()
        cluster.stop()
        time.sleep(1.0)
        cluster.start()
        back = time.monotonic()
        recovered = traffic.recovery_after(back)
        answers = traffic.since(before)
        print(
            {
                "1 s restart: answers": len(answers),
                "503s": sum(1 for a in answers if a.status == 503),
                "slowest (s)": max(a.took for a in answers),
                "recovery (s)": recovered,
            }
        )
        assert all(a.status in (200, 503) for a in answers), [
            (a.path, a.status, a.body[:200]) for a in answers if a.status not in (200, 503)
        ]
        for answer in answers:
            if answer.status == 503:
                assert_unavailable(answer)
        assert max(a.took for a in answers) < OUTAGE_LIMIT
        assert recovered is not None and recovered < RECOVERY_LIMIT
    log = (tmp_path / "gunicorn.log").read_text()
    assert '" 500 ' not in log  # nor any other request of the run
    assert "Traceback" not in log, log[-3000:]
