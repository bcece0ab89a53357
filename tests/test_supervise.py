"""`make run` keeps the portal up: a dead worker, beat, web server or embedded Redis is
started again, and Ctrl-C still stops everything. Real processes, started and stopped here.
"""

from __future__ import annotations

import io
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import psutil
import pytest
from django.conf import settings

from config.supervise import Supervisor

BASE_DIR = Path(__file__).resolve().parent.parent
# Sleeps 60 s, after starting a grandchild in its group that sleeps too (as runserver's
# reloader and Celery's pool do); prints the grandchild's pid.
PARENT = (
    "import subprocess, sys, time;"
    "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)']);"
    "print('child', child.pid, flush=True); time.sleep(60)"
)


def _gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def _wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def _pids(log: str, name: str) -> list[int]:
    return [int(pid) for pid in re.findall(rf"\| {name} started \(pid=(\d+)\)", log)]


def _poll_until(supervisor: Supervisor, predicate, timeout: float, what: str):
    def step():
        supervisor.poll()
        return predicate()

    return _wait_for(step, timeout, what)


def test_a_killed_program_is_restarted_with_a_line_and_its_group_is_cleared():
    out = io.StringIO()
    supervisor = Supervisor(out=out)
    supervisor.add("worker", [sys.executable, "-c", PARENT])
    supervisor.add("web", [sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        for program in supervisor.programs:
            supervisor.start(program)
        worker, web = supervisor.programs
        first, web_pid = worker.process.pid, web.process.pid
        child = int(_wait_for(lambda: re.search(r"child (\d+)", out.getvalue()), 10, "child")[1])

        killed_at = time.monotonic()
        os.kill(first, signal.SIGKILL)
        _poll_until(supervisor, lambda: len(_pids(out.getvalue(), "worker")) == 2, 10, "restart")
        assert time.monotonic() - killed_at < 5
        assert "worker exited (signal 9); restarting" in out.getvalue()
        assert _wait_for(lambda: _gone(child), 5, "the orphaned grandchild to be killed")
        assert worker.process.pid != first
        assert web.process.pid == web_pid and web.process.poll() is None  # left alone
    finally:
        supervisor.stop()
    assert "worker stopped" in out.getvalue() and "web stopped" in out.getvalue()
    assert all(p.process is None for p in supervisor.programs)


def test_a_program_that_keeps_crashing_backs_off_and_says_so():
    out = io.StringIO()
    supervisor = Supervisor(out=out, stable_after=30)
    supervisor.add("beat", [sys.executable, "-c", "import sys; sys.exit(3)"])
    started = time.monotonic()
    supervisor.start(supervisor.programs[0])
    try:
        _poll_until(supervisor, lambda: "backing off: restarting in 2 s" in out.getvalue(), 10, "")
        # Not spinning: 1 s, then 2 s between starts, so at most three starts in 4 s.
        _poll_until(supervisor, lambda: time.monotonic() - started > 4, 6, "4 s")
        assert 2 <= len(_pids(out.getvalue(), "beat")) <= 3
        assert "beat exited (exit code 3); restarting" in out.getvalue()
        assert "beat exited (exit code 3) after " in out.getvalue()
        assert "2 times in a row within 30 s of starting" in out.getvalue()
    finally:
        supervisor.stop()


def test_stop_ends_each_program_and_what_it_started():
    out = io.StringIO()
    supervisor = Supervisor(out=out)
    supervisor.add("worker", [sys.executable, "-c", PARENT])
    supervisor.start(supervisor.programs[0])
    parent = supervisor.programs[0].process.pid
    child = int(_wait_for(lambda: re.search(r"child (\d+)", out.getvalue()), 10, "child")[1])
    supervisor.stop()
    assert _gone(parent)
    assert _wait_for(lambda: _gone(child), 5, "the grandchild to stop")
    assert "worker stopped (signal 15)" in out.getvalue()


# --- `python -m config.run` end to end ------------------------------------------------


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str) -> tuple[int | str, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()
    except OSError as exc:
        return exc.__class__.__name__, b""


def _healthz(base: str) -> dict:
    status, body = _get(base + "/healthz")
    return json.loads(body) if status == 200 else {}


@pytest.fixture
def fresh_database():
    """A database of its own on the test server, for `make run` to migrate; dropped after."""
    import psycopg
    from psycopg import sql

    name = f"portal_run_{os.getpid()}"
    url = settings.DATABASE_URL
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    head, _, tail = url.partition("?")
    yield head.rsplit("/", 1)[0] + f"/{name}" + (f"?{tail}" if tail else "")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


@pytest.mark.slow
def test_make_run_restarts_a_killed_worker_and_redis_while_web_serves(tmp_path, fresh_database):
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"REDIS_URL", "DEBUG", "SECRET_KEY", "SITE_URL"}
        and not key.startswith("PYTEST")
    }
    # The test server's PostgreSQL, a fresh database; an embedded Redis of its own.
    environment.update(
        DATABASE_URL=fresh_database, PORTAL_DATA_DIR=str(tmp_path), PORTAL_PORT=str(port)
    )
    log_path = tmp_path / "run.log"
    log = log_path.open("wb")
    portal = subprocess.Popen(
        [sys.executable, "-m", "config.run"],
        cwd=BASE_DIR,
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # Ctrl-C goes to a terminal's whole foreground group
    )

    def text() -> str:
        return log_path.read_text(errors="replace")

    answers: list[int | str] = []
    redis_pid = 0
    polling = threading.Event()

    def poll_home():
        while not polling.is_set():
            answers.append(_get(base + "/")[0])
            polling.wait(0.2)

    poller = threading.Thread(target=poll_home)
    try:

        def serving() -> bool:
            assert portal.poll() is None, text()[-3000:]
            body = _healthz(base)
            return (body.get("worker"), body.get("beat")) == ("ok", "ok")

        # Their own heartbeats: the worker's bootstep (no heartbeat task is scheduled any
        # more) and beat's scheduler.
        _wait_for(serving, 150, "the portal to serve, with a worker and beat")
        poller.start()

        # A worker killed with SIGKILL is started again, with a line; web goes on.
        (worker,) = _pids(text(), "worker")
        killed_at = time.monotonic()
        os.kill(worker, signal.SIGKILL)
        # /healthz tells at once: the stamping process has gone from this machine.
        _wait_for(lambda: _healthz(base).get("worker") == "down", 10, "healthz: worker down")
        _wait_for(lambda: len(_pids(text(), "worker")) == 2, 30, "the worker to restart")
        assert time.monotonic() - killed_at < 30
        assert "worker exited (signal 9); restarting" in text()

        # The embedded Redis killed with SIGKILL is started again; the worker reconnects by
        # itself (the same process) and takes tasks again.
        redis_pid = int((tmp_path / "redis" / "redis.pid").read_text())
        os.kill(redis_pid, signal.SIGKILL)
        _wait_for(lambda: "embedded Redis had stopped; restarted it" in text(), 15, "Redis")
        killed_redis, redis_pid = redis_pid, int((tmp_path / "redis" / "redis.pid").read_text())
        assert redis_pid != killed_redis
        _send_heartbeat_task(tmp_path)
        _wait_for(lambda: _task_ran(tmp_path), 40, "the worker to run a task after the outage")
        assert _wait_for(lambda: _healthz(base).get("status") == "ok", 30, "healthz ok")
        assert len(_pids(text(), "worker")) == 2  # not restarted for it
        assert _pids(text(), "web")[1:] == []
    finally:
        polling.set()
        if poller.is_alive():
            poller.join()
        # Ctrl-C: SIGINT to the whole group, as a terminal sends it.
        os.killpg(portal.pid, signal.SIGINT)
        try:
            portal.wait(timeout=30)
        finally:
            if portal.poll() is None:
                os.killpg(portal.pid, signal.SIGKILL)
            log.close()
    assert portal.returncode == 0, text()[-3000:]
    assert answers and all(answer == 200 for answer in answers), answers
    children = [*_pids(text(), "web"), *_pids(text(), "worker"), *_pids(text(), "beat")]
    assert _wait_for(lambda: all(_gone(pid) for pid in [*children, redis_pid]), 15, "all gone")
    assert "stopping web, worker, beat" in text()


def _redis_client(tmp_path: Path):
    import redis

    return redis.Redis(unix_socket_path=str(_socket(tmp_path)), socket_timeout=2)


def _socket(tmp_path: Path) -> Path:
    from config.devstack import _redis_socket_path

    return _redis_socket_path(tmp_path / "redis")


def _send_heartbeat_task(tmp_path: Path) -> None:
    from celery import Celery

    from core.tasks import HEARTBEAT_KEY

    client = _redis_client(tmp_path)
    client.delete(f"portal:1:{HEARTBEAT_KEY}")  # Django's cache key: prefix, version, key
    client.close()
    # Not the current app: the portal's own tasks in this process keep their broker.
    with Celery("probe", broker=f"redis+socket://{_socket(tmp_path)}", set_as_current=False) as app:
        app.send_task("core.tasks.heartbeat", queue="default")


def _task_ran(tmp_path: Path) -> bool:
    from core.tasks import HEARTBEAT_KEY

    client = _redis_client(tmp_path)
    try:
        return bool(client.exists(f"portal:1:{HEARTBEAT_KEY}"))
    finally:
        client.close()
