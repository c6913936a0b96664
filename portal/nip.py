"""NIP (*Nomor Induk Pegawai*): the 18-digit employee number of a PNS.

Layout: ``YYYYMMDD`` birth date, ``YYYYMM`` appointment (TMT CPNS), one gender digit
(1 male, 2 female) and a three-digit sequence. Printed as ``19800512 200501 1 003``.
Pure functions, no database; messages are in the user's language (Flask-Babel).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

BIRTH_DATE_INVALID = _l("Delapan digit pertama NIP bukan tanggal lahir yang sah.")
BIRTH_DATE_IMPLAUSIBLE = _l("Tanggal lahir dalam NIP tidak masuk akal.")
TMT_MONTH_INVALID = _l("Bulan TMT CPNS dalam NIP (digit 13–14) harus 01–12.")
TMT_BEFORE_AGE_18 = _l("TMT CPNS dalam NIP harus setelah pegawai berusia 18 tahun.")
TMT_IN_FUTURE = _l("TMT CPNS dalam NIP tidak boleh di masa depan.")
GENDER_DIGIT_INVALID = _l("Digit ke-15 NIP (jenis kelamin) harus 1 atau 2.")

_NON_DIGITS_ALLOWED = re.compile(r"[\s.\-]")


class InvalidNIP(ValueError):
    """The text is not a valid NIP; ``str(exc)`` is the message, in the user's language."""


@dataclass(frozen=True)
class NIP:
    digits: str
    birth_date: date
    appointment_year: int
    appointment_month: int
    gender: str  # "L" (laki-laki) or "P" (perempuan)

    def __str__(self) -> str:
        return format_nip(self.digits)


def normalise(text: str) -> str:
    """Drop the spaces (and dots or dashes) people type when copying a printed NIP."""
    return _NON_DIGITS_ALLOWED.sub("", text or "")


def format_nip(digits: str) -> str:
    """``198005122005011003`` → ``19800512 200501 1 003``; other text is returned as is."""
    if len(digits) != 18 or not digits.isdigit():
        return digits
    return f"{digits[:8]} {digits[8:14]} {digits[14]} {digits[15:]}"


def parse(text: str, today: date | None = None) -> NIP:
    """Validate and decompose a NIP, raising :class:`InvalidNIP` with the reason."""
    digits = normalise(text)
    if not digits:
        raise InvalidNIP(_("NIP wajib diisi."))
    # ASCII digits only: str.isdigit() also accepts "²" and Arabic-Indic digits.
    if not (digits.isascii() and digits.isdigit()):
        raise InvalidNIP(_("NIP hanya boleh berisi angka."))
    if len(digits) != 18:
        raise InvalidNIP(_("NIP harus 18 digit (yang diisi %(count)s digit).", count=len(digits)))
    today = today or date.today()
    try:
        birth = date(int(digits[0:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        raise InvalidNIP(str(BIRTH_DATE_INVALID)) from None
    if birth.year < 1900 or birth > today:
        raise InvalidNIP(str(BIRTH_DATE_IMPLAUSIBLE))
    year, month = int(digits[8:12]), int(digits[12:14])
    if not 1 <= month <= 12:
        raise InvalidNIP(str(TMT_MONTH_INVALID))
    # Appointment month must come after the 18th birthday's month.
    if (year, month) < (birth.year + 18, birth.month):
        raise InvalidNIP(str(TMT_BEFORE_AGE_18))
    if (year, month) > (today.year, today.month):
        raise InvalidNIP(str(TMT_IN_FUTURE))
    if digits[14] not in "12":
        raise InvalidNIP(str(GENDER_DIGIT_INVALID))
    return NIP(
        digits=digits,
        birth_date=birth,
        appointment_year=year,
        appointment_month=month,
        gender="L" if digits[14] == "1" else "P",
    )
