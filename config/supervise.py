"""A small process supervisor for `make run`: keeps web, worker and beat running.

Each program runs in its own process group, with its output prefixed by its name. When
one exits (a crash, ``kill -9``), the others go on and it is started again one second
later, with a line saying so. A program that keeps dying soon after it starts is
restarted after 2, 4, 8... up to ``max_backoff`` seconds, and the line says that too.
Checks (the embedded Redis) run every few seconds in the same loop.

SIGINT or SIGTERM (Ctrl-C) stops every program: SIGTERM to each group, SIGKILL to what
is left after ``stop_timeout`` seconds or at a second Ctrl-C. Then ``run()`` returns and
the caller exits, which releases the embedded servers as before.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Program:
    name: str
    argv: list[str]
    process: subprocess.Popen | None = None
    started_at: float = 0.0
    crashes: int = 0  # exits in a row, each within `stable_after` seconds of starting
    restart_at: float | None = None


@dataclass
class Check:
    every: float
    run: Callable[[], str | None]  # returns a line to log, or None
    due_at: float = field(default=0.0)


def describe_exit(returncode: int) -> str:
    if returncode < 0:
        return f"signal {-returncode}"
    return f"exit code {returncode}"


class Supervisor:
    def __init__(
        self,
        *,
        env: dict[str, str] | None = None,
        cwd: str | None = None,
        out=None,
        stable_after: float = 30.0,
        max_backoff: float = 30.0,
        stop_timeout: float = 10.0,
    ):
        self.env = env
        self.cwd = cwd
        self.out = out or sys.stdout
        self.stable_after = stable_after
        self.max_backoff = max_backoff
        self.stop_timeout = stop_timeout
        self.programs: list[Program] = []
        self.checks: list[Check] = []
        self._print_lock = threading.Lock()
        self._stopping = False
        self._forced = False

    # --- set-up ---------------------------------------------------------------------

    def add(self, name: str, argv: list[str]) -> None:
        self.programs.append(Program(name, argv))

    def add_check(self, every: float, run: Callable[[], str | None]) -> None:
        self.checks.append(Check(every, run, due_at=time.monotonic() + every))

    # --- output ---------------------------------------------------------------------

    def say(self, name: str, line: str) -> None:
        width = max([6, *(len(p.name) for p in self.programs)])
        with self._print_lock:
            print(
                f"{time.strftime('%H:%M:%S')} {name:<{width}} | {line}", file=self.out, flush=True
            )

    def _relay(self, program: Program, stream) -> None:
        for raw in iter(stream.readline, b""):
            self.say(program.name, raw.decode(errors="replace").rstrip("\n"))
        stream.close()

    # --- the loop -------------------------------------------------------------------

    def start(self, program: Program) -> None:
        program.process = subprocess.Popen(
            program.argv,
            env=self.env,
            cwd=self.cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            process_group=0,  # its own group: Ctrl-C reaches us only, we stop it in order
        )
        program.started_at = time.monotonic()
        program.restart_at = None
        threading.Thread(
            target=self._relay, args=(program, program.process.stdout), daemon=True
        ).start()
        self.say("system", f"{program.name} started (pid={program.process.pid})")

    def poll(self) -> None:
        """One pass: notice exits, schedule and do restarts, run the checks that are due."""
        now = time.monotonic()
        for program in self.programs:
            process = program.process
            if process is not None and process.poll() is not None:
                _kill_group(process.pid, signal.SIGKILL)  # what it left: pool children...
                program.process = None
                self._schedule_restart(program, process.returncode, now)
            due = program.restart_at is not None and now >= program.restart_at
            if program.process is None and due:
                self.start(program)
        for check in self.checks:
            if now >= check.due_at:
                check.due_at = now + check.every
                try:
                    line = check.run()
                except Exception as exc:  # noqa: BLE001 - a check must not stop the loop
                    line = f"check failed: {exc.__class__.__name__}: {exc}"
                if line:
                    self.say("system", line)

    def _schedule_restart(self, program: Program, returncode: int, now: float) -> None:
        uptime = now - program.started_at
        program.crashes = program.crashes + 1 if uptime < self.stable_after else 0
        how = describe_exit(returncode)
        if program.crashes <= 1:
            delay = 1.0
            self.say("system", f"{program.name} exited ({how}); restarting")
        else:
            delay = min(self.max_backoff, 2.0 ** (program.crashes - 1))
            self.say(
                "system",
                f"{program.name} exited ({how}) after {uptime:.1f} s, {program.crashes} times "
                f"in a row within {self.stable_after:.0f} s of starting; backing off: "
                f"restarting in {delay:.0f} s",
            )
        program.restart_at = now + delay

    def run(self) -> int:
        previous = {
            signum: signal.signal(signum, self._on_signal)
            for signum in (signal.SIGINT, signal.SIGTERM)
        }
        try:
            for program in self.programs:
                self.start(program)
            while not self._stopping:
                self.poll()
                time.sleep(0.2)
            self.stop()
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)
        return 0

    def _on_signal(self, signum, frame) -> None:
        if self._stopping:
            self._forced = True
        self._stopping = True

    def stop(self) -> None:
        running = [p for p in self.programs if p.process and p.process.poll() is None]
        self.say(
            "system", "stopping " + ", ".join(p.name for p in running) if running else "stopping"
        )
        for program in running:
            _kill_group(program.process.pid, signal.SIGTERM)
        deadline = time.monotonic() + self.stop_timeout
        while any(p.process.poll() is None for p in running):
            if self._forced or time.monotonic() > deadline:
                self.say("system", "killing what is left (SIGKILL)")
                break
            time.sleep(0.1)
        for program in self.programs:
            if program.process:
                _kill_group(program.process.pid, signal.SIGKILL)
                program.process.wait()
                self.say(
                    "system",
                    f"{program.name} stopped ({describe_exit(program.process.returncode)})",
                )
                program.process = None


def _kill_group(pgid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signum)
