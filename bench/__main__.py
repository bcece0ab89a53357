"""`make bench`: serve the portal with gunicorn on 127.0.0.1 and measure it.

Each benchmark is bounded in requests and time. Later capabilities add their own
rows (catalogue search, webinar registration rush, notification delivery).
"""

from __future__ import annotations

import os
import sys

from . import load
from . import notifications as notification_bench
from . import webinars as webinar_rush
from .server import gunicorn, stack_environment


def seed(environment: dict[str, str], kind: str, count: int) -> None:
    import subprocess

    from .server import BASE_DIR

    subprocess.run(
        [sys.executable, "-m", "bench.seed", kind, str(count)],
        cwd=BASE_DIR,
        env=environment,
        check=True,
    )


def catalogue_search(environment: dict[str, str], solutions: str) -> str:
    """The catalogue search benchmark, in its own process (it prints one summary line)."""
    import subprocess

    from .server import BASE_DIR

    completed = subprocess.run(
        [sys.executable, "-m", "bench.catalogue", solutions],
        cwd=BASE_DIR,
        env=environment,
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    )
    return completed.stdout.strip()


# (row name, path, requests, concurrent clients)
PAGES = [
    ("GET / (home)", "/", 2000, 20),
    ("GET /healthz", "/healthz", 2000, 20),
    ("GET /api/schema/", "/api/schema/", 300, 10),
    ("GET /accounts/login/", "/accounts/login/", 1000, 20),
    ("GET /hubs/ (500 hubs, facets)", "/hubs/", 1000, 20),
    ("GET /hubs/?q=&kind=&area=", "/hubs/?q=sample&kind=sector&area=health", 1000, 20),
    ("GET /hubs/<slug>/", "/hubs/bench-hub-7/", 1000, 20),
    ("GET /api/v1/hubs/?page_size=100", "/api/v1/hubs/?page_size=100", 500, 10),
    ("GET /requests/ (1,000 requests)", "/requests/", 1000, 20),
    ("GET /exchanges/ (1,000 exchanges, 5 charts)", "/exchanges/", 500, 10),
    (
        "GET /exchanges/?region=&year=",
        "/exchanges/?region=latin-america-caribbean&year=2024",
        500,
        10,
    ),
    ("GET /api/v1/exchanges/?page_size=100", "/api/v1/exchanges/?page_size=100", 500, 10),
]


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    environment = stack_environment()
    rows = []
    with gunicorn(environment) as base_url:
        seed(environment, "hubs", 500)
        seed(environment, "exchanges", 1000)
        load.run("warm-up", base_url, "/", total=50, concurrency=4)
        for name, path, total, concurrency in PAGES:
            rows.append(load.run(name, base_url, path, total=total, concurrency=concurrency))
        rush = webinar_rush.run(base_url, environment)
        rows.append(rush.result)
    mail_rows = notification_bench.run(environment)
    print()
    print(f"Knowledge Hubs Portal benchmarks — gunicorn, 4 sync workers, {os.cpu_count()} CPU(s)")
    print(load.table(rows))
    print()
    print(rush.summary())
    print()
    print(
        f"Notification delivery — one Celery worker (prefork, {notification_bench.CONCURRENCY} processes), "
        "SMTP on 127.0.0.1 (aiosmtpd)"
    )
    print(notification_bench.table(mail_rows))
    solutions = os.environ.get("BENCH_SOLUTIONS", "100000")
    print()
    print(catalogue_search(environment, solutions))
    lost = any(row.lost for row in mail_rows)
    return 1 if any(row.server_errors for row in rows) or not rush.ok or lost else 0


if __name__ == "__main__":
    sys.exit(main())
