"""Export of people and units in the import's own columns, so an export imported again
changes nothing. One query, streamed, through the portal's one CSV and XLSX writers
(:mod:`portal.exports`); NIPs are written with their spaces, so Excel keeps them as text.
"""

from __future__ import annotations

from collections.abc import Iterator

from flask_babel import force_locale
from sqlalchemy import select
from sqlalchemy.orm import aliased

from portal import exports
from portal.extensions import db
from portal.imports.columns import COLUMNS, HEADERS, yes_no
from portal.models import Employee, Unit
from portal.nip import format_nip
from portal.ranks import JenisASN

BATCH = 1000
WIDTHS = (24, 28, 10, 16, 32, 14, 10, 10, 14, 30, 14, 24, 28, 8)
SAMPLE = (
    "19800512 200501 1 003",
    "Siti Aminah",
    "Dr.",
    "S.E., M.M.",
    "Kepala Bagian Umum",
    "administrasi",
    "PNS",
    "IV/a",
    "SETDA.UM",
    "Bagian Umum",
    "SETDA",
    "19700315 199603 1 001",
    "siti.aminah@contoh.go.id",
    "Ya",
)


def rows(instansi_id: int) -> Iterator[tuple[str, ...]]:
    """Every employee of the instansi as a row of :data:`HEADERS`, in one query."""
    atasan = aliased(Employee)
    parent = aliased(Unit)
    query = (
        select(
            Employee.nip,
            Employee.name,
            Employee.gelar_depan,
            Employee.gelar_belakang,
            Employee.jabatan,
            Employee.jenis_jabatan,
            Employee.jenis_asn,
            Employee.golongan,
            Unit.code,
            Unit.name,
            parent.code,
            atasan.nip,
            Employee.email,
            Employee.active,
        )
        .join(Unit, Unit.id == Employee.unit_id)
        .outerjoin(parent, parent.id == Unit.parent_id)
        .outerjoin(atasan, atasan.id == Employee.atasan_id)
        .where(Employee.instansi_id == instansi_id)
        .order_by(Unit.code, Employee.nip)
        .execution_options(yield_per=BATCH)
    )
    for row in db.session.execute(query):
        (nip, name, depan, belakang, jabatan, jenis, asn, golongan, unit_code) = row[:9]
        unit_name, parent_code, atasan_nip, email, active = row[9:]
        yield (
            format_nip(nip),
            name,
            depan or "",
            belakang or "",
            jabatan,
            jenis.value if hasattr(jenis, "value") else str(jenis),
            JenisASN(asn).label,
            golongan,
            unit_code,
            unit_name,
            parent_code or "",
            format_nip(atasan_nip) if atasan_nip else "",
            email or "",
            yes_no(active),
        )


def csv_chunks(data: Iterator[tuple[str, ...]]) -> Iterator[str]:
    """The CSV text in chunks of rows, starting with the BOM and the header."""
    return exports.csv_chunks(HEADERS, data, rows_per_chunk=BATCH)


def xlsx_bytes(data: Iterator[tuple[str, ...]], *, instructions: bool = False) -> bytes:
    """The rows as a workbook of text cells; with ``instructions``, a second sheet
    explaining each column, with an example row (the templat). Like its headers, the
    templat is in Bahasa Indonesia whatever the admin reads."""
    sheets = [exports.Sheet("Pegawai", HEADERS, data, WIDTHS, as_text=True)]
    if instructions:
        notes = [
            *((column.header, column.hint) for column in COLUMNS),
            ("", ""),
            ("", "Baris dicocokkan menurut NIP; unit menurut kodenya."),
            ("", "Tulis NIP sebagai teks (bukan angka) agar digitnya tidak dibulatkan."),
            ("", ""),
            ("Contoh baris", "(salin ke lembar Pegawai bila perlu, lalu ganti isinya)"),
            HEADERS,
            SAMPLE,
        ]
        sheets.append(exports.Sheet("Petunjuk", ("Kolom", "Isi"), notes, (20, 90), as_text=True))
    with force_locale("id"):
        return exports.workbook(sheets)
