"""`make run`: the whole portal on one machine, stopped by one Ctrl-C.

Starts (or reuses) the embedded PostgreSQL and Redis unless DATABASE_URL /
REDIS_URL point elsewhere, migrates, loads the demonstration data, makes sure a
local administrator exists, then runs the web server, a Celery worker and the
Celery beat scheduler under honcho. When honcho stops (Ctrl-C), this process
exits and the embedded servers stop with it (unless another process still uses
them).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def _manage(env: dict[str, str], *args: str) -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env, check=False
    )
    if result.returncode:
        sys.exit(f"make run: 'manage.py {' '.join(args)}' failed (exit code {result.returncode}).")


def main() -> None:
    from honcho.manager import Manager

    from . import devstack

    env = dict(os.environ)
    env.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    env["PYTHONUNBUFFERED"] = "1"
    if not env.get("DATABASE_URL"):
        env["DATABASE_URL"] = devstack.postgres_url()
    if not env.get("REDIS_URL"):
        env["REDIS_URL"] = devstack.redis_url()
    host = env.get("PORTAL_HOST", "127.0.0.1")
    port = env.get("PORTAL_PORT", "8000")

    _manage(env, "migrate", "--noinput", "--verbosity", "0")
    _manage(env, "portal_setup")
    _manage(env, "load_demo")
    _manage(env, "ensure_admin")

    python = sys.executable
    manager = Manager()
    manager.add_process(
        "web", f"{python} manage.py runserver {host}:{port}", env=env, cwd=str(BASE_DIR)
    )
    manager.add_process(
        "worker",
        f"{python} -m celery -A config worker --loglevel INFO --concurrency 2 --queues default,mail",
        env=env,
        cwd=str(BASE_DIR),
    )
    manager.add_process(
        "beat", f"{python} -m celery -A config beat --loglevel INFO", env=env, cwd=str(BASE_DIR)
    )
    print(
        f"\n  Knowledge Hubs Portal: http://{host}:{port}/   (Ctrl-C stops everything)\n",
        flush=True,
    )
    manager.loop()
    sys.exit(manager.returncode)


if __name__ == "__main__":
    main()
