"""Fixed lists of the civil service: pangkat/golongan and jenis jabatan."""

from __future__ import annotations

from enum import StrEnum

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

# golongan/ruang → pangkat, as in PP 99/2000.
PANGKAT_BY_GOLONGAN: dict[str, str] = {
    "I/a": "Juru Muda",
    "I/b": "Juru Muda Tingkat I",
    "I/c": "Juru",
    "I/d": "Juru Tingkat I",
    "II/a": "Pengatur Muda",
    "II/b": "Pengatur Muda Tingkat I",
    "II/c": "Pengatur",
    "II/d": "Pengatur Tingkat I",
    "III/a": "Penata Muda",
    "III/b": "Penata Muda Tingkat I",
    "III/c": "Penata",
    "III/d": "Penata Tingkat I",
    "IV/a": "Pembina",
    "IV/b": "Pembina Tingkat I",
    "IV/c": "Pembina Utama Muda",
    "IV/d": "Pembina Utama Madya",
    "IV/e": "Pembina Utama",
}
GOLONGAN = tuple(PANGKAT_BY_GOLONGAN)


def pangkat_golongan(golongan: str) -> str:
    """``"III/a"`` → ``"Penata Muda, III/a"``, the form printed on letters."""
    return f"{PANGKAT_BY_GOLONGAN[golongan]}, {golongan}"


class JenisJabatan(StrEnum):
    """Kind of position: senior executive, administrative or functional."""

    JPT = "jpt"
    ADMINISTRASI = "administrasi"
    FUNGSIONAL = "fungsional"

    @property
    def label(self) -> LazyString:
        return {
            "jpt": _l("Jabatan Pimpinan Tinggi (JPT)"),
            "administrasi": _l("Jabatan Administrasi"),
            "fungsional": _l("Jabatan Fungsional"),
        }[self.value]
