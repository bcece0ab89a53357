from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from core import backup

from .backup import megabytes, stop_on_sigterm


class Command(BaseCommand):
    help = (
        "Restore an archive written by `manage.py backup` into an EMPTY database and MEDIA_ROOT, "
        "then check the row counts, table checksums and file hashes against its manifest. "
        "Refuses a database that already has tables and files that differ from the backup's, "
        "unless --replace is given (which first saves what is there in a backup of its own)."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", help="The backup archive, or '-' for standard input.")
        parser.add_argument(
            "--replace",
            action="store_true",
            help=(
                "Replace a database that is not empty and media files that differ, after "
                "writing a backup of them (portal-before-restore-….tar.gz in BACKUP_DIR). "
                "Stop the portal first."
            ),
        )
        parser.add_argument(
            "--database-name",
            help="Restore into this database on the configured server (default: the configured one).",
        )
        parser.add_argument(
            "--media-root",
            type=Path,
            help=f"Restore the files here (default: MEDIA_ROOT, now {settings.MEDIA_ROOT}).",
        )
        parser.add_argument(
            "--backup-dir",
            type=Path,
            help="Where --replace saves what it replaces (default: BACKUP_DIR).",
        )

    def handle(self, *args, **options):
        stop_on_sigterm()
        name = options["database_name"]
        database = backup.Database.from_settings(connection.settings_dict, name=name)
        media_root = options["media_root"] or Path(settings.MEDIA_ROOT)
        try:
            result = backup.backup_restore(
                archive=options["archive"],
                database=database,
                media_root=media_root,
                replace=options["replace"],
                backup_dir=options["backup_dir"] or Path(settings.BACKUP_DIR),
                log=self.stdout.write,
            )
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from None
        manifest = result.manifest
        if not name or name == connection.settings_dict["NAME"]:
            cache.clear()  # nothing cached from the database that was there before
        self.stdout.write(
            f"Restored the backup of {manifest['created_at']} (portal {manifest['portal_version']}) "
            f"into the {database.describe()} and {media_root} in {result.seconds:.1f} s."
        )
        self.stdout.write(
            f"Verified against the manifest: {result.tables} tables, {result.rows} rows, "
            f"checksums identical; {result.media_written + result.media_kept} media files "
            f"({megabytes(result.media_bytes)}) identical ({result.media_kept} were already there)."
        )
        for note in result.notes:
            self.stdout.write(note)
