"""Backup and restore: one archive of the database and the evidence files.

The archive is a ``.tar.gz`` holding

- ``database.dump`` (PostgreSQL, ``pg_dump`` custom format) or ``database.sqlite3``
  (a copy made with SQLite's online backup API);
- ``uploads/…``: every file under ``UPLOAD_FOLDER`` (evidence and their thumbnails);
- ``manifest.json``: the portal version and the schema's Alembic revision, when it was
  made, the database kind, the rows per table, and the size and SHA-256 of every file.

Consistency: the database is copied first, from one snapshot (PostgreSQL: the row counts
and ``pg_dump`` read the same exported snapshot; SQLite: counted from the copy), then the
files. Evidence files are written before the row that names them is committed and are
never changed, so every file the copied database names is in the archive; a file
uploaded meanwhile is at worst an extra file without a row.

Restore checks the whole archive (manifest, every checksum, the revision) and that the
target database is empty before it changes anything. Passwords of PostgreSQL go to
``pg_dump``/``pg_restore`` through ``PGPASSWORD``, never on their command line.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path, PurePosixPath

from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from flask import current_app
from sqlalchemy import create_engine, func, inspect, select, table, text
from sqlalchemy.engine import URL, Connection, make_url

from portal.extensions import db
from portal.models.types import utcnow

MANIFEST = "manifest.json"
UPLOADS = "uploads"
DATABASE_FILES = {"postgresql": "database.dump", "sqlite": "database.sqlite3"}
ARCHIVE_FORMAT = 1
CHUNK = 1024 * 1024
RESTORE_LOCK_TIMEOUT = "30s"
# The libpq environment variables that a SQLAlchemy URL's query may set.
LIBPQ_QUERY = {
    "host": "PGHOST",
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "connect_timeout": "PGCONNECT_TIMEOUT",
}


class BackupError(Exception):
    """A backup or restore that cannot go on; the message is for the operator."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class RestoreResult:
    manifest: dict
    files: int
    notes: list[str] = field(default_factory=list)


# -- helpers ------------------------------------------------------------------------------


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _described(path: Path, name: str) -> dict:
    return {"path": name, "size": path.stat().st_size, "sha256": _sha256_of(path)}


def _kind(url: URL) -> str:
    kind = url.get_backend_name()
    if kind not in DATABASE_FILES:
        raise BackupError(f"Basis data {kind} tidak didukung; hanya PostgreSQL dan SQLite.")
    return kind


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("Basis data SQLite di memori tidak dapat dicadangkan atau dipulihkan.")
    return Path(url.database)


def _libpq_env(url: URL) -> dict[str, str]:
    """The connection as libpq environment variables, the password among them."""
    env = dict(os.environ)
    for key, value in (
        ("PGHOST", url.host),
        ("PGPORT", url.port),
        ("PGUSER", url.username),
        ("PGPASSWORD", url.password),
        ("PGDATABASE", url.database),
    ):
        if value is not None:
            env[key] = str(value)
    for key, variable in LIBPQ_QUERY.items():
        if key in url.query:
            value = url.query[key]
            env[variable] = value if isinstance(value, str) else value[0]
    return env


def _run_pg(program: str, args: list[str], url: URL, env: dict[str, str] | None = None) -> None:
    executable = shutil.which(program)
    if executable is None:
        raise BackupError(
            f"{program} tidak ditemukan; pasang klien PostgreSQL (postgresql-client)."
        )
    completed = subprocess.run(  # noqa: S603 (fixed program, arguments without user text)
        [executable, *args],
        env={**_libpq_env(url), **(env or {})},
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        raise BackupError(f"{program} gagal: {completed.stderr.strip()}")


def _row_counts(conn: Connection) -> dict[str, int]:
    return {
        name: conn.scalar(select(func.count()).select_from(table(name)))
        for name in sorted(inspect(conn).get_table_names())
    }


def code_head() -> str | None:
    """The newest Alembic revision of this code."""
    script = ScriptDirectory(current_app.extensions["migrate"].directory)
    return script.get_current_head()


def portal_version() -> str:
    try:
        return version("portal-kinerja")
    except PackageNotFoundError:
        return "unknown"


def _upload_root() -> Path:
    return Path(current_app.config["UPLOAD_FOLDER"])


def _upload_files(root: Path) -> Iterator[tuple[Path, str]]:
    """Every regular file under the upload folder, with its archive-relative name."""
    if not root.is_dir():
        return
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            yield path, path.relative_to(root).as_posix()


# -- backup -------------------------------------------------------------------------------


def _copy_sqlite(url: URL, target: Path) -> tuple[str | None, dict[str, int]]:
    source_path = _sqlite_path(url)
    if not source_path.exists():
        raise BackupError(f"Basis data {source_path} tidak ada.")
    # The online backup API: a consistent copy while the app keeps writing.
    with closing(sqlite3.connect(source_path)) as source, closing(sqlite3.connect(target)) as copy:
        source.backup(copy)
    engine = create_engine(f"sqlite:///{target}")
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision(), _row_counts(conn)
    finally:
        engine.dispose()


def _dump_postgres(url: URL, target: Path) -> tuple[str | None, dict[str, int]]:
    with db.engine.connect() as conn:
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            conn.execute(text("SET TRANSACTION READ ONLY"))
            snapshot = conn.scalar(text("SELECT pg_export_snapshot()"))
            revision = MigrationContext.configure(conn).get_current_revision()
            counts = _row_counts(conn)
            # The dump reads the snapshot the counts read, while this transaction holds it.
            _run_pg(
                "pg_dump", ["--format=custom", f"--snapshot={snapshot}", f"--file={target}"], url
            )
    return revision, counts


def create_backup(output: Path) -> dict:
    """Write the archive to ``output`` (atomically: a partial archive is never left under
    that name) and return its manifest."""
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    kind = _kind(url)
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="portal-backup-") as work:
        database_file = Path(work) / DATABASE_FILES[kind]
        if kind == "sqlite":
            revision, counts = _copy_sqlite(url, database_file)
        else:
            revision, counts = _dump_postgres(url, database_file)
        manifest = {
            "format": ARCHIVE_FORMAT,
            "portal_version": portal_version(),
            "alembic_revision": revision,
            "created_at": utcnow().isoformat(),
            "database": {"kind": kind, **_described(database_file, DATABASE_FILES[kind])},
            "tables": counts,
            "files": [],
        }
        partial = output.with_name(f".{output.name}.partial")
        try:
            # Personal data: readable by the portal's own user only.
            descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with (
                os.fdopen(descriptor, "wb") as raw,
                tarfile.open(fileobj=raw, mode="w:gz") as archive,
            ):
                archive.add(database_file, arcname=DATABASE_FILES[kind], recursive=False)
                for path, name in _upload_files(_upload_root()):
                    manifest["files"].append(_described(path, name))
                    archive.add(path, arcname=f"{UPLOADS}/{name}", recursive=False)
                data = json.dumps(manifest, indent=2, ensure_ascii=False).encode()
                info = tarfile.TarInfo(MANIFEST)
                info.size = len(data)
                info.mtime = int(utcnow().timestamp())
                info.mode = 0o644
                archive.addfile(info, _BytesReader(data))
            os.replace(partial, output)
        finally:
            partial.unlink(missing_ok=True)
    return manifest


class _BytesReader:
    def __init__(self, data: bytes) -> None:
        self._data, self._at = data, 0

    def read(self, size: int = -1) -> bytes:
        end = len(self._data) if size < 0 else self._at + size
        chunk = self._data[self._at : end]
        self._at += len(chunk)
        return chunk


# -- restore ------------------------------------------------------------------------------


def _member_name(member: tarfile.TarInfo, expected: set[str]) -> str:
    name = member.name
    pure = PurePosixPath(name)
    if not member.isfile() or pure.is_absolute() or ".." in pure.parts or name not in expected:
        raise BackupError(f"Arsip berisi “{name}” yang tidak tercatat di manifesnya; ditolak.")
    return name


@contextmanager
def checked_archive(archive_path: Path) -> Iterator[tuple[dict, Path]]:
    """Unpack the archive into a temporary folder and check it against its manifest:
    every file present, of its size and checksum, nothing else. Yields (manifest, folder)."""
    archive_path = Path(archive_path)
    if not archive_path.is_file():
        raise BackupError(f"Arsip {archive_path} tidak ditemukan.")
    with tempfile.TemporaryDirectory(prefix="portal-restore-") as work:
        folder = Path(work)
        try:
            with tarfile.open(archive_path, "r:*") as archive:
                manifest = _read_manifest(archive)
                expected = _expected_files(manifest)
                seen = set()
                for member in archive:
                    name = _member_name(member, set(expected) | {MANIFEST})
                    if name == MANIFEST:
                        continue
                    target = folder / name
                    target.parent.mkdir(parents=True, exist_ok=True)
                    source = archive.extractfile(member)
                    with open(target, "wb") as handle:
                        shutil.copyfileobj(source, handle, CHUNK)
                    size, sha256 = expected[name]
                    if target.stat().st_size != size or _sha256_of(target) != sha256:
                        raise BackupError(
                            f"Berkas “{name}” di arsip tidak cocok dengan checksum di manifes "
                            "(arsip rusak atau diubah); tidak ada yang dipulihkan."
                        )
                    seen.add(name)
        except (tarfile.TarError, EOFError, OSError) as exc:
            raise BackupError(f"Arsip {archive_path} tidak dapat dibaca: {exc}") from None
        missing = sorted(set(expected) - seen)
        if missing:
            raise BackupError(f"Arsip tidak lengkap: {missing[0]} tidak ada di dalamnya.")
        yield manifest, folder


def _read_manifest(archive: tarfile.TarFile) -> dict:
    try:
        member = archive.getmember(MANIFEST)
        manifest = json.loads(archive.extractfile(member).read())
        kind = manifest["database"]["kind"]
        if manifest["format"] != ARCHIVE_FORMAT or kind not in DATABASE_FILES:
            raise ValueError(kind)
        for entry in manifest["files"]:
            entry["path"], entry["size"], entry["sha256"]  # noqa: B018 (present)
    except (KeyError, ValueError, TypeError, AttributeError):
        raise BackupError(
            "Arsip tidak memuat manifest.json yang sah; ini bukan cadangan Portal Kinerja."
        ) from None
    return manifest


def _expected_files(manifest: dict) -> dict[str, tuple[int, str]]:
    database = manifest["database"]
    expected = {DATABASE_FILES[database["kind"]]: (database["size"], database["sha256"])}
    for entry in manifest["files"]:
        expected[f"{UPLOADS}/{entry['path']}"] = (entry["size"], entry["sha256"])
    return expected


def _revision_notes(manifest: dict) -> list[str]:
    """Refuse an archive of a schema this code does not know; note one that is older."""
    revision, head = manifest.get("alembic_revision"), code_head()
    if revision == head:
        return []
    script = ScriptDirectory(current_app.extensions["migrate"].directory)
    try:
        known = revision is not None and script.get_revision(revision) is not None
    except CommandError:
        known = False
    if not known:
        raise BackupError(
            f"Arsip dibuat dengan skema basis data revisi {revision or '(tidak tercatat)'}, "
            f"yang tidak dikenal versi ini (revisi {head}). Pulihkan dengan Portal Kinerja "
            f"versi {manifest.get('portal_version')} yang membuat arsip ini."
        )
    return [
        f"Arsip memakai skema revisi {revision}, lebih lama dari kode ini ({head}): "
        "jalankan `flask --app wsgi db upgrade` setelah pemulihan."
    ]


def tables_with_rows(conn: Connection) -> list[str]:
    names = [n for n in inspect(conn).get_table_names() if n != "alembic_version"]
    return [n for n in sorted(names) if conn.scalar(select(1).select_from(table(n)).limit(1))]


def _check_target_empty(url: URL, kind: str) -> None:
    if kind == "sqlite" and not _sqlite_path(url).exists():
        return
    with db.engine.connect() as conn:
        filled = tables_with_rows(conn)
    if filled:
        raise BackupError(
            f"Basis data tujuan tidak kosong (tabel {', '.join(filled[:3])} berisi data). "
            "Pemulihan akan menimpa isinya; ulangi dengan --force bila itu memang maksudnya."
        )


def _restore_sqlite(url: URL, staged: Path) -> None:
    target = _sqlite_path(url)
    target.parent.mkdir(parents=True, exist_ok=True)
    db.engine.dispose()
    # The backup API in reverse: the target's pages are replaced in one transaction.
    with closing(sqlite3.connect(staged)) as source, closing(sqlite3.connect(target)) as dest:
        source.backup(dest)
    db.engine.dispose()


def _restore_postgres(url: URL, staged: Path) -> None:
    db.engine.dispose()
    _run_pg(
        "pg_restore",
        [
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            "--exit-on-error",
            f"--dbname={url.database}",
            str(staged),
        ],
        url,
        # A portal still running holds locks on its tables: fail with a message after a
        # while instead of waiting for ever.
        env={"PGOPTIONS": f"-c lock_timeout={RESTORE_LOCK_TIMEOUT}"},
    )
    db.engine.dispose()


def _restore_files(manifest: dict, folder: Path) -> int:
    root = _upload_root()
    for entry in manifest["files"]:
        target = root / entry["path"]
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{target.name}.restoring")
        shutil.copyfile(folder / UPLOADS / entry["path"], partial)
        os.replace(partial, target)
    return len(manifest["files"])


def restore_backup(archive_path: Path, *, force: bool = False) -> RestoreResult:
    """Bring the archive back into the configured database and upload folder. Everything
    is checked first; nothing is changed when a check fails."""
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    kind = _kind(url)
    with checked_archive(archive_path) as (manifest, folder):
        if manifest["database"]["kind"] != kind:
            raise BackupError(
                f"Arsip berisi basis data {manifest['database']['kind']}, sedangkan portal ini "
                f"memakai {kind}; pulihkan ke basis data sejenis."
            )
        notes = _revision_notes(manifest)
        if not force:
            _check_target_empty(url, kind)
        staged = folder / DATABASE_FILES[kind]
        if kind == "sqlite":
            _restore_sqlite(url, staged)
        else:
            _restore_postgres(url, staged)
        files = _restore_files(manifest, folder)
    with db.engine.connect() as conn:
        counts = _row_counts(conn)
    differing = sorted(n for n, c in manifest["tables"].items() if counts.get(n) != c)
    if differing:
        raise BackupError(
            f"Setelah pemulihan, jumlah baris tabel {', '.join(differing[:3])} tidak sama "
            "dengan manifes arsip."
        )
    return RestoreResult(manifest=manifest, files=files, notes=notes)
