"""Evidence files (bukti dukung): checked by content, stored outside ``static/``.

Accepted: PDF (without JavaScript, launch actions or embedded files), JPEG and PNG
(decoded by Pillow, so an SVG or HTML page renamed ``.png`` is refused). Files are
stored under generated names; the original name is kept only for display.

A photo gets a small JPEG thumbnail beside it (``<name>.thumb.jpg``, at most
``THUMB_SIZE`` pixels a side, turned upright by its EXIF orientation), made on upload so
that the verification queue can show it on a phone without downloading the original.
An older photo without one gets it the first time it is shown (a cache of the stored
file, not a change of any record).
"""

from __future__ import annotations

import hashlib
import io
import re
import secrets
import zlib
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError
from werkzeug.datastructures import FileStorage

from portal.errors import InvalidInput

PDF_MAGIC = b"%PDF-"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
JPEG_MAGIC = b"\xff\xd8\xff"
# PDF features that run code or carry payloads; refused wherever they appear.
PDF_ACTIVE = re.compile(rb"/(JavaScript|JS|Launch|EmbeddedFiles?|RichMedia|XFA)\b")
PDF_ACTIVE_LONG = re.compile(rb"/(JavaScript|Launch|EmbeddedFiles?|RichMedia)\b")
# ``/J#61vaScript`` is ``/JavaScript``: names are compared after decoding ``#xx`` escapes.
PDF_NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
# Dictionaries may sit compressed inside object streams (PDF 1.5+, what office suites
# write), so Flate streams are inflated and scanned too, within a bound against zip bombs.
PDF_STREAM_START = re.compile(rb"(?<!end)stream\r?\n")
PDF_INFLATE_MAX = 256 * 1024 * 1024
SAFE_NAME = re.compile(r"[^A-Za-z0-9._ ()\-]+")


@dataclass(frozen=True)
class CheckedFile:
    original_name: str
    content_type: str
    extension: str
    data: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def _limit_bytes() -> int:
    return current_app.config.get("PORTAL_MAX_UPLOAD_MB", 5) * 1024 * 1024


def check_name(name: str) -> str:
    """Refuse names with NUL bytes or path parts; return a safe display name."""
    if "\x00" in name or "/" in name or "\\" in name or ".." in name:
        raise InvalidInput(
            _("Nama berkas “%(name)s” tidak sah.", name=SAFE_NAME.sub("_", name)), field="files"
        )
    cleaned = SAFE_NAME.sub("_", name).strip() or "berkas"
    return cleaned[-120:]


def sniff(data: bytes) -> tuple[str, str] | None:
    """The (content type, extension) the bytes really are, among those we accept."""
    if data.startswith(PDF_MAGIC):
        return "application/pdf", "pdf"
    if data.startswith(PNG_MAGIC):
        return "image/png", "png"
    if data.startswith(JPEG_MAGIC):
        return "image/jpeg", "jpg"
    return None


def check(upload: FileStorage) -> CheckedFile:
    """Validate one uploaded file by its content; raise :class:`InvalidInput` if refused."""
    name = check_name(upload.filename or "")
    limit = _limit_bytes()
    data = upload.stream.read(limit + 1)
    if not data:
        raise InvalidInput(_("Berkas “%(name)s” kosong.", name=name), field="files")
    if len(data) > limit:
        raise InvalidInput(
            _(
                "Berkas “%(name)s” melebihi batas %(limit)s MB.",
                name=name,
                limit=limit // (1024 * 1024),
            ),
            field="files",
        )
    kind = sniff(data)
    if kind is None:
        raise InvalidInput(
            _(
                "Berkas “%(name)s” bukan PDF, JPEG atau PNG (isinya diperiksa, bukan namanya).",
                name=name,
            ),
            field="files",
        )
    content_type, extension = kind
    if content_type == "application/pdf":
        if _pdf_active(data):
            raise InvalidInput(
                _(
                    "PDF “%(name)s” memuat JavaScript, aksi otomatis atau berkas sisipan; "
                    "simpan ulang sebagai PDF biasa.",
                    name=name,
                ),
                field="files",
            )
        if b"%%EOF" not in data[-2048:]:
            raise InvalidInput(
                _("PDF “%(name)s” rusak atau tidak lengkap.", name=name), field="files"
            )
    else:
        try:
            with Image.open(io.BytesIO(data)) as image:
                image.verify()
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
            raise InvalidInput(
                _("Gambar “%(name)s” rusak atau tidak dapat dibaca.", name=name), field="files"
            ) from None
    return CheckedFile(name, content_type, extension, data)


def _decode_names(data: bytes) -> bytes:
    return PDF_NAME_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), data)


def _pdf_active(data: bytes) -> bool:
    """Whether the PDF carries JavaScript, launch actions or embedded files, in its plain
    text or inside a Flate stream; an object stream we cannot read is refused too.

    The short names (``/JS``, ``/XFA``) are looked for only in dictionaries (outside
    streams, and in object streams): a few bytes turn up by chance in megabytes of
    compressed or raster data, and a ``/JS`` does nothing without the ``/S /JavaScript``
    that the long names catch everywhere.
    """
    if PDF_ACTIVE_LONG.search(_decode_names(data)):
        return True
    outside, position, budget = [], 0, PDF_INFLATE_MAX
    while match := PDF_STREAM_START.search(data, position):
        header = data[position : match.start()]
        outside.append(header)
        end = data.find(b"endstream", match.end())
        end = len(data) if end == -1 else end
        position = end
        object_stream = b"/ObjStm" in _decode_names(header[-4096:])
        try:
            inflated = zlib.decompressobj().decompress(data[match.end() : end], budget + 1)
        except zlib.error:
            if object_stream:  # images cannot hide dictionaries; an object stream can
                return True
            continue
        if len(inflated) > budget:
            return True
        budget -= len(inflated)
        pattern = PDF_ACTIVE if object_stream else PDF_ACTIVE_LONG
        if pattern.search(_decode_names(inflated)):
            return True
    outside.append(data[position:])
    return PDF_ACTIVE.search(_decode_names(b"".join(outside))) is not None


def storage_root() -> Path:
    return Path(current_app.config["UPLOAD_FOLDER"])


THUMB_SIZE = (320, 320)
IMAGE_TYPES = ("image/png", "image/jpeg")


def store(checked: CheckedFile) -> str:
    """Write the file under a fresh random name (and a photo's thumbnail beside it);
    return that name."""
    stored = f"{secrets.token_hex(16)}.{checked.extension}"
    root = storage_root()
    root.mkdir(parents=True, exist_ok=True)
    path = root / stored
    with open(path, "xb") as handle:
        handle.write(checked.data)
    if checked.content_type in IMAGE_TYPES:
        make_thumbnail(checked.data, thumbnail_path_of(stored))
    return stored


def path_of(stored_name: str) -> Path:
    if not re.fullmatch(r"[0-9a-f]{32}\.(pdf|png|jpg)", stored_name):
        raise ValueError("not a stored evidence name")
    return storage_root() / stored_name


def thumbnail_path_of(stored_name: str) -> Path:
    path = path_of(stored_name)
    return path.with_name(f"{path.stem}.thumb.jpg")


def make_thumbnail(data: bytes, destination: Path) -> bool:
    """Write a photo's thumbnail; False (and nothing written) when it cannot be read."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            small = ImageOps.exif_transpose(image)
            small.thumbnail(THUMB_SIZE)
            if small.mode not in ("RGB", "L"):
                small = small.convert("RGB")
            buffer = io.BytesIO()
            small.save(buffer, "JPEG", quality=80, optimize=True)
    except (OSError, ValueError, Image.DecompressionBombError):
        return False
    partial = destination.with_suffix(".part")
    partial.write_bytes(buffer.getvalue())
    partial.replace(destination)  # whole or not at all, even with two requests at once
    return True


def thumbnail_of(stored_name: str) -> Path | None:
    """The photo's thumbnail, made now if it is missing; None when there is no photo."""
    original = path_of(stored_name)
    thumb = thumbnail_path_of(stored_name)
    if thumb.exists():
        return thumb
    if not original.exists() or not make_thumbnail(original.read_bytes(), thumb):
        return None
    return thumb


def discard(stored_names: list[str]) -> None:
    """Remove files whose database rows were rolled back (and their thumbnails)."""
    for name in stored_names:
        path_of(name).unlink(missing_ok=True)
        thumbnail_path_of(name).unlink(missing_ok=True)
