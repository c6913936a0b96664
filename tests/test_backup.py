"""Backup and restore (README "Backup dan pemulihan"): an archive of the demo agency with
an evidence file comes back into a new database with every row and every file; a
non-empty target or a tampered archive is refused before anything changes."""

from __future__ import annotations

import io
import json
import subprocess
import tarfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import inspect, select, text
from sqlalchemy.engine import make_url

from portal import backup
from portal.extensions import db as _db
from portal.models import Employee, Evidence, WorkEntry
from portal.reports import evidence
from portal.seed.demo import seed_demo
from tests.conftest import BACKEND, build_app
from tests.reporting_helpers import png_bytes
from tests.test_migrations import postgres_database
from tests.walk_helpers import table_state

pytestmark = pytest.mark.commits


@contextmanager
def new_database(tmp_path: Path) -> Iterator[str]:
    """An empty database of the backend under test: a new file, or a throwaway database."""
    if BACKEND == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    with postgres_database() as url:
        yield url


@pytest.fixture
def stamped(app) -> Iterator[str]:
    """The test database at the code's head revision, as `flask db upgrade` leaves it
    (the tests build their schema with create_all, which writes no revision)."""
    head = backup.code_head()
    with _db.engine.begin() as conn:
        conn.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)"))
        conn.execute(text("INSERT INTO alembic_version VALUES (:head)"), {"head": head})
    yield head
    _db.session.remove()
    with _db.engine.begin() as conn:
        conn.execute(text("DROP TABLE alembic_version"))


PHOTO = evidence.CheckedFile("foto kegiatan.png", "image/png", "png", png_bytes((64, 48)))


@pytest.fixture
def source(app, stamped) -> dict:
    """The demo agency plus one uploaded photo (stored with its thumbnail), committed."""
    seed_demo()
    entry = _db.session.scalars(select(WorkEntry).order_by(WorkEntry.id)).first()
    _db.session.add(
        Evidence(
            entry_id=entry.id,
            original_name=PHOTO.original_name,
            stored_name=evidence.store(PHOTO),
            content_type=PHOTO.content_type,
            size=len(PHOTO.data),
            sha256=PHOTO.sha256,
        )
    )
    _db.session.commit()
    return {"state": table_state(), "files": upload_files(app)}


@pytest.fixture
def small_source(app, stamped, factory) -> dict:
    """A few people and a stored photo: enough for the refusals (the demo costs seconds)."""
    factory.team()
    evidence.store(PHOTO)
    _db.session.commit()
    return {"state": table_state(), "files": upload_files(app)}


def upload_files(app) -> dict[str, bytes]:
    root = Path(app.config["UPLOAD_FOLDER"])
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def invoke(app, *args: str):
    _db.session.remove()  # the test's own reads hold no lock that a restore waits for
    result = app.test_cli_runner().invoke(args=list(args))
    _db.session.remove()
    return result


@contextmanager
def target_app(tmp_path: Path):
    with new_database(tmp_path) as url:
        target = build_app(url, tmp_path / "target")
        try:
            with target.app_context():
                yield target
        finally:
            with target.app_context():
                _db.session.remove()
                _db.engine.dispose()


def test_an_archive_restores_every_row_and_file_into_a_new_database(app, source, tmp_path):
    archive = tmp_path / "cadangan.tar.gz"
    result = invoke(app, "backup", "-o", str(archive))
    assert result.exit_code == 0, result.output
    assert "Cadangan ditulis" in result.output
    assert archive.stat().st_mode & 0o777 == 0o600  # personal data

    with tarfile.open(archive) as opened:
        manifest = json.loads(opened.extractfile("manifest.json").read())
    assert manifest["database"]["kind"] == _db.engine.dialect.name
    assert manifest["alembic_revision"] == backup.code_head()
    assert manifest["tables"]["employee"] == source["state"]["employee"][0] > 0
    assert {f["path"] for f in manifest["files"]} == set(source["files"]) and len(
        source["files"]
    ) == 2  # the photo and its thumbnail

    with target_app(tmp_path) as target:
        result = invoke(target, "restore", str(archive))
        assert result.exit_code == 0, result.output
        assert "Dipulihkan" in result.output
        assert table_state() == source["state"]
        assert upload_files(target) == source["files"]
        with _db.engine.connect() as conn:
            restored = conn.scalar(text("SELECT version_num FROM alembic_version"))
        assert restored == backup.code_head()


def test_restore_refuses_a_database_with_rows_unless_forced(app, small_source, tmp_path):
    source = small_source
    archive = tmp_path / "cadangan.tar.gz"
    assert invoke(app, "backup", "-o", str(archive)).exit_code == 0
    employee = _db.session.scalars(select(Employee).order_by(Employee.id)).first()
    employee.name = "Diubah setelah cadangan dibuat"
    _db.session.commit()
    changed = table_state()

    result = invoke(app, "restore", str(archive))
    assert result.exit_code == 1
    assert "Basis data tujuan tidak kosong" in result.output and "--force" in result.output
    assert table_state() == changed
    assert upload_files(app) == source["files"]

    result = invoke(app, "restore", str(archive), "--force")
    assert result.exit_code == 0, result.output
    assert table_state() == source["state"]


def rewritten(archive: Path, out: Path, change) -> Path:
    """A copy of the archive with ``change(name, data) -> data`` applied to each member."""
    with tarfile.open(archive) as source, tarfile.open(out, "w:gz") as copy:
        for member in source:
            data = change(member.name, source.extractfile(member).read())
            member.size = len(data)
            copy.addfile(member, io.BytesIO(data))
    return out


def test_a_tampered_archive_is_refused_before_anything_changes(app, small_source, tmp_path):
    source = small_source
    archive = tmp_path / "cadangan.tar.gz"
    assert invoke(app, "backup", "-o", str(archive)).exit_code == 0
    photo = next(name for name in source["files"] if not name.endswith(".thumb.jpg"))
    tampered = rewritten(
        archive,
        tmp_path / "diubah.tar.gz",
        lambda name, data: data + b"x" if name == f"uploads/{photo}" else data,
    )
    foreign = rewritten(
        archive,
        tmp_path / "revisi-lain.tar.gz",
        lambda name, data: (
            data.replace(backup.code_head().encode(), b"0000deadbeef")
            if name == "manifest.json"
            else data
        ),
    )
    with target_app(tmp_path) as target:
        result = invoke(target, "restore", str(tampered))
        assert result.exit_code == 1
        assert f"Berkas “uploads/{photo}” di arsip tidak cocok" in result.output
        result = invoke(target, "restore", str(foreign))
        assert result.exit_code == 1
        assert "revisi 0000deadbeef" in result.output and "tidak dikenal" in result.output
        with _db.engine.connect() as conn:
            assert inspect(conn).get_table_names() == []
        assert upload_files(target) == {}


def test_a_file_that_is_not_a_backup_is_refused(app, tmp_path):
    other = tmp_path / "lain.tar.gz"
    with tarfile.open(other, "w:gz") as archive:
        info = tarfile.TarInfo("catatan.txt")
        archive.addfile(info, io.BytesIO(b""))
    result = invoke(app, "restore", str(other))
    assert result.exit_code == 1
    assert "bukan cadangan Portal Kinerja" in result.output


def test_pg_tools_get_the_password_from_the_environment_never_the_command_line(app, monkeypatch):
    seen = {}

    def fake_run(args, env, **kwargs):
        seen.update(args=args, env=env)
        return subprocess.CompletedProcess(args, 0, "", "")

    monkeypatch.setattr(backup.shutil, "which", lambda program: f"/usr/bin/{program}")
    monkeypatch.setattr(backup.subprocess, "run", fake_run)
    url = make_url("postgresql+psycopg://portal:r%40hasia@db.example:5433/kinerja?sslmode=require")
    backup._run_pg("pg_dump", ["--format=custom"], url)
    assert not any("r@hasia" in arg or "db.example" in arg for arg in seen["args"])
    env = seen["env"]
    assert (env["PGPASSWORD"], env["PGHOST"], env["PGPORT"]) == ("r@hasia", "db.example", "5433")
    assert (env["PGUSER"], env["PGDATABASE"], env["PGSSLMODE"]) == ("portal", "kinerja", "require")
