"""Bad import files: each gets a clear Indonesian message naming row and column, and
changes nothing. Files the portal cannot read at all are refused at upload (nothing is
kept); files with bad rows get a preview listing every error, and cannot be committed."""

from __future__ import annotations

import io
import random
import re
import zipfile

import pytest
from sqlalchemy import select

from portal.imports import reader
from portal.imports.columns import HEADERS
from portal.imports.forms import FILE_REQUIRED
from portal.imports.planner import CANNOT_DEACTIVATE_SELF, UNIT_OWN_PARENT
from portal.models import Employee, Unit
from portal.ranks import JenisJabatan
from tests.imports_helpers import (
    batch_count,
    commit,
    csv_bytes,
    nip_of,
    person_row,
    snapshot,
    upload,
    uploaded_batch,
    use_import_folder,
    xlsx_bytes,
)

pytestmark = pytest.mark.usefixtures("no_inline_code", "import_folder")


@pytest.fixture
def import_folder(app, tmp_path):
    return use_import_folder(app, tmp_path)


@pytest.fixture
def org(factory, db):
    instansi = factory.instansi(code="KAB-UJI")
    root = factory.unit(instansi, code="00", name="Sekretariat Daerah")
    head = factory.employee(
        root, jabatan="Sekretaris Daerah", jenis_jabatan=JenisJabatan.JPT, golongan="IV/c"
    )
    admin = factory.employee(root, atasan=head, is_admin=True)
    staff = factory.employee(root, atasan=head)
    other_admin = factory.employee(factory.unit(factory.instansi(), code="00"), is_admin=True)
    db.session.commit()
    return {"head": head, "admin": admin, "staff": staff, "other_admin": other_admin}


@pytest.fixture
def admin_client(org, signed_in):
    return signed_in(org["admin"])


def new_row(org, factory, **values) -> dict:
    return person_row(
        **{"NIP": nip_of(factory), "Kode Unit": "00", "NIP Atasan": org["head"].nip, **values}
    )


# Files refused as a whole


def zip_bomb() -> bytes:
    """A "workbook" whose sheet inflates from a few hundred KB to 300 MB of zeros."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as entry:
            chunk = b"0" * (1 << 20)
            for _ in range(300):
                entry.write(chunk)
    return buffer.getvalue()


def zip_of(**entries: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in entries.items():
            archive.writestr(name.replace("__", "/"), text)
    return buffer.getvalue()


def random_bytes(size: int = 4096) -> bytes:
    return random.Random(7).randbytes(size)


UTF8_NAMES = [{"Nama": "Sétiawan Ñur", "NIP": "19800512 200501 1 003", "Kode Unit": "00"}]

REFUSED = {
    "pdf renamed .xlsx": (
        lambda org, f: b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n%%EOF\n",
        "pegawai.xlsx",
        "PDF, bukan lembar kerja",
    ),
    "random bytes as .xlsx": (lambda org, f: random_bytes(), "pegawai.xlsx", "bukan lembar kerja"),
    "binary as .csv": (lambda org, f: random_bytes(), "pegawai.csv", "bukan lembar kerja"),
    "zip that is not a workbook": (
        lambda org, f: zip_of(word__document_xml="<w/>"),
        "pegawai.xlsx",
        "bukan lembar kerja Excel",
    ),
    "damaged workbook": (
        lambda org, f: xlsx_bytes([person_row(org["staff"])])[:1500],
        "pegawai.xlsx",
        "rusak",
    ),
    "old .xls": (
        lambda org, f: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(1000),
        "pegawai.xls",
        "format Excel lama (.xls)",
    ),
    "zip bomb": (lambda org, f: zip_bomb(), "pegawai.xlsx", "zip bomb"),
    "cp1252 csv": (
        lambda org, f: csv_bytes([person_row(**UTF8_NAMES[0])], encoding="cp1252"),
        "pegawai.csv",
        "CSV UTF-8",
    ),
    "utf-16 csv with BOM": (
        lambda org, f: csv_bytes([person_row(**UTF8_NAMES[0])], encoding="utf-16"),
        "pegawai.csv",
        "UTF-16",
    ),
    "utf-16 csv without BOM": (
        lambda org, f: csv_bytes([person_row(**UTF8_NAMES[0])], encoding="utf-16-le"),
        "pegawai.csv",
        "CSV UTF-8",
    ),
    "empty file": (lambda org, f: b"", "pegawai.csv", "Berkas kosong"),
    "header only": (lambda org, f: csv_bytes([]), "pegawai.csv", "tidak ada baris data"),
    "missing column": (
        lambda org, f: csv_bytes(
            [person_row(org["staff"])], [h for h in HEADERS if h != "Golongan"]
        ),
        "pegawai.csv",
        "“Golongan”",
    ),
    "column twice": (
        lambda org, f: csv_bytes([person_row(org["staff"])], [*HEADERS, "nama"]),
        "pegawai.csv",
        "“nama”",
    ),
    "unrelated spreadsheet": (
        lambda org, f: xlsx_bytes([["1", "2"]], ["Tanggal", "Jumlah"]),
        "laporan.xlsx",
        "Kolom yang diharapkan: NIP, Nama",
    ),
    "100,000 rows": (
        lambda org, f: csv_bytes([person_row(org["staff"])] * 100_000),
        "pegawai.csv",
        "lebih dari 30.000 baris data",
    ),
}


@pytest.mark.parametrize("case", REFUSED)
def test_files_that_cannot_be_read_are_refused_and_nothing_is_kept(
    case, org, factory, admin_client, import_folder
):
    build, name, message = REFUSED[case]
    data = build(org, factory)
    before = snapshot()
    response = upload(admin_client, data, name, full=True)
    text = response.get_data(as_text=True)
    assert response.status_code == 422, text[:2000]
    assert message in text
    assert "tidak ada yang diubah" in text
    assert 'aria-invalid="true"' in text and 'id="file-error"' in text
    assert batch_count() == 0
    assert not import_folder.exists() or list(import_folder.iterdir()) == []
    assert snapshot() == before


def test_a_zip_bomb_is_refused_before_openpyxl_opens_it(org, admin_client, monkeypatch):
    import openpyxl

    def never(*args, **kwargs):
        raise AssertionError("openpyxl opened the zip bomb")

    monkeypatch.setattr(openpyxl, "load_workbook", never)
    response = upload(admin_client, zip_bomb(), "pegawai.xlsx")
    assert response.status_code == 422
    assert "zip bomb" in response.get_data(as_text=True)


def test_the_total_inflated_size_of_a_workbook_is_bounded(org, admin_client, monkeypatch):
    monkeypatch.setattr(reader, "ZIP_MAX_TOTAL", 1000)
    response = upload(admin_client, xlsx_bytes([person_row(org["staff"])]), "pegawai.xlsx")
    assert response.status_code == 422
    assert "mengembang terlalu besar" in response.get_data(as_text=True)


def test_the_row_limit_is_configurable(org, factory, admin_client, app):
    app.config["PORTAL_IMPORT_MAX_ROWS"] = 3
    rows = [new_row(org, factory) for _ in range(4)]
    refused = upload(admin_client, csv_bytes(rows))
    assert refused.status_code == 422
    assert "lebih dari 3 baris data" in refused.get_data(as_text=True)
    assert upload(admin_client, csv_bytes(rows[:3])).status_code == 303


def test_the_file_size_is_limited(org, factory, admin_client, app):
    app.config["PORTAL_IMPORT_MAX_MB"] = 1
    padding = "x" * 400
    rows = [new_row(org, factory, Jabatan=padding) for _ in range(3000)]
    response = upload(admin_client, csv_bytes(rows))
    assert response.status_code == 422
    assert "melebihi batas 1 MB" in response.get_data(as_text=True)
    assert batch_count() == 0


def test_a_request_over_the_upload_limit_is_refused(org, admin_client, app):
    app.config["MAX_CONTENT_LENGTH"] = 2000
    response = upload(admin_client, b"x" * 5000)
    assert response.status_code == 413
    assert "melebihi batas ukuran" in response.get_data(as_text=True)


def test_no_file_chosen(org, admin_client):
    response = admin_client.post(
        "/admin/impor-pegawai", {"full_import": "y"}, content_type="multipart/form-data"
    )
    assert response.status_code == 422
    assert str(FILE_REQUIRED) in response.get_data(as_text=True)


# Rows with errors: a preview that lists them, and no commit


def _two(org, factory, **first):
    nip = nip_of(factory)
    return [new_row(org, factory, NIP=nip, **first), new_row(org, factory, NIP=nip)]


ROW_ERRORS = {
    "short nip": (
        lambda o, f: [new_row(o, f, NIP="1980051220050110")],
        (2, "NIP", "NIP harus 18 digit (yang diisi 16 digit)."),
    ),
    "nip with letters": (
        lambda o, f: [new_row(o, f, NIP="19800512200501100X")],
        (2, "NIP", "NIP hanya boleh berisi angka."),
    ),
    "duplicate nip in the file": (
        lambda o, f: _two(o, f),
        (3, "NIP", "NIP ini sudah ada di baris 2."),
    ),
    "unknown golongan": (
        lambda o, f: [new_row(o, f, Golongan="V/z")],
        (2, "Golongan", "Pangkat/golongan “V/z” tidak dikenal"),
    ),
    "unknown jenis jabatan": (
        lambda o, f: [new_row(o, f, **{"Jenis Jabatan": "struktural"})],
        (2, "Jenis Jabatan", "Jenis jabatan “struktural” tidak dikenal"),
    ),
    "no name": (lambda o, f: [new_row(o, f, Nama="  ")], (2, "Nama", "Nama wajib diisi.")),
    "name too long": (
        lambda o, f: [new_row(o, f, Nama="a" * 151)],
        (2, "Nama", "Paling banyak 150 karakter."),
    ),
    "bad email": (
        lambda o, f: [new_row(o, f, Email="bukan email")],
        (2, "Email", "Alamat email tidak valid."),
    ),
    "bad aktif": (
        lambda o, f: [new_row(o, f, Aktif="mungkin")],
        (2, "Aktif", "Isi “Ya” atau “Tidak” (tertulis “mungkin”)."),
    ),
    "no unit code": (
        lambda o, f: [new_row(o, f, **{"Kode Unit": ""})],
        (2, "Kode Unit", "Kode unit wajib diisi."),
    ),
    "atasan nowhere": (
        lambda o, f: [new_row(o, f, **{"NIP Atasan": nip_of(f)})],
        (2, "NIP Atasan", "tidak ada di berkas maupun di instansi ini"),
    ),
    "atasan in another instansi": (
        lambda o, f: [new_row(o, f, **{"NIP Atasan": o["other_admin"].nip})],
        (2, "NIP Atasan", "terdaftar di instansi lain; atasan harus dari instansi yang sama"),
    ),
    "atasan nip invalid": (
        lambda o, f: [new_row(o, f, **{"NIP Atasan": "123"})],
        (2, "NIP Atasan", "NIP harus 18 digit"),
    ),
    "own atasan": (
        lambda o, f: [person_row(o["staff"], **{"NIP Atasan": o["staff"].nip})],
        (2, "NIP Atasan", "tidak boleh menjadi atasan dirinya"),
    ),
    "nip of another instansi": (
        lambda o, f: [new_row(o, f, NIP=o["other_admin"].nip)],
        (2, "NIP", "sudah terdaftar di instansi lain"),
    ),
    "supervisor cycle through the database": (
        # The staff's supervisor is the head (in the database); the file makes the
        # staff the head's supervisor.
        lambda o, f: [person_row(o["head"], **{"NIP Atasan": o["staff"].nip})],
        (2, "NIP Atasan", "Rantai atasan melingkar"),
    ),
    "supervisor cycle in the file": (
        lambda o, f: _cycle(o, f),
        (3, "NIP Atasan", "Rantai atasan melingkar"),
    ),
    "parent unit nowhere": (
        lambda o, f: [
            new_row(o, f, **{"Kode Unit": "09", "Nama Unit": "B", "Kode Unit Induk": "ZZ"})
        ],
        (2, "Kode Unit Induk", "Unit induk dengan kode ZZ tidak ada di berkas maupun"),
    ),
    "unit cycle in the file": (
        lambda o, f: [
            new_row(o, f, **{"Kode Unit": "A", "Nama Unit": "A", "Kode Unit Induk": "B"}),
            new_row(o, f, **{"Kode Unit": "B", "Nama Unit": "B", "Kode Unit Induk": "A"}),
        ],
        (3, "Kode Unit Induk", "Susunan unit melingkar"),
    ),
    "unit cycle through the database": (
        lambda o, f: [
            new_row(o, f, **{"Kode Unit": "00.9", "Nama Unit": "Baru", "Kode Unit Induk": "00"}),
            new_row(o, f, **{"Kode Unit": "00", "Kode Unit Induk": "00.9"}),
        ],
        (3, "Kode Unit Induk", "Susunan unit melingkar"),
    ),
    "unit its own parent": (
        lambda o, f: [new_row(o, f, **{"Kode Unit": "00", "Kode Unit Induk": "00"})],
        (2, "Kode Unit Induk", str(UNIT_OWN_PARENT)),
    ),
    "new unit without a name": (
        lambda o, f: [new_row(o, f, **{"Kode Unit": "77"})],
        (2, "Nama Unit", "Unit 77 belum ada; nama unitnya wajib diisi."),
    ),
    "new unit without a name, on a row with a bad NIP too": (
        lambda o, f: [new_row(o, f, NIP="1", **{"Kode Unit": "78"})],
        (2, "Nama Unit", "Unit 78 belum ada; nama unitnya wajib diisi."),
    ),
    "one unit with two names": (
        lambda o, f: [
            new_row(o, f, **{"Kode Unit": "55", "Nama Unit": "Bidang A"}),
            new_row(o, f, **{"Kode Unit": "55", "Nama Unit": "Bidang B"}),
        ],
        (3, "Nama Unit", "Unit 55 bernama “Bidang A” di baris 2"),
    ),
    "admin deactivating themself": (
        lambda o, f: [person_row(o["admin"], Aktif="Tidak")],
        (2, "Aktif", str(CANNOT_DEACTIVATE_SELF)),
    ),
}


def _cycle(org, factory):
    first, second = nip_of(factory), nip_of(factory)
    return [
        person_row(org["staff"]),
        new_row(org, factory, NIP=first, **{"NIP Atasan": second}),
        new_row(org, factory, NIP=second, **{"NIP Atasan": first}),
    ]


ERROR_BLOCK = re.compile(r"<h3>(Baris \d+|Seluruh berkas)</h3>\s*<ul>(.*?)</ul>", re.S)


def errors_on_page(text: str) -> dict[str, list[str]]:
    """``{"Baris 3": ["<strong>NIP</strong>: …"]}`` from the preview's error list."""
    return {
        row: re.findall(r"<li>(.*?)</li>", items, re.S) for row, items in ERROR_BLOCK.findall(text)
    }


@pytest.mark.parametrize("case", ROW_ERRORS)
@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_row_errors_are_listed_by_row_and_column_and_block_the_commit(
    case, file_format, org, factory, admin_client
):
    build, (row, column, message) = ROW_ERRORS[case]
    rows = build(org, factory)
    data = csv_bytes(rows) if file_format == "csv" else xlsx_bytes(rows)
    before = snapshot()
    batch = uploaded_batch(upload(admin_client, data, f"pegawai.{file_format}"))
    page = admin_client.get(f"/admin/impor-pegawai/{batch.id}")
    text = page.get_data(as_text=True)
    errors = errors_on_page(text)
    items = errors.get(f"Baris {row}", [])
    assert any(f"<strong>{column}</strong>:" in i and message in i for i in items), errors
    assert "Terapkan impor" not in text
    assert batch.summary["errors"] >= 1
    refused = commit(admin_client, batch)
    assert refused.status_code == 422
    assert message in refused.get_data(as_text=True)
    after = snapshot()
    assert after["people"] == before["people"] and after["units"] == before["units"]
    assert after["audit"] == [*before["audit"], "import.upload"]


def test_every_error_of_a_file_is_reported_at_once(org, factory, admin_client):
    rows = [
        new_row(org, factory, Golongan="X", Email="x"),
        new_row(org, factory, NIP="1"),
        new_row(org, factory, **{"NIP Atasan": nip_of(factory)}),
    ]
    batch = uploaded_batch(upload(admin_client, csv_bytes(rows)))
    errors = errors_on_page(admin_client.get(f"/admin/impor-pegawai/{batch.id}").get_data(True))
    assert sorted(errors) == ["Baris 2", "Baris 3", "Baris 4"]
    assert len(errors["Baris 2"]) == 2
    assert batch.summary["errors"] == 4


def test_a_nip_excel_turned_into_a_number_is_an_error(org, factory, admin_client):
    row = new_row(org, factory)
    values = [row[h] for h in HEADERS]
    values[0] = float(row["NIP"].replace(" ", ""))
    batch = uploaded_batch(upload(admin_client, xlsx_bytes([values]), "pegawai.xlsx"))
    errors = errors_on_page(admin_client.get(f"/admin/impor-pegawai/{batch.id}").get_data(True))
    assert any("NIP tersimpan sebagai angka" in item for item in errors["Baris 2"])


def test_numbers_and_booleans_typed_in_excel_are_read_as_text(org, factory, admin_client, db):
    row = new_row(org, factory, **{"Nama Unit": "Bidang Tujuh", "Kode Unit Induk": "00"})
    values = [row[h] for h in HEADERS]
    values[HEADERS.index("Kode Unit")] = 7
    values[HEADERS.index("Aktif")] = True
    batch = uploaded_batch(upload(admin_client, xlsx_bytes([values]), "pegawai.xlsx"))
    assert batch.summary["errors"] == 0 and batch.summary["created"] == 1
    assert commit(admin_client, batch).status_code == 200
    db.session.rollback()
    unit = db.session.scalar(select(Unit).where(Unit.code == "7"))
    assert unit.name == "Bidang Tujuh"
    employee = db.session.scalar(select(Employee).where(Employee.unit_id == unit.id))
    assert employee.active


def test_unknown_columns_are_ignored_with_a_warning(org, factory, admin_client):
    rows = [new_row(org, factory)]
    data = csv_bytes(rows, HEADERS).replace(b"Aktif\r\n", b"Aktif,Catatan\r\n", 1)
    batch = uploaded_batch(upload(admin_client, data))
    text = admin_client.get(f"/admin/impor-pegawai/{batch.id}").get_data(as_text=True)
    assert "Catatan" in text and str(reader.UNKNOWN_COLUMN) in text
    assert batch.summary["errors"] == 0
