"""Notification delivery benchmark, run by ``make bench``.

10,000 reminder e-mails (one per member) written to the outbox in one transaction,
then delivered by one Celery worker (prefork pool, concurrency = CPU count, Celery's
default) to a counting SMTP server
on 127.0.0.1 (``bench/smtp_sink.py``, aiosmtpd, another process). Reported: e-mails
per second from the commit to the last message received. Then the same again with the
worker SIGKILLed at about half way and started again, reporting how many distinct
messages arrived, how many arrived twice (same Message-ID) and how many never did.

Everything is bounded: 10,000 messages, a time limit per run, loopback only. It uses
its own database (``<name>_bench`` on the same PostgreSQL server) and its own Celery
queue, so it neither fills the development database nor feeds a running worker.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from .server import BASE_DIR, free_port

TOTAL = 10_000
QUEUE = "bench-mail"
TIME_LIMIT = 300.0  # seconds per run
SWEEP_EVERY = 2.0  # seconds; beat runs the same sweep every minute in production
LEASE = 10  # seconds a worker may hold a batch before the sweep takes it back
SWEEP_AFTER = 15  # seconds before a pending row whose task was lost is queued again
# Celery's default for one worker (the CPU count); BENCH_MAIL_CONCURRENCY overrides it.
CONCURRENCY = int(os.environ.get("BENCH_MAIL_CONCURRENCY", os.cpu_count() or 2))


@dataclass
class Row:
    name: str
    mails: int
    seconds: float
    delivered: int
    duplicated: int
    lost: int
    note: str = ""

    @property
    def per_second(self) -> float:
        return self.delivered / self.seconds if self.seconds else 0.0


def table(rows: list[Row]) -> str:
    header = (
        f"{'benchmark':<34} {'mails':>6} {'seconds':>8} {'mails/s':>8} "
        f"{'delivered':>9} {'duplicated':>10} {'lost':>5}"
    )
    lines = [header, "-" * len(header)]
    for row in rows:
        lines.append(
            f"{row.name:<34} {row.mails:>6} {row.seconds:>8.1f} {row.per_second:>8.1f} "
            f"{row.delivered:>9} {row.duplicated:>10} {row.lost:>5}"
        )
        if row.note:
            lines.append(f"  {row.note}")
    return "\n".join(lines)


# --- The parent side (called from bench/__main__.py) ----------------------------------


def _bench_database_url(url: str) -> str:
    parts = urlsplit(url)
    name = parts.path.lstrip("/") or "portal"
    return urlunsplit(parts._replace(path=f"/{name}_bench"))


def _ensure_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    admin = urlunsplit(parts._replace(path="/postgres"))
    name = parts.path.lstrip("/")
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def run(environment: dict[str, str]) -> list[Row]:
    """Run both notification benchmarks in a child process configured for them."""
    database_url = _bench_database_url(environment["DATABASE_URL"])
    _ensure_database(database_url)
    port = free_port()
    env = {
        **environment,
        "DATABASE_URL": database_url,
        "EMAIL_URL": f"smtp://127.0.0.1:{port}",
        "BENCH_SMTP_PORT": str(port),
        "NOTIFICATIONS_CLAIM_LEASE": str(LEASE),
        "NOTIFICATIONS_SWEEP_AFTER": str(SWEEP_AFTER),
    }
    result = subprocess.run(
        [sys.executable, "-m", "bench.notifications"],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
        timeout=3 * TIME_LIMIT + 300,
        check=False,
    )
    lines = [line for line in result.stdout.splitlines() if line.startswith("{")]
    if result.returncode or not lines:
        raise RuntimeError(f"the notification benchmark failed (exit code {result.returncode})")
    return [Row(**json.loads(line)) for line in lines]


# --- The child side -------------------------------------------------------------------


def _count(path: Path) -> tuple[int, int]:
    """(messages received, distinct Message-IDs)."""
    try:
        ids = path.read_text().splitlines()
    except FileNotFoundError:
        return 0, 0
    return len(ids), len(set(ids))


class Worker:
    """One Celery worker (prefork pool, CONCURRENCY processes) consuming only the benchmark's
    queue, in its own process group so that it can be killed whole."""

    def __init__(self, log_dir: Path, name: str):
        self.log = log_dir / f"{name}.log"
        self.process = subprocess.Popen(
            [
                sys.executable, "-m", "celery", "-A", "config", "worker",
                "--concurrency", str(CONCURRENCY), "--queues", QUEUE, "--hostname", f"{name}@bench",
                "--without-mingle", "--without-gossip", "--without-heartbeat",
                "--loglevel", "INFO",
            ],
            cwd=BASE_DIR,
            stdout=open(self.log, "w"),  # noqa: SIM115 - the child owns it
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while " ready." not in self.log.read_text():
            if time.monotonic() > deadline or self.process.poll() is not None:
                self.stop()
                raise RuntimeError(f"the Celery worker did not start; see {self.log}")
            time.sleep(0.1)

    def kill(self) -> None:
        """SIGKILL the worker and its pool processes at once, mid-batch."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()


def _members():
    from allauth.account.models import EmailAddress

    from accounts.models import User

    domain = "@members.bench.example"
    have = User.objects.filter(email__endswith=domain).count()
    if have < TOTAL:
        users = User.objects.bulk_create(
            [User(email=f"member{i}{domain}", name=f"Member {i}") for i in range(TOTAL)],
            ignore_conflicts=True,
            batch_size=2000,
        )
        users = list(User.objects.filter(email__endswith=domain))
        EmailAddress.objects.bulk_create(
            [EmailAddress(user=u, email=u.email, primary=True, verified=True) for u in users],
            ignore_conflicts=True,
            batch_size=2000,
        )
    return list(User.objects.filter(email__endswith=domain).order_by("pk")[:TOTAL])


def _reset(app) -> None:
    from notifications.models import Notification, Suppression

    Notification.objects.all().delete()
    Suppression.objects.all().delete()
    with app.connection_for_write() as connection:
        connection.default_channel.queue_purge(QUEUE)


def _one_run(name: str, members, work_dir: Path, *, kill_at: int | None) -> Row:  # noqa: C901
    from django.db import transaction
    from django.db.models import Count

    from notifications.models import Notification
    from notifications.services import notify_many, outbox_sweep

    mailbox = work_dir / f"{name}.ids"
    sink = subprocess.Popen(
        [sys.executable, "-m", "bench.smtp_sink", os.environ["BENCH_SMTP_PORT"], str(mailbox)],
        cwd=BASE_DIR,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert sink.stdout.readline().strip() == "ready"
    worker = Worker(work_dir, f"{name}-1")
    killed = None
    try:
        started = time.perf_counter()
        with transaction.atomic():
            notify_many(
                recipients=members,
                kind="notifications.announcement",
                payload={
                    "title": "Reminder: the webinar “Learning from failure” starts tomorrow",
                    "text": "Join at 14:00 UTC. The link is on the webinar page.",
                    "url": "/webinars/learning-from-failure/",
                },
            )
        committed = time.perf_counter()
        deadline = committed + TIME_LIMIT
        next_sweep = committed + SWEEP_EVERY
        while time.perf_counter() < deadline:
            received, distinct = _count(mailbox)
            if kill_at is not None and killed is None and received >= kill_at:
                worker.kill()
                killed = received
                worker = Worker(work_dir, f"{name}-2")
            open_rows = Notification.objects.filter(email_state__in=["pending", "sending"]).exists()
            if distinct >= len(members) and not open_rows:
                break
            if time.perf_counter() >= next_sweep:
                outbox_sweep()
                next_sweep = time.perf_counter() + SWEEP_EVERY
            time.sleep(0.05)
        finished = time.perf_counter()
        time.sleep(2)  # let any late duplicate arrive before counting
        received, distinct = _count(mailbox)
    finally:
        worker.stop()
        sink.terminate()
        sink.wait(timeout=30)
    states = dict(
        Notification.objects.values_list("email_state").annotate(n=Count("pk")).order_by()
    )
    note = f"outbox write {committed - started:.1f}s; rows by state {states}"
    if killed is not None:
        note = f"worker SIGKILLed after {killed} mails, then restarted; " + note
    return Row(
        name=name,
        mails=len(members),
        seconds=finished - committed,
        delivered=distinct,
        duplicated=received - distinct,
        lost=len(members) - distinct,
        note=note,
    )


def main() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from django.core.management import call_command

    from config.celery import app

    call_command("migrate", "--noinput", verbosity=0)
    app.conf.task_routes = {"notifications.tasks.deliver_*": {"queue": QUEUE}}
    members = _members()
    with tempfile.TemporaryDirectory() as work:
        work_dir = Path(work)
        for name, kill_at in (
            ("10k reminder e-mails, 1 worker", None),
            ("same, worker SIGKILLed half-way", len(members) // 2),
        ):
            _reset(app)
            row = _one_run(name.split(",")[0].replace(" ", "-"), members, work_dir, kill_at=kill_at)
            row.name = name
            print(json.dumps(asdict(row)), flush=True)
        _reset(app)


if __name__ == "__main__":
    main()
