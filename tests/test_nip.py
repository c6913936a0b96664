"""NIP: normalising, formatting and validating the 18-digit employee number."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.nip import (
    BIRTH_DATE_IMPLAUSIBLE,
    BIRTH_DATE_INVALID,
    GENDER_DIGIT_INVALID,
    TMT_BEFORE_AGE_18,
    TMT_IN_FUTURE,
    TMT_MONTH_INVALID,
    InvalidNIP,
    format_nip,
    normalise,
    parse,
)

TODAY = date(2026, 11, 28)


@pytest.mark.parametrize(
    ("text", "digits"),
    [
        ("19800512 200501 1 003", "198005122005011003"),
        ("198005122005011003", "198005122005011003"),
        ("  19800512  200501 1 003 ", "198005122005011003"),
        ("19800512\t200501\n1 003", "198005122005011003"),
        ("19800512.200501-1-003", "198005122005011003"),
        ("19991231 201801 2 999", "199912312018012999"),
    ],
)
def test_valid_nips_are_accepted_as_typed(text, digits):
    assert normalise(text) == digits
    assert parse(text, today=TODAY).digits == digits


def test_parse_decomposes_the_nip():
    nip = parse("19800512 200501 2 003", today=TODAY)
    assert nip.birth_date == date(1980, 5, 12)
    assert (nip.appointment_year, nip.appointment_month) == (2005, 1)
    assert nip.gender == "P"
    assert parse("19800512 200501 1 003", today=TODAY).gender == "L"
    assert str(nip) == "19800512 200501 2 003"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "NIP wajib diisi."),
        ("   ", "NIP wajib diisi."),
        (None, "NIP wajib diisi."),
        ("19800512 200501 1 00", "NIP harus 18 digit (yang diisi 17 digit)."),
        ("19800512 200501 1 0033", "NIP harus 18 digit (yang diisi 19 digit)."),
        ("1980", "NIP harus 18 digit (yang diisi 4 digit)."),
        ("19800512 200501 1 00A", "NIP hanya boleh berisi angka."),
        ("NIP19800512200501100", "NIP hanya boleh berisi angka."),
        ("19800512/200501/1/003", "NIP hanya boleh berisi angka."),
        # Unicode digits that str.isdigit() accepts but a NIP never contains.
        ("198005122⁰05011003", "NIP hanya boleh berisi angka."),
        ("١٩٨٠٠٥١٢٢٠٠٥٠١١٠٠٣", "NIP hanya boleh berisi angka."),
        ("19800230 200501 1 003", BIRTH_DATE_INVALID),
        ("19801312 200501 1 003", BIRTH_DATE_INVALID),
        ("19800000 200501 1 003", BIRTH_DATE_INVALID),
        ("19810229 200501 1 003", BIRTH_DATE_INVALID),
        ("18991231 192001 1 003", BIRTH_DATE_IMPLAUSIBLE),
        ("20301231 205001 1 003", BIRTH_DATE_IMPLAUSIBLE),
        ("19800512 200500 1 003", TMT_MONTH_INVALID),
        ("19800512 200513 1 003", TMT_MONTH_INVALID),
        # Appointment before the month of the 18th birthday (May 1998).
        ("19800512 199804 1 003", TMT_BEFORE_AGE_18),
        ("19800512 199001 1 003", TMT_BEFORE_AGE_18),
        # Appointment after today (November 2026).
        ("19800512 202612 1 003", TMT_IN_FUTURE),
        ("19800512 203001 1 003", TMT_IN_FUTURE),
        ("19800512 200501 0 003", GENDER_DIGIT_INVALID),
        ("19800512 200501 3 003", GENDER_DIGIT_INVALID),
        ("19800512 200501 9 003", GENDER_DIGIT_INVALID),
    ],
)
def test_invalid_nips_are_refused_with_the_reason(text, message):
    with pytest.raises(InvalidNIP) as refused:
        parse(text, today=TODAY)
    assert str(refused.value) == str(message)


@pytest.mark.parametrize(
    "text",
    [
        "19800512 199805 1 003",  # the month of the 18th birthday is the earliest
        "19800512 202611 1 003",  # the current month is the latest
        "20000229 202011 2 001",  # a real leap day
    ],
)
def test_boundaries_that_are_still_valid(text):
    assert parse(text, today=TODAY).digits == normalise(text)


def test_appointment_in_the_future_uses_todays_date_by_default():
    next_year = date.today().year + 1
    with pytest.raises(InvalidNIP, match="masa depan"):
        parse(f"19800512 {next_year}01 1 003")


@pytest.mark.parametrize(
    ("digits", "printed"),
    [
        ("198005122005011003", "19800512 200501 1 003"),
        ("12345", "12345"),  # not a NIP: returned as is
        ("19800512200501100A", "19800512200501100A"),
        ("", ""),
    ],
)
def test_format_nip(digits, printed):
    assert format_nip(digits) == printed


@st.composite
def valid_nips(draw) -> str:
    birth = draw(st.dates(min_value=date(1940, 1, 1), max_value=date(2008, 11, 28)))
    earliest = (birth.year + 18) * 12 + birth.month - 1
    latest = TODAY.year * 12 + TODAY.month - 1
    appointment = draw(st.integers(min_value=earliest, max_value=latest))
    year, month = divmod(appointment, 12)
    gender = draw(st.sampled_from("12"))
    sequence = draw(st.integers(min_value=0, max_value=999))
    return f"{birth:%Y%m%d}{year:04d}{month + 1:02d}{gender}{sequence:03d}"


@given(valid_nips())
def test_format_then_parse_gives_the_same_digits(digits):
    printed = format_nip(digits)
    assert printed != digits and len(printed) == 21
    nip = parse(printed, today=TODAY)
    assert nip.digits == digits
    assert normalise(printed) == digits
    assert str(nip) == printed
    assert nip.birth_date == date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    assert (nip.appointment_year, nip.appointment_month) == (int(digits[8:12]), int(digits[12:14]))


@given(valid_nips(), st.integers(min_value=0, max_value=17), st.characters(categories=["L"]))
def test_any_letter_in_a_valid_nip_is_refused(digits, position, letter):
    text = digits[:position] + letter + digits[position + 1 :]
    with pytest.raises(InvalidNIP, match="hanya boleh berisi angka"):
        parse(text, today=TODAY)
