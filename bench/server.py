"""Serve the portal with gunicorn on 127.0.0.1 in production mode, for benchmarks."""

from __future__ import annotations

import contextlib
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def stack_environment() -> dict[str, str]:
    """Production-like settings on a separate benchmark database.

    Benchmarks write synthetic data, so they never use DATABASE_URL: they use the
    embedded PostgreSQL's "portal_bench" database, or BENCH_DATABASE_URL if set.
    """
    from config import devstack

    environment = dict(os.environ)
    environment["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL") or devstack.postgres_url(
        "portal_bench"
    )
    environment["REDIS_URL"] = os.environ.get("BENCH_REDIS_URL") or devstack.redis_url()
    environment.update(
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="0",
        SITE_URL="http://127.0.0.1",
        API_ANON_RATE="1000000/min",
        API_USER_RATE="1000000/min",
        LOG_LEVEL="WARNING",
        PORTAL_QUIET_DEVSTACK="1",
    )
    return environment


def manage(environment: dict[str, str], *args: str) -> None:
    subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=environment,
        check=True,
        stdout=subprocess.DEVNULL,
    )


@contextlib.contextmanager
def gunicorn(environment: dict[str, str], *, workers: int = 4):
    """Yield the base URL of a gunicorn serving the portal; stop it afterwards."""
    with tempfile.TemporaryDirectory() as static_root:
        environment = {**environment, "STATIC_ROOT": static_root}
        manage(environment, "migrate", "--noinput", "--verbosity", "0")
        manage(environment, "collectstatic", "--noinput", "--verbosity", "0")
        port = free_port()
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "config.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(workers),
                "--log-level",
                "warning",
            ],
            cwd=BASE_DIR,
            env=environment,
        )
        base_url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    urllib.request.urlopen(base_url + "/healthz", timeout=2)  # noqa: S310
                    break
                except OSError:
                    if time.monotonic() > deadline or process.poll() is not None:
                        raise RuntimeError("gunicorn did not start") from None
                    time.sleep(0.3)
            yield base_url
        finally:
            process.terminate()
            process.wait(timeout=30)
