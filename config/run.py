"""`make run`: the whole portal on one machine, stopped by one Ctrl-C.

Starts (or reuses) the embedded PostgreSQL and Redis unless DATABASE_URL /
REDIS_URL point elsewhere, migrates, loads the demonstration data, makes sure a
local administrator exists, then runs the web server, a Celery worker and the
Celery beat scheduler under a small supervisor (config/supervise.py): one that
dies is started again within seconds (backing off if it keeps crashing) while
the others go on, and the embedded Redis is started again if its server dies.
Ctrl-C stops everything; this process then exits and the embedded servers stop
with it (unless another process still uses them).

The web server listens on PORTAL_HOST:PORTAL_PORT (127.0.0.1:8000); unless
SITE_URL is set, the links in e-mails and feeds point there. A bad setting, or a
database or Redis that cannot be reached, stops it with one line before any step.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
REDIS_CHECK_EVERY = 3.0  # seconds between checks that the embedded Redis answers


def _manage(env: dict[str, str], *args: str) -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env, check=False
    )
    if result.returncode:
        # manage.py has already said why (one line for a bad setting or an unreachable
        # server): nothing to add to it.
        sys.exit(result.returncode)


def main() -> None:
    import dj_database_url

    from . import devstack, services
    from . import env as config_env
    from .supervise import Supervisor

    # The same checks the settings make, before anything starts: one line on bad input.
    host = config_env.get_host("PORTAL_HOST", "127.0.0.1")
    port = config_env.get_int("PORTAL_PORT", 8000, minimum=1, maximum=65535)
    database_url = config_env.get_url("DATABASE_URL", None, config_env.DATABASE_SCHEMES)
    redis_url = config_env.get_url("REDIS_URL", None, config_env.REDIS_SCHEMES)

    env = dict(os.environ)
    env.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    env["PYTHONUNBUFFERED"] = "1"
    env["DATABASE_URL"] = database_url or devstack.postgres_url()
    env["REDIS_URL"] = redis_url or devstack.redis_url()
    # The settings of every process below derive SITE_URL (e-mail and feed links) from
    # these, unless SITE_URL is set.
    env["PORTAL_HOST"] = host
    env["PORTAL_PORT"] = str(port)
    # Unreachable servers: one line naming DATABASE_URL / REDIS_URL, before any step.
    services.check_database(dj_database_url.parse(env["DATABASE_URL"]))
    services.check_redis(env["REDIS_URL"])

    _manage(env, "migrate", "--noinput", "--verbosity", "0")
    _manage(env, "portal_setup")
    _manage(env, "load_demo")
    _manage(env, "ensure_admin")

    python = sys.executable
    supervisor = Supervisor(env=env, cwd=str(BASE_DIR))
    supervisor.add("web", [python, "manage.py", "runserver", f"{host}:{port}"])
    supervisor.add(
        "worker",
        [python, "-m", "celery", "-A", "config", "worker", "--loglevel", "INFO"]
        + ["--concurrency", "2", "--queues", "default,mail"],
    )
    supervisor.add("beat", [python, "-m", "celery", "-A", "config", "beat", "--loglevel", "INFO"])
    if redis_url is None:
        # Ours to keep alive: started again if its server dies. The web server and the
        # worker reconnect by themselves.
        supervisor.add_check(REDIS_CHECK_EVERY, devstack.redis_revive)
    print(
        f"\n  Knowledge Hubs Portal: http://{host}:{port}/   (Ctrl-C stops everything)\n",
        flush=True,
    )
    sys.exit(supervisor.run())


if __name__ == "__main__":
    main()
