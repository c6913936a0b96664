"""Fixed lists of the civil service: jenis ASN, pangkat/golongan and jenis jabatan."""

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
# PPPK grades (Perpres 98/2020, PermenPANRB): golongan I … XVII, with no pangkat.
GOLONGAN_PPPK = (
    "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX",
    "X", "XI", "XII", "XIII", "XIV", "XV", "XVI", "XVII",
)  # fmt: skip


class JenisASN(StrEnum):
    """*Jenis ASN*: a PNS (civil servant, pangkat and golongan/ruang) or a PPPK
    (contract civil servant, golongan I–XVII only). Same performance process."""

    PNS = "pns"
    PPPK = "pppk"

    @property
    def label(self) -> str:
        """The abbreviation, as forms and documents print it in either language."""
        return self.value.upper()

    @property
    def golongan(self) -> tuple[str, ...]:
        """The grades this kind of ASN may hold."""
        return GOLONGAN_PPPK if self is JenisASN.PPPK else GOLONGAN


ALL_GOLONGAN = frozenset(GOLONGAN) | frozenset(GOLONGAN_PPPK)


def pangkat_golongan(golongan: str) -> str:
    """``"III/a"`` → ``"Penata Muda, III/a"``, the form printed on letters; a PPPK's
    ``"IX"`` → ``"Golongan PPPK IX"`` (a PPPK has no pangkat)."""
    if golongan in GOLONGAN_PPPK:
        return f"Golongan PPPK {golongan}"
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
