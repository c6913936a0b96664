"""The one export layer (portal.exports): cells a spreadsheet would run come out as text,
control characters never break a file, numbers and dates keep their type; and every
export the portal offers goes through it, as a download through ``send_file``."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from werkzeug.http import parse_options_header

from portal import audit, exports
from portal.imports.columns import HEADERS
from tests.imports_helpers import (
    build_org,
    commit,
    snapshot,
    upload,
    uploaded_batch,
    use_import_folder,
)

# What a spreadsheet program would run, and what it would show as it is.
FORMULAS = ['=HYPERLINK("http://evil")', "@SUM(A1)", "+1", "-1+2", "\tx", "\rx"]
# A control character that XML cannot carry. (NUL is one too, but PostgreSQL refuses to
# store it, so the tests through the database use the bell.)
CONTROL = "\x07"


def _read_xlsx(data: bytes) -> dict[str, list[list]]:
    book = load_workbook(io.BytesIO(data))  # not read-only: cell types and formulas show
    return {
        sheet.title: [[cell for cell in row] for row in sheet.iter_rows()]
        for sheet in book.worksheets
    }


def _read_csv(data: bytes | str) -> list[list[str]]:
    text = data.decode("utf-8") if isinstance(data, bytes) else data
    assert text.startswith(exports.BOM)
    return list(csv.reader(io.StringIO(text.removeprefix(exports.BOM), newline="")))


def _assert_runs_nothing(cells) -> None:
    for cell in cells:
        if isinstance(cell, str):
            assert not cell.startswith(exports.FORMULA_STARTS), repr(cell)
            assert CONTROL not in cell and "\x00" not in cell, repr(cell)


# --- The writers ---------------------------------------------------------------------------


@pytest.mark.parametrize("value", FORMULAS)
def test_a_cell_a_spreadsheet_would_run_gets_an_apostrophe(value):
    assert exports.cell_text(value) == "'" + value
    assert exports.csv_cell(value) == "'" + value
    assert exports.uncell_text(exports.cell_text(value)) == value


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("Budi\x00 Santoso", "Budi Santoso"),
        ("\x00=1+1", "'=1+1"),  # what is left after the control character still cannot run
        ("a\x1bb\x0c", "ab"),
        ("baris\nkedua", "baris\nkedua"),  # line breaks and tabs inside are text
        ("'=sudah", "'=sudah"),
        (None, ""),
    ],
)
def test_control_characters_are_dropped(value, text):
    assert exports.cell_text(value) == text


def test_numbers_stay_numbers_and_only_text_is_neutralised():
    assert [exports.csv_cell(v) for v in (-1, 2.5, Decimal("-3.25"), 0)] == [
        "-1",
        "2.5",
        "-3.25",
        "0",
    ]
    assert exports.csv_cell("-1") == "'-1"  # a text that only looks like a number


def test_the_xlsx_writer_writes_text_numbers_and_dates_that_never_run():
    rows = [
        [*FORMULAS, "nul\x00di\x07tengah"],
        [-1, 2.5, Decimal("-3.25"), date(2026, 3, 31), None, "", "  spasi  "],
    ]
    data = exports.workbook([exports.Sheet("Uji [1]: a/b", ["=Judul", "B"], rows)])
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["Uji  1   a b"]  # characters Excel refuses in a sheet name
    sheet = book.worksheets[0]
    header, texts, values = list(sheet.iter_rows())
    assert [c.value for c in header] == ["'=Judul", "B", *[None] * 5]
    assert [c.value for c in texts] == ["'" + v for v in FORMULAS] + ["nulditengah"]
    assert {c.data_type for c in texts} == {"s"}  # text, never a formula ("f")
    assert [c.value for c in values[:3]] == [-1, 2.5, -3.25]
    assert {c.data_type for c in values[:3]} == {"n"}
    assert values[3].value == datetime(2026, 3, 31) and values[3].is_date
    assert values[3].number_format == "yyyy-mm-dd"
    assert values[4].value is None and values[5].value == ""  # None is no cell at all
    assert values[6].value == "  spasi  "


def test_text_sheets_format_every_column_as_text():
    data = exports.workbook([exports.Sheet("T", ["NIP"], [["0123"]], (20,), as_text=True)])
    cell = load_workbook(io.BytesIO(data)).worksheets[0]["A2"]
    assert cell.value == "0123" and cell.number_format == "@"


def test_the_csv_writer_sends_the_header_first_then_chunks_of_rows():
    rows = [[f"=r{i}", -i] for i in range(5)]
    chunks = list(exports.csv_chunks(["=A", "B"], iter(rows), rows_per_chunk=2))
    assert len(chunks) == 4  # the header, then 2 + 2 + 1 rows
    assert chunks[0] == exports.BOM + "'=A,B\r\n"
    read = _read_csv("".join(chunks))
    assert read[1:] == [[f"'=r{i}", str(-i)] for i in range(5)]


# --- Downloads -----------------------------------------------------------------------------


def test_a_download_is_an_attachment_with_its_name_type_and_no_caching(app, tmp_path):
    stored = tmp_path / "simpan.bin"
    stored.write_bytes(b"%PDF-1.7 isi")
    with app.test_request_context():
        responses = [
            exports.download(b"%PDF-1.7 isi", "Surat Tugas.pdf", exports.PDF),
            exports.download(stored, "Surat Tugas.pdf", exports.PDF),
            exports.download(iter(["%PDF", "-1.7 isi"]), "Surat Tugas.pdf", exports.PDF),
        ]
        assert responses[2].is_streamed and responses[0].content_length == 12
        for response in responses:
            response.direct_passthrough = False
            assert response.get_data() == b"%PDF-1.7 isi"
            assert response.mimetype == exports.PDF
            assert response.headers["Cache-Control"] == "private, no-store"
            kind, options = parse_options_header(response.headers["Content-Disposition"])
            assert (kind, options["filename"]) == ("attachment", "Surat Tugas.pdf")
        assert responses[1].get_etag()[0]  # a stored file keeps its ETag


def test_a_non_ascii_download_name_is_sent_as_rfc_5987(app):
    with app.test_request_context():
        response = exports.download(b"x", "Laporan Kuartal – Ümar.csv", exports.CSV)
    disposition = response.headers["Content-Disposition"]
    assert "filename*=UTF-8''Laporan%20Kuartal%20%E2%80%93%20%C3%9Cmar.csv" in disposition
    assert parse_options_header(disposition)[1]["filename"] == "Laporan Kuartal – Ümar.csv"
    assert response.mimetype == "text/csv"


# --- Every export, with names that would run -----------------------------------------------


@pytest.fixture
def org(factory, db):
    return build_org(factory, db)


def _tricky_people(factory, org) -> list:
    """Employees of the admin's instansi named like formulas, their jabatan with a control
    character (as data accepted earlier might carry)."""
    people = []
    for name in FORMULAS:
        people.append(factory.employee(org["head"].unit, atasan=org["head"], name=name))
        people[-1].jabatan = f"Analis{CONTROL}Data"
    factory.employee(org["head"].unit, atasan=org["head"], jabatan="=1+1", name="Budi -1")
    return people


def test_the_employee_csv_export_neutralises_names(org, factory, db, signed_in, app, tmp_path):
    _tricky_people(factory, org)
    db.session.commit()
    response = signed_in(org["admin"]).get("/admin/ekspor-pegawai.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Cache-Control"] == "private, no-store"
    rows = _read_csv(response.get_data())
    assert rows[0] == list(HEADERS)
    names = [row[1] for row in rows[1:]]
    assert {"'" + name for name in FORMULAS} <= set(names)
    assert "Budi -1" in names
    jabatan = {row[4] for row in rows[1:]}
    assert "AnalisData" in jabatan and "'=1+1" in jabatan
    for row in rows:
        _assert_runs_nothing(row)


def test_the_employee_xlsx_export_neutralises_names(org, factory, db, signed_in):
    _tricky_people(factory, org)
    db.session.commit()
    response = signed_in(org["admin"]).get("/admin/ekspor-pegawai.xlsx")
    assert response.status_code == 200 and response.mimetype == exports.XLSX
    cells = _read_xlsx(response.get_data())["Pegawai"]
    names = {row[1].value for row in cells[1:]}
    assert {"'" + name for name in FORMULAS} <= names
    for row in cells:
        assert {c.data_type for c in row if c.value is not None} <= {"s"}
        _assert_runs_nothing(c.value for c in row)


@pytest.mark.parametrize("extension", ["csv", "xlsx"])
def test_names_like_formulas_survive_an_export_imported_again(
    org, factory, db, signed_in, app, tmp_path, extension
):
    use_import_folder(app, tmp_path)
    # (Not the names that start with a tab or CR: names never start with white space.)
    for name in FORMULAS[:4]:
        factory.employee(org["head"].unit, atasan=org["head"], name=name, jabatan="=1+1")
    db.session.commit()
    client = signed_in(org["admin"])
    exported = client.get(f"/admin/ekspor-pegawai.{extension}").get_data()
    before = snapshot()
    batch = uploaded_batch(upload(client, exported, f"ekspor.{extension}", full=True))
    assert batch.summary["unchanged"] == 4 + 3, batch.summary
    assert commit(client, batch).status_code == 200
    assert snapshot()["people"] == before["people"]


def test_the_monitoring_export_neutralises_names_and_keeps_numbers(org, factory, db, signed_in):
    factory.period(org["admin"].instansi)
    people = _tricky_people(factory, org)
    db.session.commit()
    response = signed_in(org["admin"]).get("/admin/pemantauan/ekspor.xlsx")
    assert response.status_code == 200 and response.mimetype == exports.XLSX
    assert response.headers["Cache-Control"] == "private, no-store"
    kind, options = parse_options_header(response.headers["Content-Disposition"])
    assert kind == "attachment" and options["filename"].startswith("pemantauan-")
    book = _read_xlsx(response.get_data())
    gaps = book["Tanpa SKP disetujui"]
    by_nip = {row[0].value: row for row in gaps[1:]}
    for person in people:
        row = by_nip[person.nip]
        assert row[1].value == exports.cell_text(person.display_name)
        assert row[1].data_type == "s"
        assert row[2].value == "AnalisData"
        assert row[5].value == 0 and row[5].data_type == "n"  # a count is a number
    for sheet in book.values():
        for row in sheet:
            assert "f" not in {c.data_type for c in row}
            _assert_runs_nothing(c.value for c in row)
    states = book["Status target per unit"]
    assert all(c.data_type == "n" for c in states[-1][2:])  # the totals are numbers


def test_the_audit_log_export_neutralises_every_cell(org, factory, db, signed_in):
    people = _tricky_people(factory, org)
    db.session.commit()
    for person in people:
        audit.record("employee.update", person, actor=person, summary={"name": person.name})
    db.session.commit()
    response = signed_in(org["admin"]).get("/admin/log-audit/ekspor.csv")
    assert response.status_code == 200 and response.is_streamed
    assert response.headers["Cache-Control"] == "private, no-store"
    rows = _read_csv(response.get_data())
    actor_names = {row[3] for row in rows[1:]}
    assert {"'" + name for name in FORMULAS} <= actor_names
    assert {int(row[0]) for row in rows[1:]}  # the event numbers stay plain numbers
    for row in rows:
        _assert_runs_nothing(row)
