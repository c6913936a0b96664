"""One export layer: the XLSX writer, the CSV writer and the download response.

Whatever people type into the portal ends up in files a spreadsheet program opens, so
both writers pass every text cell through :func:`cell_text`:

- text that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return would run
  as a formula there (``=HYPERLINK(...)`` in a name, ``+cmd|...`` in a user agent): it
  gets a leading apostrophe, which shows the text as it is and never runs it;
- characters XML 1.0 cannot carry (NUL and the other control characters) are dropped,
  so no value accepted earlier can break a workbook.

Numbers stay numeric cells (``-1`` is a value, not a formula) and dates stay dates.

The XLSX writer writes the sheet XML directly, into the zip as the rows come:
openpyxl without lxml writes some 15,000 cells a second (20,000 employees took about
20 seconds), this some 30 times faster. openpyxl still reads every upload.

:func:`download` sends every file the portal hands out (these exports, letters, stored
evidence) through Flask's ``send_file``: one place for the attachment name (with its
RFC 5987 form for a non-ASCII name), the type, and no caching of personal data.
"""

from __future__ import annotations

import csv
import io
import math
import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from xml.sax.saxutils import escape

from flask import Response, send_file, stream_with_context

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv"
PDF = "application/pdf"

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Characters XML 1.0 cannot carry at all, and lone surrogates (no UTF-8 encodes them).
ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
BOM = "\ufeff"  # lets spreadsheet programs read a CSV file as UTF-8
CSV_ROWS_PER_CHUNK = 1000


def cell_text(value: object) -> str:
    """The text of a cell, safe to open: control characters dropped, and a leading
    apostrophe when a spreadsheet program would run it as a formula."""
    text = ILLEGAL.sub("", "" if value is None else str(value))
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def uncell_text(text: str) -> str:
    """The text :func:`cell_text` protected, as it was typed: a file the portal exported
    and an admin imports again changes nothing."""
    return text[1:] if text.startswith("'") and text[1:].startswith(FORMULA_STARTS) else text


def _is_number(value: object) -> bool:
    """A finite number (NaN and infinity are no spreadsheet value: they go as text)."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return False
    return not isinstance(value, float | Decimal) or math.isfinite(value)


# --- CSV ----------------------------------------------------------------------------------


def csv_cell(value: object) -> str:
    """A number as it is; anything else as :func:`cell_text`."""
    return str(value) if _is_number(value) else cell_text(value)


def csv_chunks(
    header: Sequence[object],
    rows: Iterable[Sequence[object]],
    *,
    rows_per_chunk: int = CSV_ROWS_PER_CHUNK,
) -> Iterator[str]:
    """The CSV text: the BOM and the header first, then pieces of up to
    ``rows_per_chunk`` rows, so a long export is sent while it is read."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([csv_cell(title) for title in header])
    yield BOM + _drain(buffer)
    pending = 0
    for row in rows:
        writer.writerow([csv_cell(value) for value in row])
        pending += 1
        if pending == rows_per_chunk:
            yield _drain(buffer)
            pending = 0
    if pending:
        yield _drain(buffer)


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


# --- XLSX ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sheet:
    """One sheet: a bold header row and the rows under it (any iterable, read once).

    ``as_text`` formats every column as text (``@``), also the cells typed in later: for
    sheets filled in by hand and imported again, where Excel must neither round an
    18-digit NIP nor turn a unit code ``01`` into ``1``.
    """

    name: str
    header: Sequence[str]
    rows: Iterable[Sequence[object]]
    widths: Sequence[int] = ()
    as_text: bool = False


MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
HEADER = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
# The cell styles, by their index in cellXfs below.
GENERAL, BOLD_TEXT, TEXT, DATE = 0, 1, 2, 3
STYLES = (
    f'{HEADER}<styleSheet xmlns="{MAIN}">'
    '<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="49" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1" '
    'applyNumberFormat="1"/>'
    '<xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    "</cellXfs>"
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)
QUOTE = {'"': "&quot;"}  # for text inside an attribute
CARRIAGE_RETURN = {"\r": "&#13;"}  # XML readers turn a bare CR into a line feed
EXCEL_EPOCH = date(1899, 12, 30)  # day 0 of Excel's date serial numbers


def _column(index: int) -> str:
    name = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        name = chr(ord("A") + remainder) + name
    return name


COLUMNS = [_column(i) for i in range(64)]


def _cell(ref: str, value: object, text_style: int) -> str:
    """One ``<c>`` element; ``None`` is no cell at all (an empty text is an empty text
    cell, so a row of them still reads back as a row)."""
    if value is None:
        return ""
    if _is_number(value):
        return f'<c r="{ref}"><v>{value}</v></c>'
    if isinstance(value, date) and not isinstance(value, datetime):
        return f'<c r="{ref}" s="{DATE}"><v>{(value - EXCEL_EPOCH).days}</v></c>'
    text = cell_text(value)
    space = ' xml:space="preserve"' if text != text.strip() else ""
    text = escape(text, CARRIAGE_RETURN)
    return f'<c r="{ref}" t="inlineStr" s="{text_style}"><is><t{space}>{text}</t></is></c>'


def _row(number: int, values: Sequence[object], text_style: int) -> str:
    cells = "".join(
        _cell(f"{COLUMNS[i] if i < len(COLUMNS) else _column(i)}{number}", value, text_style)
        for i, value in enumerate(values)
    )
    return f'<row r="{number}">{cells}</row>'


def _write_sheet(handle, sheet: Sheet) -> None:
    column_style = f' style="{TEXT}"' if sheet.as_text else ""
    cols = "".join(
        f'<col min="{i}" max="{i}" width="{w}" customWidth="1"{column_style}/>'
        for i, w in enumerate(sheet.widths, start=1)
    )
    handle.write(
        f'{HEADER}<worksheet xmlns="{MAIN}"><sheetViews><sheetView workbookViewId="0">'
        '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
        f"</sheetView></sheetViews>{f'<cols>{cols}</cols>' if cols else ''}<sheetData>".encode()
    )
    handle.write(_row(1, sheet.header, BOLD_TEXT).encode())
    batch = []
    for number, values in enumerate(sheet.rows, start=2):
        batch.append(_row(number, values, TEXT))
        if len(batch) == 500:
            handle.write("".join(batch).encode())
            batch = []
    handle.write(("".join(batch) + "</sheetData></worksheet>").encode())


def sheet_name(name: str) -> str:
    """A name Excel accepts for a sheet: at most 31 characters, none of ``[]:*?/\\``."""
    return re.sub(r"[\[\]:*?/\\]", " ", ILLEGAL.sub("", name))[:31]


def workbook(sheets: Sequence[Sheet]) -> bytes:
    """The bytes of a workbook of these sheets, in this order."""
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as archive:
        overrides = "".join(
            f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{SHEET_TYPE}"/>'
            for i in range(1, len(sheets) + 1)
        )
        archive.writestr(
            "[Content_Types].xml",
            f'{HEADER}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/styles.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            f"{overrides}</Types>",
        )
        archive.writestr(
            "_rels/.rels",
            f'{HEADER}<Relationships xmlns="{PACKAGE_REL}"><Relationship Id="rId1" '
            f'Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        entries = "".join(
            f'<sheet name="{escape(sheet_name(sheet.name), QUOTE)}" sheetId="{i}" r:id="rId{i}"/>'
            for i, sheet in enumerate(sheets, start=1)
        )
        archive.writestr(
            "xl/workbook.xml",
            f'{HEADER}<workbook xmlns="{MAIN}" xmlns:r="{REL}"><sheets>{entries}</sheets>'
            "</workbook>",
        )
        links = "".join(
            f'<Relationship Id="rId{i}" Type="{REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
            for i in range(1, len(sheets) + 1)
        )
        archive.writestr(
            "xl/_rels/workbook.xml.rels",
            f'{HEADER}<Relationships xmlns="{PACKAGE_REL}">{links}<Relationship '
            f'Id="rId{len(sheets) + 1}" Type="{REL}/styles" Target="styles.xml"/></Relationships>',
        )
        archive.writestr("xl/styles.xml", STYLES)
        for i, sheet in enumerate(sheets, start=1):
            with archive.open(f"xl/worksheets/sheet{i}.xml", "w") as handle:
                _write_sheet(handle, sheet)
    return output.getvalue()


# --- Downloads ----------------------------------------------------------------------------


class _ChunkReader(io.RawIOBase):
    """A binary file over text or byte chunks, read as they come (for ``send_file``)."""

    def __init__(self, chunks: Iterator[str | bytes]) -> None:
        self._chunks = chunks
        self._pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while not self._pending:
            chunk = next(self._chunks, None)
            if chunk is None:
                return 0
            self._pending = chunk.encode() if isinstance(chunk, str) else chunk
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size

    def close(self) -> None:
        close = getattr(self._chunks, "close", None)
        if close is not None:
            close()
        super().close()


def download(
    content: bytes | Path | Iterator[str | bytes], name: str, mimetype: str, *, inline=False
) -> Response:
    """The response that hands out a file as an attachment named ``name`` (``inline``:
    shown in the browser, a PDF in its viewer, still named ``name`` when saved).

    ``content`` is the file's bytes, a stored file's path (sent with its ETag and range
    support), or an iterator of chunks, sent as they are produced, with the request
    context kept for them (an export that reads the database as it goes). Nothing is
    cached on the way: these files carry personal data.
    """
    if isinstance(content, bytes):
        response = send_file(io.BytesIO(content), mimetype, as_attachment=True, download_name=name)
    elif isinstance(content, Path):
        response = send_file(content, mimetype, as_attachment=not inline, download_name=name)
    else:
        response = send_file(
            _ChunkReader(stream_with_context(content)),
            mimetype,
            as_attachment=True,
            download_name=name,
            conditional=False,
        )
    response.headers["Cache-Control"] = "private, no-store"
    return response
