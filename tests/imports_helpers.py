"""Builders for the import tests: files (CSV and XLSX bytes) made in the test, the
rows of an organisation, uploads through the browser's form, and what changed."""

from __future__ import annotations

import io
import re
from pathlib import Path

from openpyxl import Workbook
from sqlalchemy import func, select

from portal.extensions import db
from portal.imports.columns import HEADERS
from portal.models import AuditEvent, Employee, ImportBatch, Unit
from portal.nip import format_nip, normalise
from portal.ranks import JenisASN, JenisJabatan

ONE_TIME = re.compile(r'<code class="onetime-code">([a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4})</code>')
BATCH_URL = re.compile(r"/admin/impor-pegawai/(\d+)$")


def person_row(employee: Employee | None = None, **values) -> dict:
    """One row of the file as a dict of canonical headers; from ``employee`` if given."""
    row = dict.fromkeys(HEADERS, "")
    row["Aktif"] = "Ya"
    if employee is not None:
        row.update(
            {
                "NIP": employee.nip_display,
                "Nama": employee.name,
                "Gelar Depan": employee.gelar_depan,
                "Gelar Belakang": employee.gelar_belakang,
                "Jabatan": employee.jabatan,
                "Jenis Jabatan": JenisJabatan(employee.jenis_jabatan).value,
                "Jenis ASN": JenisASN(employee.jenis_asn).label,
                "Golongan": employee.golongan,
                "Kode Unit": employee.unit.code,
                "Nama Unit": employee.unit.name,
                "Kode Unit Induk": employee.unit.parent.code if employee.unit.parent else "",
                "NIP Atasan": employee.atasan.nip_display if employee.atasan else "",
                "Email": employee.email,
                "Aktif": "Ya" if employee.active else "Tidak",
            }
        )
    else:
        row.update(
            {
                "Nama": "Pegawai Baru",
                "Jabatan": "Analis Kebijakan",
                "Jenis Jabatan": "fungsional",
                "Golongan": "III/a",
            }
        )
    row.update(values)
    return row


def csv_bytes(
    rows: list[dict],
    headers=HEADERS,
    *,
    encoding: str = "utf-8-sig",
    delimiter: str = ",",
) -> bytes:
    import csv

    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(headers)
    for row in rows:
        writer.writerow([row.get(h, "") for h in HEADERS][: len(headers)])
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(rows: list, headers=HEADERS) -> bytes:
    """A workbook as Excel writes it; rows are dicts (by header) or lists of raw values."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Pegawai"
    sheet.append(list(headers))
    for row in rows:
        sheet.append([row.get(h, "") for h in headers] if isinstance(row, dict) else row)
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def upload(client, data: bytes, name: str = "pegawai.csv", *, full: bool = False):
    form = {"file": (io.BytesIO(data), name)}
    if full:
        form["full_import"] = "y"
    return client.post("/admin/impor-pegawai", form, content_type="multipart/form-data")


def uploaded_batch(response) -> ImportBatch:
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    match = BATCH_URL.search(response.headers["Location"])
    assert match, response.headers["Location"]
    db.session.rollback()
    return db.session.get(ImportBatch, int(match.group(1)))


def commit(client, batch: ImportBatch):
    return client.post(f"/admin/impor-pegawai/{batch.id}/terapkan")


def import_file(client, data: bytes, name: str = "pegawai.csv", *, full: bool = False):
    """Upload and commit; return the commit's response."""
    batch = uploaded_batch(upload(client, data, name, full=full))
    response = commit(client, batch)
    assert response.status_code == 200, response.get_data(as_text=True)[:3000]
    return response


def snapshot() -> dict:
    """Every employee and unit as committed, and the audit actions so far."""
    db.session.rollback()
    people = {
        e.nip: {c.key: getattr(e, c.key) for c in Employee.__table__.columns}
        for e in db.session.scalars(select(Employee))
    }
    units = {
        (u.instansi_id, u.code): (u.name, u.parent_id) for u in db.session.scalars(select(Unit))
    }
    return {"people": people, "units": units, "audit": audit_actions()}


def audit_actions() -> list[str]:
    db.session.rollback()
    return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def batch_count() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(ImportBatch))


def nip_of(factory) -> str:
    return format_nip(factory.people.person("sarjana").nip)


def use_import_folder(app, tmp_path) -> Path:
    """Keep the test's uploads in its own temporary folder (for an ``import_folder``
    fixture)."""
    folder = tmp_path / "imports"
    app.config["PORTAL_IMPORT_FOLDER"] = str(folder)
    return folder


def build_org(factory, db) -> dict:
    """An instansi with a head, an admin and a member of staff in its root unit, and
    an admin of another instansi (for a module's ``org`` fixture)."""
    instansi = factory.instansi(code="KAB-UJI", name="Pemerintah Kabupaten Uji")
    root = factory.unit(instansi, code="00", name="Sekretariat Daerah")
    head = factory.employee(
        root, jabatan="Sekretaris Daerah", jenis_jabatan=JenisJabatan.JPT, golongan="IV/c"
    )
    admin = factory.employee(root, atasan=head, is_admin=True, jabatan="Analis SDM")
    staff = factory.employee(root, atasan=head)
    other = factory.instansi(code="KAB-LAIN")
    other_admin = factory.employee(factory.unit(other, code="00"), is_admin=True)
    db.session.commit()
    return {"head": head, "admin": admin, "staff": staff, "other_admin": other_admin}


def everyone(org) -> list[dict]:
    return [person_row(org[k]) for k in ("head", "admin", "staff")]


def new_people(org, factory) -> tuple[list[dict], dict]:
    """A new unit under the root, a new unit under that (named later in the file), a
    new supervisor in the first and a new employee under them in the second."""
    boss_nip, staff_nip = nip_of(factory), nip_of(factory)
    rows = [
        person_row(
            NIP=staff_nip,
            Nama="Rina Lestari",
            **{
                "Kode Unit": "00.1.1",
                "Nama Unit": "Subbagian Kepegawaian",
                "Kode Unit Induk": "00.1",
                "NIP Atasan": boss_nip,
                "Email": "rina@contoh.go.id",
            },
        ),
        person_row(
            NIP=boss_nip,
            Nama="Bambang Hadi",
            **{
                "Gelar Belakang": "S.H.",
                "Jabatan": "Kepala Bagian Umum",
                "Jenis Jabatan": "Jabatan Administrasi",
                "Golongan": "Pembina, IV/a",
                "Kode Unit": "00.1",
                "Nama Unit": "Bagian Umum",
                "Kode Unit Induk": "00",
                "NIP Atasan": org["head"].nip_display,
            },
        ),
    ]
    return rows, {"boss": normalise(boss_nip), "staff": normalise(staff_nip)}
