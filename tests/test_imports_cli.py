"""``flask import-employees FILE``: dry run, commit, passwords, leavers, bad files."""

from __future__ import annotations

import csv
import re
import stat

import pytest
from sqlalchemy import select

from portal.auth.passwords import verify_password
from portal.extensions import db as _db
from portal.imports.reader import REQUIRED_COLUMN_MISSING
from portal.models import AuditEvent, Employee, ImportBatch
from portal.nip import normalise
from portal.ranks import JenisJabatan
from tests.imports_helpers import (
    audit_actions,
    batch_count,
    csv_bytes,
    nip_of,
    person_row,
    snapshot,
    use_import_folder,
    xlsx_bytes,
)

PASSWORD_LINE = re.compile(r"^\s+(\d{8} \d{6} \d \d{3})\s+([a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4})\s")


@pytest.fixture
def import_folder(app, tmp_path):
    return use_import_folder(app, tmp_path)


@pytest.fixture
def cli(app, import_folder):
    runner = app.test_cli_runner()

    def invoke(*args: str):
        result = runner.invoke(args=["import-employees", *map(str, args)])
        _db.session.rollback()  # see what the command committed, nothing else
        return result

    return invoke


@pytest.fixture
def org(factory, db):
    instansi = factory.instansi(code="KAB-UJI")
    root = factory.unit(instansi, code="00", name="Sekretariat Daerah")
    head = factory.employee(
        root, jabatan="Sekretaris Daerah", jenis_jabatan=JenisJabatan.JPT, golongan="IV/c"
    )
    admin = factory.employee(root, atasan=head, is_admin=True)
    staff = factory.employee(root, atasan=head)
    db.session.commit()
    return {"head": head, "admin": admin, "staff": staff}


def write(tmp_path, data: bytes, name: str = "pegawai.csv"):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def new_rows(org, factory) -> list[dict]:
    return [
        person_row(
            NIP=nip_of(factory),
            Nama=f"Pegawai Baru {i}",
            **{
                "Kode Unit": "00.1",
                "Nama Unit": "Bagian Umum",
                "Kode Unit Induk": "00",
                "NIP Atasan": org["head"].nip,
            },
        )
        for i in range(2)
    ]


def everyone(org) -> list[dict]:
    return [person_row(org[k]) for k in ("head", "admin", "staff")]


def test_dry_run_prints_the_preview_and_changes_nothing(org, factory, cli, tmp_path):
    path = write(tmp_path, csv_bytes(everyone(org) + new_rows(org, factory)))
    before = snapshot()
    result = cli(path, "--dry-run", "--full")
    assert result.exit_code == 0, result.output
    assert "2 pegawai baru, 0 diubah, 0 dinonaktifkan, 3 tetap; 1 unit baru" in result.output
    assert "unit baru 00.1 “Bagian Umum” (induk: 00)" in result.output
    assert "Pegawai Baru 1" in result.output
    assert "tidak ada yang diubah" in result.output
    assert snapshot() == before
    assert batch_count() == 0


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_import_commits_and_prints_the_one_time_passwords(
    org, factory, cli, tmp_path, db, import_folder, file_format
):
    rows = everyone(org) + new_rows(org, factory)
    data = csv_bytes(rows) if file_format == "csv" else xlsx_bytes(rows)
    result = cli(write(tmp_path, data, f"pegawai.{file_format}"))
    assert result.exit_code == 0, result.output
    assert "diterapkan: 2 pegawai baru" in result.output
    printed = [
        m.groups() for line in result.output.splitlines() if (m := PASSWORD_LINE.match(line))
    ]
    assert len(printed) == 2
    for nip, password in printed:
        employee = db.session.scalar(select(Employee).where(Employee.nip == normalise(nip)))
        assert verify_password(employee.password_hash, password)
        assert employee.must_change_password
    batch = db.session.scalar(select(ImportBatch))
    assert batch.status == "committed" and batch.file_format == file_format
    assert list(import_folder.iterdir()) == []
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "import.commit"))
    assert event.actor_id == org["admin"].id  # the instansi's admin, by default


def test_passwords_can_go_to_a_private_file(org, factory, cli, tmp_path, db):
    out = tmp_path / "sandi.csv"
    result = cli(write(tmp_path, csv_bytes(new_rows(org, factory))), "--passwords-out", out)
    assert result.exit_code == 0, result.output
    assert not any(PASSWORD_LINE.match(line) for line in result.output.splitlines())
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    with out.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["NIP", "Nama", "Jabatan", "Unit", "Kata sandi sementara"]
    assert len(rows) == 3
    employee = db.session.scalar(select(Employee).where(Employee.nip == normalise(rows[1][0])))
    assert verify_password(employee.password_hash, rows[1][4])


def test_a_second_run_of_the_same_file_changes_nothing(org, factory, cli, tmp_path):
    path = write(tmp_path, csv_bytes(everyone(org) + new_rows(org, factory)))
    assert cli(path, "--full").exit_code == 0
    before = snapshot()
    result = cli(path, "--full")
    assert result.exit_code == 0, result.output
    assert "0 pegawai baru, 0 diubah, 0 dinonaktifkan, 5 tetap" in result.output
    assert "Kata sandi" not in result.output
    after = snapshot()
    assert after["people"] == before["people"]
    assert after["audit"] == [*before["audit"], "import.upload", "import.commit"]


def test_full_import_deactivates_people_missing_from_the_file(org, cli, tmp_path, db):
    rows = [person_row(org["head"]), person_row(org["admin"])]
    result = cli(write(tmp_path, csv_bytes(rows)), "--full")
    assert result.exit_code == 0, result.output
    assert f"dinonaktifkan (tidak ada di berkas): {org['staff'].nip_display}" in result.output
    staff = db.session.get(Employee, org["staff"].id)
    assert staff is not None and not staff.active


def test_a_file_with_bad_rows_prints_every_error_and_exits_non_zero(org, factory, cli, tmp_path):
    rows = [*everyone(org), person_row(NIP="123", **{"Kode Unit": "00"})]
    rows[2]["Golongan"] = "V/z"
    before = snapshot()
    result = cli(write(tmp_path, csv_bytes(rows)))
    assert result.exit_code == 1
    assert "2 kesalahan; tidak ada yang diubah." in result.stderr
    assert "Baris 4, kolom Golongan: Pangkat/golongan “V/z” tidak dikenal" in result.stderr
    assert "Baris 5, kolom NIP: NIP harus 18 digit" in result.stderr
    assert snapshot() == before
    assert batch_count() == 0


def test_a_file_that_is_not_a_spreadsheet_exits_non_zero(org, cli, tmp_path):
    path = write(tmp_path, b"%PDF-1.4\n%%EOF\n", "pegawai.xlsx")
    result = cli(path)
    assert result.exit_code == 1
    assert "Berkas ini PDF, bukan lembar kerja" in result.stderr


def test_missing_columns_are_named(org, cli, tmp_path):
    data = csv_bytes([person_row(org["staff"])], ["NIP", "Nama"])
    result = cli(write(tmp_path, data))
    assert result.exit_code == 1
    assert f"Berkas, kolom Golongan: {REQUIRED_COLUMN_MISSING!s}" not in result.stderr
    assert f"Baris 1, kolom Golongan: {REQUIRED_COLUMN_MISSING!s}" in result.stderr


def test_instansi_and_admin_must_be_named_when_ambiguous(org, factory, cli, tmp_path, db):
    other = factory.instansi(code="KAB-LAIN")
    factory.unit(other, code="00")
    db.session.commit()
    path = write(tmp_path, csv_bytes([person_row(org["staff"], Jabatan="Analis Data")]))
    ambiguous = cli(path)
    assert ambiguous.exit_code != 0
    assert "sebutkan --instansi" in ambiguous.output
    not_admin = cli(path, "--instansi", "KAB-UJI", "--admin", org["staff"].nip)
    assert not_admin.exit_code != 0
    assert "bukan admin aktif instansi KAB-UJI" in not_admin.output
    no_admin = cli(path, "--instansi", "KAB-LAIN")
    assert no_admin.exit_code != 0 and "belum punya admin aktif" in no_admin.output
    done = cli(path, "--instansi", "KAB-UJI", "--admin", org["admin"].nip_display)
    assert done.exit_code == 0, done.output
    assert db.session.get(Employee, org["staff"].id).jabatan == "Analis Data"
    assert audit_actions().count("employee.update") == 1
