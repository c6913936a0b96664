"""Reading an uploaded import file: what it really is (by content), then its rows.

A CSV must be UTF-8 text (with or without BOM; comma, semicolon or tab separated). An
XLSX is a zip: its entries are checked with :mod:`zipfile` (sizes and compression
ratios) before openpyxl opens it, so a zip bomb is refused before anything inflates.
Everything refused raises :class:`FileRefused` with a message in the user's language.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal import exports
from portal.errors import InvalidInput
from portal.imports.columns import BY_KEY, HEADERS, MAX_CELL, REQUIRED_HEADERS, column_for
from portal.numbers import thousands

UNKNOWN_COLUMN = _l("Kolom tidak dikenal; isinya diabaikan.")
REQUIRED_COLUMN_MISSING = _l("Kolom wajib ini tidak ada di baris judul.")

UNREADABLE_XLSX = _l("Berkas Excel (.xlsx) ini rusak atau tidak dapat dibaca.")
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the old .xls
PDF_MAGIC = b"%PDF-"
# What a real workbook of 30,000 rows needs is a few tens of MB; XML compresses
# some 10–30 times. A larger total or a far higher ratio is a zip bomb.
ZIP_MAX_TOTAL = 256 * 1024 * 1024
ZIP_MAX_RATIO = 100
ZIP_RATIO_FROM = 1024 * 1024  # tiny entries may compress well; they cannot hurt
ZIP_MAX_ENTRIES = 2000
MAX_COLUMNS = 64
# Blank rows (formatting) beyond the data are skipped, but not without end.
BLANK_ROW_SLACK = 1000
SAVE_AS_UTF8 = _l(
    "Simpan ulang dari Excel dengan “Simpan sebagai” → “CSV UTF-8 (dipisahkan koma)”, "
    "atau unggah berkas .xlsx."
)


class FileRefused(InvalidInput):
    """The file as a whole cannot be read; nothing of it is applied."""

    def __init__(self, message: str, issues: list[Issue] | None = None) -> None:
        super().__init__(message, field="file")
        self.issues = issues or []


@dataclass(frozen=True)
class Issue:
    """An error or warning at a row (None: the whole file) and column of the file."""

    row: int | None
    column: str
    message: str


@dataclass
class SheetRow:
    number: int  # as the spreadsheet numbers it: the header is row 1
    cells: dict[str, str]
    issues: list[Issue] = field(default_factory=list)


@dataclass
class Sheet:
    file_format: str  # csv | xlsx
    rows: list[SheetRow]
    warnings: list[Issue] = field(default_factory=list)


def sniff(data: bytes) -> str:
    """``"csv"`` or ``"xlsx"`` by content; refuse everything else with the reason."""
    if not data:
        raise FileRefused(_("Berkas kosong."))
    if data.startswith(ZIP_MAGIC):
        return "xlsx"
    if data.startswith(OLE_MAGIC):
        raise FileRefused(
            _("Berkas ini format Excel lama (.xls). Simpan ulang sebagai .xlsx atau CSV UTF-8.")
        )
    if data.startswith(PDF_MAGIC):
        raise FileRefused(_("Berkas ini PDF, bukan lembar kerja. Unggah berkas .xlsx atau .csv."))
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or _looks_utf16(data[:4096]):
        raise FileRefused(
            _("Berkas CSV ini berpengodean UTF-16, bukan UTF-8. %(advice)s", advice=SAVE_AS_UTF8)
        )
    head = data[:8192]
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 13, 12))
    if controls:
        raise FileRefused(
            _(
                "Isi berkas bukan lembar kerja (.xlsx) maupun teks CSV; isinya diperiksa, bukan "
                "nama berkasnya. Unggah berkas .xlsx atau .csv."
            )
        )
    return "csv"


def _looks_utf16(head: bytes) -> bool:
    if len(head) < 4:
        return False
    return head[1::2].count(0) > len(head) // 4 or head[0::2].count(0) > len(head) // 4


def read(data: bytes, max_rows: int) -> Sheet:
    """The rows of the file, with their cells by field; refuse what cannot be read."""
    kind = sniff(data)
    if kind == "xlsx":
        return Sheet("xlsx", *_rows(_xlsx_lines(data), max_rows))
    return Sheet("csv", *_rows(_csv_lines(data), max_rows))


def _csv_lines(data: bytes) -> Iterator[list]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise FileRefused(
            _(
                "Berkas CSV tidak berpengodean UTF-8 (huruf yang tidak terbaca di baris "
                "%(line)d). %(advice)s",
                line=line,
                advice=SAVE_AS_UTF8,
            )
        ) from None
    first = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    number = 0
    while True:
        number += 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error:
            raise FileRefused(
                _(
                    "Baris %(row)d berkas CSV rusak (tanda kutip tidak ditutup atau isian "
                    "terlalu panjang).",
                    row=number,
                )
            ) from None
        yield row


def check_zip(data: bytes) -> zipfile.ZipFile:
    """Open the zip and check its entries before anything is inflated."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise FileRefused(_("Berkas Excel (.xlsx) ini rusak atau tidak lengkap.")) from None
    if len(entries) > ZIP_MAX_ENTRIES:
        raise FileRefused(_("Berkas Excel ini berisi terlalu banyak bagian; tidak diproses."))
    total = 0
    for entry in entries:
        total += entry.file_size
        ratio = entry.file_size / max(entry.compress_size, 1)
        if total > ZIP_MAX_TOTAL or (entry.file_size > ZIP_RATIO_FROM and ratio > ZIP_MAX_RATIO):
            raise FileRefused(
                _(
                    "Berkas Excel ini mengembang terlalu besar bila dibuka (kemungkinan “zip "
                    "bomb”); tidak diproses."
                )
            )
    names = {entry.filename for entry in entries}
    if "xl/workbook.xml" not in names:
        raise FileRefused(
            _(
                "Berkas ini arsip zip, tetapi bukan lembar kerja Excel (.xlsx). Unggah .xlsx "
                "atau .csv."
            )
        )
    return archive


def _xlsx_lines(data: bytes) -> Iterator[list]:
    from openpyxl import load_workbook

    check_zip(data)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a damaged file
        raise FileRefused(UNREADABLE_XLSX) from None
    try:
        sheet = _data_sheet(workbook)
        if sheet is None:
            raise FileRefused(_("Berkas Excel ini tidak berisi lembar kerja."))
        try:
            yield from sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True)
        except FileRefused:
            raise
        except Exception:  # a damaged sheet, found only while reading it
            raise FileRefused(UNREADABLE_XLSX) from None
    finally:
        workbook.close()


def _data_sheet(workbook):
    """The first sheet whose first row names a NIP column (the templat has a second sheet
    of instructions), else the first sheet."""
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows(max_row=1, max_col=MAX_COLUMNS, values_only=True):
            if any(column_for(str(v)) == "nip" for v in row if v is not None):
                return sheet
    return workbook.worksheets[0] if workbook.worksheets else None


def _text(value, key: str | None) -> tuple[str, str | None]:
    """A cell as text, with a problem to report if its value cannot be trusted."""
    if value is None:
        return "", None
    if isinstance(value, bool):
        return ("Ya" if value else "Tidak"), None
    if isinstance(value, float):
        if key in ("nip", "atasan_nip") and value >= 1e15:
            return "", _(
                "NIP tersimpan sebagai angka, sehingga Excel telah membulatkan digit terakhirnya. "
                "Ubah format kolom menjadi Teks lalu ketik ulang NIP-nya."
            )
        if value.is_integer():
            return str(int(value)), None
    text = exports.uncell_text(str(value))
    if len(text) > MAX_CELL:
        return text[:MAX_CELL], _(
            "Isian terlalu panjang (lebih dari %(max)d karakter).", max=MAX_CELL
        )
    return text.strip(), None


def _is_blank(values: Iterable) -> bool:
    return all(v is None or str(v).strip() == "" for v in values)


def _rows(lines: Iterator[list], max_rows: int) -> tuple[list[SheetRow], list[Issue]]:
    header, number = None, 0
    for number, values in enumerate(lines, start=1):  # noqa: B007
        if not _is_blank(values):
            header = list(values)
            break
    if header is None:
        raise FileRefused(_("Berkas tidak berisi baris judul kolom maupun data."))
    header_row = number
    keys, warnings = _header_keys(header, header_row)
    rows: list[SheetRow] = []
    for number, values in enumerate(lines, start=header_row + 1):
        if _is_blank(values):
            if number > header_row + max_rows + BLANK_ROW_SLACK:
                break
            continue
        if len(rows) >= max_rows:
            raise FileRefused(
                _(
                    "Berkas berisi lebih dari %(max)s baris data (batas satu impor). Bagi "
                    "menjadi beberapa berkas.",
                    max=thousands(max_rows),
                )
            )
        row = SheetRow(number, {})
        for position, key in keys.items():
            value = values[position] if position < len(values) else None
            text, problem = _text(value, key)
            row.cells[key] = text
            if problem:
                row.issues.append(Issue(number, BY_KEY[key].header, problem))
        rows.append(row)
    if not rows:
        raise FileRefused(_("Berkas hanya berisi judul kolom; tidak ada baris data."))
    return rows, warnings


def _header_keys(header: list, row: int) -> tuple[dict[int, str], list[Issue]]:
    keys: dict[int, str] = {}
    seen: dict[str, int] = {}
    issues, warnings = [], []
    for position, value in enumerate(header):
        text = "" if value is None else str(value).strip()
        if not text:
            continue
        key = column_for(text)
        if key is None:
            warnings.append(Issue(row, text[:60], str(UNKNOWN_COLUMN)))
        elif key in seen:
            issues.append(Issue(row, text[:60], _("Kolom ini muncul dua kali.")))
        else:
            keys[position] = key
            seen[key] = position
    missing = [c for c in REQUIRED_HEADERS if column_for(c) not in seen]
    for header_name in missing:
        issues.append(Issue(row, header_name, str(REQUIRED_COLUMN_MISSING)))
    if issues:
        names = ", ".join(f"“{i.column}”" for i in issues)
        raise FileRefused(
            _(
                "Judul kolom tidak sesuai templat (%(names)s). Kolom yang diharapkan: "
                "%(expected)s.",
                names=names,
                expected=", ".join(HEADERS),
            ),
            issues,
        )
    return keys, warnings
