"""The scoring engine: both appraisal schemes of shared/domain.md, pure and explained.

Scheme A (numeric, scored by the system) follows PP 46/2011 on *penilaian prestasi kerja* with
its implementing rule Perka BKN 1/2013: every target is scored on kuantitas, kualitas, waktu
and, when it has a cost target, biaya; the mean of the targets plus *tugas tambahan* and
*kreativitas* is the *nilai capaian SKP*; weighted with the behaviour score it gives the *nilai
prestasi kerja* and its predikat.

Scheme B (ratings) follows PermenPANRB 6/2022 on *pengelolaan kinerja pegawai ASN*, with the
capaian formulas of PermenPANRB 8/2021: each indicator's *capaian* feeds a suggested *rating
hasil kerja*, the seven BerAKHLAK values a suggested *rating perilaku*, and the matrix of the two
ratings gives the *predikat kinerja*. The organisation's own rating limits the spread of its
employees' predikat; :func:`distribution_warnings` reports breaches without blocking anything.

Conventions:

* No Flask, no database, nothing from the rest of ``portal``: screens, PDF letters, the CLI and
  outside tools call the same functions.
* Returned numbers are unrounded floats. Arithmetic runs on exact fractions of the numbers as
  typed (``9.12`` is 912/100, not the nearest binary float), so a boundary such as an efficiency
  of exactly 24 % takes the branch the regulation names instead of the one float noise picks.
* Every result has an explanation: ``steps``, the formulas with the numbers put in, formatted the
  Indonesian way (``170.395.000``, ``85,50``), ready for screens and letters. The ``explain_*``
  functions return an :class:`Explained` ``(value, steps)``; the plain functions return the value.
* Bad input raises ``ValueError`` with an Indonesian message fit to show to the user.

The package: :mod:`.pp46` (scheme A), :mod:`.b2022` (scheme B), :mod:`.distribution` (the
spread rules of scheme B), :mod:`.periodic` (the periodic ratings in the annual
suggestion); ``from portal import scoring`` gives every public name.
"""

from ._common import Explained, Number
from .b2022 import (
    BERAKHLAK,
    CAPAIAN_ABOVE,
    CAPAIAN_BELOW,
    ORGANISATION_RATINGS,
    PREDIKAT_2022,
    UNIT_HEAD_RATING,
    Rating,
    capaian_2022,
    explain_capaian_2022,
    explain_capaian_rhk,
    explain_perilaku_2022,
    explain_predikat_2022,
    explain_rating_hasil_kerja,
    explain_unit_head_rating,
    perilaku_2022,
    predikat_2022,
    suggest_rating_hasil_kerja,
    unit_head_rating,
)
from .distribution import distribution_warnings
from .periodic import explain_with_periodic, with_periodic
from .pp46 import (
    PERILAKU_PP46,
    PREDIKAT_PP46,
    TargetScore,
    explain_pp46_prestasi_kerja,
    explain_pp46_skp_score,
    pp46_perilaku_score,
    pp46_predikat,
    pp46_prestasi_kerja,
    pp46_skp_score,
    pp46_target_score,
)

__all__ = [
    "BERAKHLAK",
    "CAPAIAN_ABOVE",
    "CAPAIAN_BELOW",
    "ORGANISATION_RATINGS",
    "PERILAKU_PP46",
    "PREDIKAT_2022",
    "PREDIKAT_PP46",
    "UNIT_HEAD_RATING",
    "Explained",
    "Number",
    "Rating",
    "TargetScore",
    "capaian_2022",
    "distribution_warnings",
    "explain_capaian_2022",
    "explain_capaian_rhk",
    "explain_perilaku_2022",
    "explain_pp46_prestasi_kerja",
    "explain_pp46_skp_score",
    "explain_predikat_2022",
    "explain_rating_hasil_kerja",
    "explain_unit_head_rating",
    "explain_with_periodic",
    "perilaku_2022",
    "pp46_perilaku_score",
    "pp46_predikat",
    "pp46_prestasi_kerja",
    "pp46_skp_score",
    "pp46_target_score",
    "predikat_2022",
    "suggest_rating_hasil_kerja",
    "unit_head_rating",
    "with_periodic",
]
