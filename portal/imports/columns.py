"""The columns of an import or export file of people and units, and how cells are read.

The canonical headers are Indonesian; headers are matched case-insensitively, ignoring
spaces, dots, dashes and underscores, and a few common variants are accepted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from portal.ranks import GOLONGAN, GOLONGAN_PPPK, JenisASN, JenisJabatan


@dataclass(frozen=True)
class Column:
    key: str  # the field it fills
    header: str  # canonical header, as exported
    hint: LazyString  # what to write in it (the upload page; the templat's instructions)
    aliases: tuple[str, ...] = ()
    required: bool = True  # a file without it is refused; else its cells read as empty


COLUMNS: tuple[Column, ...] = (
    Column("nip", "NIP", _l("18 digit, boleh dengan spasi (19800512 200501 1 003).")),
    Column("name", "Nama", _l("Nama tanpa gelar. Wajib."), ("nama lengkap", "nama pegawai")),
    Column("gelar_depan", "Gelar Depan", _l("Mis. Dr., Ir. Boleh kosong.")),
    Column("gelar_belakang", "Gelar Belakang", _l("Mis. S.E., M.M. Boleh kosong.")),
    Column("jabatan", "Jabatan", _l("Nama jabatan. Wajib."), ("nama jabatan",)),
    Column(
        "jenis_jabatan",
        "Jenis Jabatan",
        _l("jpt, administrasi atau fungsional."),
    ),
    Column(
        "jenis_asn",
        "Jenis ASN",
        _l("PNS atau PPPK. Boleh kosong atau tanpa kolom ini: PNS."),
        ("jenis pegawai", "status asn", "status kepegawaian"),
        required=False,
    ),
    Column(
        "golongan",
        "Golongan",
        _l(
            "Golongan/ruang, mis. III/a (boleh ditulis “Penata Muda, III/a”); untuk PPPK "
            "golongan I sampai XVII, mis. IX."
        ),
        ("pangkat/golongan", "pangkat golongan", "golongan/ruang", "gol"),
    ),
    Column("unit_code", "Kode Unit", _l("Kode unit kerja. Wajib."), ("kode unit kerja",)),
    Column(
        "unit_name",
        "Nama Unit",
        _l("Nama unit kerja. Wajib untuk unit baru; kosong: nama tetap."),
        ("nama unit kerja", "unit kerja"),
    ),
    Column(
        "parent_code",
        "Kode Unit Induk",
        _l(
            "Kode unit di atasnya (dalam berkas atau sudah ada); kosong: tetap, atau unit "
            "teratas untuk unit baru."
        ),
        ("kode induk", "kode unit atasan"),
    ),
    Column(
        "atasan_nip",
        "NIP Atasan",
        _l(
            "NIP atasan langsung, dari berkas atau sudah terdaftar di instansi ini. Kosong "
            "hanya untuk pimpinan tertinggi."
        ),
        ("nip atasan langsung",),
    ),
    Column("email", "Email", _l("Boleh kosong."), ("e-mail", "surel")),
    Column("active", "Aktif", _l("Ya atau Tidak (kosong: Ya)."), ("status aktif",)),
)
HEADERS = tuple(c.header for c in COLUMNS)
REQUIRED_HEADERS = tuple(c.header for c in COLUMNS if c.required)
BY_KEY = {c.key: c for c in COLUMNS}
# Where each EmployeeData field's error is shown.
FIELD_COLUMN = {
    "nip": "NIP",
    "name": "Nama",
    "gelar_depan": "Gelar Depan",
    "gelar_belakang": "Gelar Belakang",
    "jabatan": "Jabatan",
    "jenis_jabatan": "Jenis Jabatan",
    "jenis_asn": "Jenis ASN",
    "golongan": "Golongan",
    "email": "Email",
}
MAX_CELL = 500
UNIT_CODE_MAX = 30
UNIT_NAME_MAX = 200


def header_key(text: str) -> str:
    return re.sub(r"[\s._\-]+", "", str(text or "").lower().lstrip("\ufeff"))


_LOOKUP = {header_key(name): c.key for c in COLUMNS for name in (c.header, *c.aliases)}


def column_for(header: str) -> str | None:
    """The field a header names, or None when it is not one of ours."""
    return _LOOKUP.get(header_key(header))


_GOLONGAN = re.compile(r"\b(IV|III|II|I)\s*/\s*([a-e])\b", re.IGNORECASE)
_GOLONGAN_SET = set(GOLONGAN)
# A PPPK golongan alone, or after "golongan", "gol." or "PPPK": "IX", "Golongan PPPK IX".
_GOLONGAN_PPPK = re.compile(r"^(?:(?:golongan|gol\.?|pppk)\s*)*([ivx]+)$", re.IGNORECASE)
_GOLONGAN_PPPK_SET = set(GOLONGAN_PPPK)


def golongan(text: str) -> str:
    """``iii/A`` or ``Penata Muda, III/a`` → ``III/a``; ``ix`` or ``Golongan IX`` → ``IX``
    (PPPK); anything else is returned as is (the shared validation names it unknown)."""
    match = _GOLONGAN.search(text)
    if match:
        value = f"{match.group(1).upper()}/{match.group(2).lower()}"
        if value in _GOLONGAN_SET:
            return value
    match = _GOLONGAN_PPPK.match(" ".join(text.split()))
    if match and match.group(1).upper() in _GOLONGAN_PPPK_SET:
        return match.group(1).upper()
    return text


def jenis_asn(text: str) -> str:
    """``PNS``/``PPPK`` in any case, or empty (a PNS); anything else is returned as is."""
    word = " ".join(text.lower().split())
    return word or JenisASN.PNS.value


def _jenis_names() -> dict[str, str]:
    names = {}
    for kind in JenisJabatan:
        label = kind.label.lower()
        names[kind.value] = kind.value
        names[label] = kind.value
        names[label.removeprefix("jabatan ")] = kind.value
        names[re.sub(r"\s*\(.*\)", "", label)] = kind.value
    names["pimpinan tinggi"] = JenisJabatan.JPT.value
    return names


_JENIS = _jenis_names()


def jenis_jabatan(text: str) -> str:
    return _JENIS.get(" ".join(text.lower().split()), text)


TRUE_WORDS = {"", "ya", "y", "aktif", "1", "true", "benar", "yes"}
FALSE_WORDS = {"tidak", "t", "n", "no", "nonaktif", "non-aktif", "tidak aktif", "0", "false"}


def active(text: str) -> bool | None:
    """``Ya``/``Tidak`` (and the usual variants) → bool; None when unreadable."""
    word = " ".join(text.lower().split())
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    return None


def yes_no(value: bool) -> str:
    return "Ya" if value else "Tidak"
