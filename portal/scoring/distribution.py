"""The spread of predikat an organisation's own rating allows its employees (PermenPANRB 6/2022).

:func:`distribution_warnings` reports breaches; the portal warns and never blocks.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction

from ._common import _canonical, _fmt
from .b2022 import ORGANISATION_RATINGS, PREDIKAT_2022


@dataclass(frozen=True, slots=True)
class _Rule:
    predikats: tuple[str, ...]
    at_most: int | None = None  # percent of employees
    at_least: int | None = None  # percent of employees
    some: bool = False  # at least one employee


_DISTRIBUTION = {
    "Istimewa": (_Rule(("Sangat Baik",), at_most=70),),
    "Baik": (_Rule(("Baik",), at_most=70), _Rule(("Butuh Perbaikan", "Kurang"), some=True)),
    "Butuh Perbaikan": (
        _Rule(("Butuh Perbaikan",), at_least=60),
        _Rule(("Sangat Baik",), at_most=10),
    ),
    "Kurang": (_Rule(("Kurang",), at_least=60), _Rule(("Butuh Perbaikan",), at_least=10)),
    "Sangat Kurang": (_Rule(("Sangat Kurang",), at_least=60), _Rule(("Sangat Baik",), at_most=0)),
}


def distribution_warnings(organisation_rating: object, predikats: Iterable[object]) -> list[str]:
    """Where a unit's predikat break the spread its organisation's rating allows (6/2022).

    ===============  ==============================================================
    organisation     rule on its employees' predikat
    ===============  ==============================================================
    Istimewa         at most 70 % Sangat Baik
    Baik             at most 70 % Baik, and at least one Butuh Perbaikan or Kurang
    Butuh Perbaikan  at least 60 % Butuh Perbaikan, at most 10 % Sangat Baik
    Kurang           at least 60 % Kurang, at least 10 % Butuh Perbaikan
    Sangat Kurang    at least 60 % Sangat Kurang, no Sangat Baik
    ===============  ==============================================================

    Percentages are of the number of employees, compared exactly (7 of 10 is 70 %, allowed).
    "Kurang" does not include "Sangat Kurang". No employees, no warnings. The portal warns and
    does not block. Returns one Indonesian sentence per broken rule.

    Raises ValueError for an unknown organisation rating or predikat (any letter case is fine).
    """
    organisation = _canonical(organisation_rating, ORGANISATION_RATINGS, "Predikat organisasi")
    given = [_canonical(p, PREDIKAT_2022, "Predikat kinerja") for p in predikats]
    total = len(given)
    warnings: list[str] = []
    if not total:
        return warnings
    counts = Counter(given)
    for rule in _DISTRIBUTION[organisation]:
        count = sum(counts[p] for p in rule.predikats)
        who = f"pegawai berpredikat {' atau '.join(rule.predikats)}"
        found = f"{count} dari {total} pegawai ({_fmt(Fraction(100 * count, total))}%)"
        prefix = f"Organisasi berpredikat {organisation}: "
        if rule.at_most == 0 and count:
            warnings.append(f"{prefix}tidak boleh ada {who}, tetapi ada {found}.")
        elif rule.at_most is not None and 100 * count > rule.at_most * total:
            warnings.append(f"{prefix}{who} paling banyak {rule.at_most}%, tetapi ada {found}.")
        elif rule.some and not count:
            warnings.append(f"{prefix}harus ada {who}, tetapi tidak ada seorang pun.")
        elif rule.at_least is not None and 100 * count < rule.at_least * total:
            warnings.append(f"{prefix}{who} paling sedikit {rule.at_least}%, tetapi hanya {found}.")
    return warnings
