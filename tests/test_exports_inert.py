"""Every export is inert, whatever was stored: each download the admin is offered (the
employee CSV and XLSX, the monitoring workbook, the audit log CSV, the import templates)
opens with no formula, no control character, and readable by a spreadsheet reader."""

from __future__ import annotations

import csv
import io
import math

import pytest
from openpyxl import load_workbook

from portal import audit, exports
from portal.extensions import db
from tests.imports_helpers import build_org

# What data accepted earlier might carry: every formula start OWASP names, and control
# characters (no NUL: PostgreSQL refuses to store it, the writers' own test covers it).
STORED = [
    '=HYPERLINK("https://evil.example/phish","klik")',
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A9)",
    "\t=1+1",
    "\r=1+1",
    "Nama\x01dengan\x1bkontrol\x7f",
]
EXPORTS = [
    "/admin/ekspor-pegawai.csv",
    "/admin/ekspor-pegawai.xlsx",
    "/admin/pemantauan/ekspor.xlsx",
    "/admin/log-audit/ekspor.csv",
    "/admin/impor-pegawai/templat.csv",
    "/admin/impor-pegawai/templat.xlsx",
]


@pytest.fixture
def hostile(factory):
    org = build_org(factory, db)
    factory.period(org["admin"].instansi)
    org["head"].unit.name = "=Unit" + "\x02"
    for value in STORED:
        person = factory.employee(org["head"].unit, atasan=org["head"], name=value)
        person.jabatan = value
    db.session.commit()
    for value in STORED:
        audit.record("employee.update", org["head"], actor=org["admin"], summary={"x": value})
    db.session.commit()
    return org


def _cells(response) -> list[str]:
    data = response.get_data()
    if response.mimetype == exports.XLSX:
        book = load_workbook(io.BytesIO(data))
        cells = []
        for sheet in book.worksheets:
            for row in sheet.iter_rows():
                assert "f" not in {c.data_type for c in row}, sheet.title
                cells += [c.value for c in row if isinstance(c.value, str)]
        return cells
    text = data.decode("utf-8").removeprefix(exports.BOM)
    return [cell for row in csv.reader(io.StringIO(text, newline="")) for cell in row]


@pytest.mark.parametrize("url", EXPORTS)
def test_every_export_is_inert_whatever_was_stored(hostile, signed_in, url):
    response = signed_in(hostile["admin"]).get(url)
    assert response.status_code == 200, url
    cells = _cells(response)
    assert cells
    for cell in cells:
        assert not cell.startswith(exports.FORMULA_STARTS), (url, cell)
        assert not exports.ILLEGAL.search(cell), (url, cell)


@pytest.mark.parametrize("value", ["a\ud800b", "\udfff", "\x00", "\ufffe"])
def test_text_no_utf8_or_xml_can_carry_is_dropped(value):
    text = exports.cell_text(value)
    text.encode("utf-8")
    assert not exports.ILLEGAL.search(text)
    book = load_workbook(io.BytesIO(exports.workbook([exports.Sheet("S", ["h"], [[value]])])))
    assert book.active["A2"].value in (None, text, "ab")


@pytest.mark.parametrize("number", [math.nan, math.inf, -math.inf])
def test_a_number_no_spreadsheet_can_hold_goes_as_text(number):
    data = exports.workbook([exports.Sheet("S", ["h"], [[number, 1.5]])])
    book = load_workbook(io.BytesIO(data))
    assert book.active["A2"].data_type == "s" and book.active["B2"].value == 1.5
    assert list(exports.csv_chunks(["h"], [[number]]))[-1].strip() == exports.cell_text(number)
