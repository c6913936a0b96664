"""What both schemes share: exact numbers, Indonesian formatting, choices and :class:`Explained`.

Private to the package apart from :class:`Explained` and ``Number``, which the package exports.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from decimal import Decimal
from enum import Enum
from fractions import Fraction
from numbers import Real
from typing import Generic, NamedTuple, TypeVar

Number = int | float | Decimal | Fraction
T = TypeVar("T")


class Explained(NamedTuple, Generic[T]):
    """A result with its explanation: unpack as ``value, steps = explain_...(...)``."""

    value: T
    steps: tuple[str, ...]


def _exact(value: object, name: str) -> Fraction:
    """The exact value of a number as typed; floats are read through their shortest repr."""
    if isinstance(value, bool) or not isinstance(value, Real | Decimal):
        raise ValueError(f"{name} harus berupa angka.")
    finite = value.is_finite() if isinstance(value, Decimal) else math.isfinite(value)
    if not finite:
        raise ValueError(f"{name} harus berupa angka yang terhingga.")
    return Fraction(float.__repr__(value)) if isinstance(value, float) else Fraction(value)


def _positive(value: object, name: str) -> Fraction:
    exact = _exact(value, name)
    if exact <= 0:
        raise ValueError(f"{name} harus lebih dari nol.")
    return exact


def _not_negative(value: object, name: str) -> Fraction:
    exact = _exact(value, name)
    if exact < 0:
        raise ValueError(f"{name} tidak boleh negatif.")
    return exact


def _indonesian(text: str) -> str:
    """Swap Python's separators for Indonesian ones: ``1,234.5`` → ``1.234,5``."""
    return text.translate(str.maketrans(",.", ".,"))


def _fmt(value: Fraction | float) -> str:
    """Two decimals, Indonesian style: ``170.395.000,00``."""
    return _indonesian(f"{float(value):,.2f}")


def _fmt_input(value: Fraction) -> str:
    """A number as typed: ``170.395.000``, ``9,12``."""
    if value.denominator == 1:
        return _indonesian(f"{value.numerator:,}")
    return _indonesian(f"{float(value):,.15g}")


def _fmt_for(value: float, classify: Callable[[float], object]) -> str:
    """Two decimals, unless rounding would cross into another band (90,9999 is not 91,00)."""
    if classify(round(value, 2)) == classify(value):
        return _fmt(value)
    return _indonesian(float.__repr__(value))


def _canonical(value: object, choices: Iterable[str], what: str) -> str:
    """The choice that ``value`` names, ignoring letter case and spacing; enums by value."""
    raw = value.value if isinstance(value, Enum) else value
    if isinstance(raw, str):
        wanted = " ".join(raw.split()).casefold()
        for choice in choices:
            if choice.casefold() == wanted:
                return choice
    raise ValueError(f"{what} tidak dikenal: {raw!r}. Pilihan: {', '.join(choices)}.")
