"""`make bench`: serve the portal with gunicorn on 127.0.0.1 and measure it.

Each benchmark is bounded in requests and time. Later capabilities add their own
rows (catalogue search, webinar registration rush, notification delivery).
"""

from __future__ import annotations

import os
import sys

from . import load
from . import notifications as notification_bench
from .server import gunicorn, stack_environment


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    environment = stack_environment()
    rows = []
    with gunicorn(environment) as base_url:
        load.run("warm-up", base_url, "/", total=50, concurrency=4)
        rows.append(load.run("GET / (home)", base_url, "/", total=2000, concurrency=20))
        rows.append(load.run("GET /healthz", base_url, "/healthz", total=2000, concurrency=20))
        rows.append(
            load.run("GET /api/schema/", base_url, "/api/schema/", total=300, concurrency=10)
        )
        rows.append(
            load.run(
                "GET /accounts/login/", base_url, "/accounts/login/", total=1000, concurrency=20
            )
        )
    mail_rows = notification_bench.run(environment)
    print()
    print(f"Knowledge Hubs Portal benchmarks — gunicorn, 4 sync workers, {os.cpu_count()} CPU(s)")
    print(load.table(rows))
    print()
    print(
        f"Notification delivery — one Celery worker (prefork, {notification_bench.CONCURRENCY} processes), "
        "SMTP on 127.0.0.1 (aiosmtpd)"
    )
    print(notification_bench.table(mail_rows))
    lost = any(row.lost for row in mail_rows)
    return 1 if any(row.server_errors for row in rows) or lost else 0


if __name__ == "__main__":
    sys.exit(main())
