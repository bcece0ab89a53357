import os
import shutil
import signal
import sys
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from core import backup


def stop_on_sigterm() -> None:
    """SIGTERM (docker stop, a supervisor) unwinds like Ctrl-C: the temporary files go."""

    def _exit(signum, frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, _exit)


def megabytes(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB"


def _shown(path: Path) -> str:
    """The path as the operator would type it: relative under the current folder."""
    relative = os.path.relpath(path)
    return str(path) if relative.startswith("..") else relative


class Command(BaseCommand):
    help = (
        "Write one archive (portal-<UTC time>.tar.gz) holding a pg_dump of the database, "
        "every file under MEDIA_ROOT and a manifest (versions, latest migrations, row counts "
        "and checksums of every table, SHA-256 of every file). It is written under a "
        "temporary name and renamed once complete. The secret key is NOT in it."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dir",
            type=Path,
            help=f"The folder for the archive (default: BACKUP_DIR, now {settings.BACKUP_DIR}).",
        )
        parser.add_argument(
            "--output",
            help="Write the archive to this file instead, or to standard output with '-'.",
        )

    def handle(self, *args, **options):
        stop_on_sigterm()
        to_stdout = options["output"] == "-"
        # With the archive on standard output, every message goes to standard error.
        say = self.stderr.write if to_stdout else self.stdout.write
        database = backup.Database.from_settings(connection.settings_dict)
        staging = None
        try:
            if to_stdout:
                staging = Path(tempfile.mkdtemp(prefix="portal-backup-out-"))
                target = {"output": staging / "portal.tar.gz"}
            elif options["output"]:
                target = {"output": Path(options["output"])}
            else:
                target = {"directory": options["dir"] or Path(settings.BACKUP_DIR)}
            result = backup.backup_create(
                database=database, media_root=Path(settings.MEDIA_ROOT), log=say, **target
            )
            if to_stdout:
                with result.path.open("rb") as archive:
                    shutil.copyfileobj(archive, sys.stdout.buffer)
                sys.stdout.buffer.flush()
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from None
        finally:
            if staging is not None:
                shutil.rmtree(staging, ignore_errors=True)
        manifest = result.manifest
        rows = sum(table["rows"] for table in manifest["tables"].values())
        where = "standard output" if to_stdout else _shown(result.path)
        say(
            f"Backup written to {where}: {megabytes(result.size)}, {len(manifest['tables'])} "
            f"tables, {rows} rows, {manifest['media']['count']} media files "
            f"({megabytes(manifest['media']['bytes'])}), in {result.seconds:.1f} s. "
            "Keep the secret key (SECRET_KEY or PORTAL_DATA_DIR/secret_key) separately."
        )
