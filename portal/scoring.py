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
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum, StrEnum
from fractions import Fraction
from numbers import Integral, Real
from typing import Generic, NamedTuple, TypeVar

Number = int | float | Decimal | Fraction
T = TypeVar("T")

PREDIKAT_PP46 = ("Sangat Baik", "Baik", "Cukup", "Kurang", "Buruk")
PREDIKAT_2022 = ("Sangat Baik", "Baik", "Butuh Perbaikan", "Kurang", "Sangat Kurang")
ORGANISATION_RATINGS = ("Istimewa", "Baik", "Butuh Perbaikan", "Kurang", "Sangat Kurang")
#: Perilaku kerja of PP 46/2011; kepemimpinan only for structural officials.
PERILAKU_PP46 = (
    "Orientasi Pelayanan",
    "Integritas",
    "Komitmen",
    "Disiplin",
    "Kerja Sama",
    "Kepemimpinan",
)
#: The core values of the ASN (BerAKHLAK), each rated in scheme B.
BERAKHLAK = (
    "Berorientasi Pelayanan",
    "Akuntabel",
    "Kompeten",
    "Harmonis",
    "Loyal",
    "Adaptif",
    "Kolaboratif",
)
#: Default thresholds of the rating hasil kerja suggestion, per period *configurable*.
CAPAIAN_ABOVE = 101
CAPAIAN_BELOW = 80

_TUGAS_TAMBAHAN = ((7, 3), (4, 2), (1, 1))  # (at least this many duties, points)
_KREATIVITAS = {"unit": 3, "organisasi": 6, "nasional": 12}
_KREATIVITAS_LABEL = {
    "unit": "tingkat unit kerja",
    "organisasi": "tingkat organisasi",
    "nasional": "tingkat nasional",
}
_PP46_BANDS = ((91, "Sangat Baik"), (76, "Baik"), (61, "Cukup"), (51, "Kurang"))


class Explained(NamedTuple, Generic[T]):
    """A result with its explanation: unpack as ``value, steps = explain_...(...)``."""

    value: T
    steps: tuple[str, ...]


# --- numbers and words -------------------------------------------------------------------


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


# --- scheme A: PP 46/2011, Perka BKN 1/2013 ----------------------------------------------


@dataclass(frozen=True, slots=True)
class TargetScore:
    """The nilai capaian of one SKP target (activity) and the way to it.

    Aspect scores (``kuantitas``, ``kualitas``, ``waktu``, ``biaya``), their sum
    ``perhitungan`` and ``nilai`` (perhitungan ÷ 4, or ÷ 3 without cost) are unrounded.
    ``efisiensi_waktu`` and ``efisiensi_biaya`` are the saving in percent that picked the
    branch of the waktu and biaya formulas. ``biaya`` and ``efisiensi_biaya`` are None when the
    target has no cost.
    """

    kuantitas: float
    kualitas: float
    waktu: float
    biaya: float | None
    perhitungan: float
    nilai: float
    efisiensi_waktu: float
    efisiensi_biaya: float | None
    steps: tuple[str, ...]

    @property
    def predikat(self) -> str:
        return pp46_predikat(self.nilai)


def _ratio_step(aspect: str, symbol: str, real: Fraction, target: Fraction) -> str:
    r, t = _fmt_input(real), _fmt_input(target)
    return f"{aspect} = R{symbol} / T{symbol} × 100 = {r} / {t} × 100 = {_fmt(real / target * 100)}"


def _efficiency_score(
    aspect: str, symbol: str, target: Fraction, real: Fraction
) -> tuple[Fraction, Fraction, list[str]]:
    """Waktu or biaya: ``e = 100 - R/T × 100``; e ≤ 24 rewards, e > 24 penalises the saving."""
    t, r = _fmt_input(target), _fmt_input(real)
    efficiency = 100 - real / target * 100
    base = (Fraction(176, 100) * target - real) / target * 100
    shown = _fmt_for(float(efficiency), lambda e: e <= 24)
    steps = [
        f"Efisiensi {aspect} = 100 - (R{symbol} / T{symbol} × 100) = 100 - ({r} / {t} × 100)"
        f" = {shown}%"
    ]
    if efficiency <= 24:
        score = base
        steps.append(
            f"Efisiensi {shown}% ≤ 24%, maka {aspect.capitalize()} = "
            f"((1,76 × T{symbol} - R{symbol}) / T{symbol}) × 100 = "
            f"((1,76 × {t} - {r}) / {t}) × 100 = {_fmt(score)}"
        )
    else:
        score = 76 - (base - 100)
        steps.append(
            f"Efisiensi {shown}% > 24%, maka {aspect.capitalize()} = "
            f"76 - ((((1,76 × T{symbol} - R{symbol}) / T{symbol}) × 100) - 100) = "
            f"76 - ((((1,76 × {t} - {r}) / {t}) × 100) - 100) = {_fmt(score)}"
        )
    return efficiency, score, steps


def pp46_target_score(
    target_qty: Number,
    real_qty: Number,
    target_quality: Number,
    real_quality: Number,
    target_months: Number,
    real_months: Number,
    target_cost: Number | None = None,
    real_cost: Number | None = None,
) -> TargetScore:
    """Score one target on its four aspects (Perka BKN 1/2013, lampiran II).

    T = target, R = realisation; O output (kuantitas), K kualitas, W waktu in months, B biaya:

    * Kuantitas ``K = RO / TO × 100``; Kualitas ``Q = RK / TK × 100``.
    * Waktu: efficiency ``e = 100 - (RW / TW × 100)``; if ``e ≤ 24``:
      ``W = ((1,76 × TW - RW) / TW) × 100``; if ``e > 24``:
      ``W = 76 - ((((1,76 × TW - RW) / TW) × 100) - 100)``. RW = 76 % of TW scores exactly 100;
      more saving is penalised.
    * Biaya, only with a cost target: the same two branches on TB and RB.
    * Perhitungan = the sum of the aspects; nilai = perhitungan ÷ 4, or ÷ 3 without cost.

    The formulas are applied exactly, without caps or floors: K and Q may pass 100, and an
    overrun beyond 176 % of the target time or cost gives a negative W or B. A realisation of
    0 is allowed, being no negative: K or Q becomes 0, and RW = 0 or RB = 0 means a saving of
    100 %, which the second branch scores 0. Only targets divide, and they must be positive.

    Raises ValueError for a target ≤ 0, a negative realisation, a non-number, or a cost given
    on one side only.
    """
    to, tk, tw = (
        _positive(target_qty, "Target kuantitas"),
        _positive(target_quality, "Target kualitas"),
        _positive(target_months, "Target waktu"),
    )
    ro, rk, rw = (
        _not_negative(real_qty, "Realisasi kuantitas"),
        _not_negative(real_quality, "Realisasi kualitas"),
        _not_negative(real_months, "Realisasi waktu"),
    )
    if (target_cost is None) != (real_cost is None):
        raise ValueError(
            "Target biaya dan realisasi biaya harus diisi keduanya atau tidak sama sekali."
        )
    kuantitas, kualitas = ro / to * 100, rk / tk * 100
    steps = [_ratio_step("Kuantitas", "O", ro, to), _ratio_step("Kualitas", "K", rk, tk)]
    efisiensi_waktu, waktu, waktu_steps = _efficiency_score("waktu", "W", tw, rw)
    steps += waktu_steps
    aspects = [kuantitas, kualitas, waktu]
    biaya = efisiensi_biaya = None
    if target_cost is not None:
        tb = _positive(target_cost, "Target biaya")
        rb = _not_negative(real_cost, "Realisasi biaya")
        efisiensi_biaya, biaya, biaya_steps = _efficiency_score("biaya", "B", tb, rb)
        steps += biaya_steps
        aspects.append(biaya)
    perhitungan = sum(aspects, Fraction(0))
    nilai = perhitungan / len(aspects)
    names = " + ".join(("Kuantitas", "Kualitas", "Waktu", "Biaya")[: len(aspects)])
    steps.append(
        f"Perhitungan = {names} = {' + '.join(_fmt(a) for a in aspects)} = {_fmt(perhitungan)}"
    )
    steps.append(
        f"Nilai capaian = Perhitungan / {len(aspects)} = {_fmt(perhitungan)} / {len(aspects)}"
        f" = {_fmt_for(float(nilai), pp46_predikat)} ({pp46_predikat(float(nilai))})"
    )
    return TargetScore(
        kuantitas=float(kuantitas),
        kualitas=float(kualitas),
        waktu=float(waktu),
        biaya=None if biaya is None else float(biaya),
        perhitungan=float(perhitungan),
        nilai=float(nilai),
        efisiensi_waktu=float(efisiensi_waktu),
        efisiensi_biaya=None if efisiensi_biaya is None else float(efisiensi_biaya),
        steps=tuple(steps),
    )


def _tugas_tambahan_points(count: object) -> int:
    if isinstance(count, bool) or not isinstance(count, Integral):
        raise ValueError("Jumlah tugas tambahan harus berupa bilangan bulat.")
    if count < 0:
        raise ValueError("Jumlah tugas tambahan tidak boleh negatif.")
    return next((points for least, points in _TUGAS_TAMBAHAN if count >= least), 0)


def explain_pp46_skp_score(
    target_scores: Iterable[TargetScore | Number],
    tugas_tambahan: int = 0,
    kreativitas: str | None = None,
) -> Explained[float]:
    """Nilai capaian SKP with its steps; see :func:`pp46_skp_score`."""
    nilais = [
        _exact(s.nilai if isinstance(s, TargetScore) else s, f"Nilai capaian target {i}")
        for i, s in enumerate(target_scores, start=1)
    ]
    if not nilais:
        raise ValueError("Nilai capaian SKP membutuhkan paling sedikit satu target.")
    mean = sum(nilais, Fraction(0)) / len(nilais)
    tambahan = _tugas_tambahan_points(tugas_tambahan)
    level = None if kreativitas is None else _canonical(kreativitas, _KREATIVITAS, "Kreativitas")
    kreasi = 0 if level is None else _KREATIVITAS[level]
    total = mean + tambahan + kreasi
    level_text = "tidak ada" if level is None else _KREATIVITAS_LABEL[level]
    steps = (
        f"Rata-rata nilai capaian target = ({' + '.join(_fmt(n) for n in nilais)}) / "
        f"{len(nilais)} = {_fmt_for(float(mean), pp46_predikat)}",
        f"Tugas tambahan: {tugas_tambahan} tugas → +{tambahan}",
        f"Kreativitas: {level_text} → +{kreasi}",
        f"Nilai capaian SKP = {_fmt_for(float(mean), pp46_predikat)} + {tambahan} + {kreasi} = "
        f"{_fmt_for(float(total), pp46_predikat)} ({pp46_predikat(float(total))})",
    )
    return Explained(float(total), steps)


def pp46_skp_score(
    target_scores: Iterable[TargetScore | Number],
    tugas_tambahan: int = 0,
    kreativitas: str | None = None,
) -> float:
    """Nilai capaian SKP: the mean of the targets' nilai plus the two bonuses (PP 46/2011).

    ``target_scores`` holds :class:`TargetScore` objects or their ``nilai``, mixed as you like.
    ``tugas_tambahan`` is the number of additional duties: 0 → 0, 1–3 → +1, 4–6 → +2, 7 or
    more → +3. ``kreativitas`` is the level at which creativity was recognised: None, "unit"
    (+3), "organisasi" (+6) or "nasional" (+12), in any letter case.

    Raises ValueError for no targets, a negative or non-whole duty count, or another
    kreativitas.
    """
    return explain_pp46_skp_score(target_scores, tugas_tambahan, kreativitas).value


def _perilaku_mean(perilaku_scores: Iterable[Number]) -> tuple[list[Fraction], Fraction]:
    scores = []
    for i, score in enumerate(perilaku_scores, start=1):
        exact = _exact(score, f"Nilai perilaku {i}")
        if not 0 <= exact <= 100:
            raise ValueError(f"Nilai perilaku {i} harus antara 0 dan 100.")
        scores.append(exact)
    if not scores:
        raise ValueError("Nilai perilaku kerja membutuhkan paling sedikit satu aspek.")
    return scores, sum(scores, Fraction(0)) / len(scores)


def pp46_perilaku_score(perilaku_scores: Iterable[Number]) -> float:
    """The perilaku kerja score: the mean of the aspect scores (each 0–100, see PERILAKU_PP46)."""
    return float(_perilaku_mean(perilaku_scores)[1])


def explain_pp46_prestasi_kerja(
    skp_score: Number, perilaku_scores: Iterable[Number], weights: Sequence[Number] = (60, 40)
) -> Explained[float]:
    """Nilai prestasi kerja with its steps; see :func:`pp46_prestasi_kerja`."""
    skp = _exact(skp_score, "Nilai capaian SKP")
    if isinstance(weights, str | bytes) or len(weights) != 2:
        raise ValueError("Bobot harus berupa dua angka: SKP dan perilaku kerja.")
    w_skp = _not_negative(weights[0], "Bobot SKP")
    w_perilaku = _not_negative(weights[1], "Bobot perilaku kerja")
    if w_skp + w_perilaku != 100:
        raise ValueError("Jumlah bobot SKP dan perilaku kerja harus 100.")
    scores, perilaku = _perilaku_mean(perilaku_scores)
    total = w_skp / 100 * skp + w_perilaku / 100 * perilaku
    ws, wp = _fmt_input(w_skp), _fmt_input(w_perilaku)
    steps = (
        f"Perilaku kerja = ({' + '.join(_fmt_input(s) for s in scores)}) / {len(scores)} = "
        f"{_fmt_for(float(perilaku), pp46_predikat)} ({pp46_predikat(float(perilaku))})",
        f"Nilai prestasi kerja = {ws}% × SKP + {wp}% × perilaku = "
        f"{ws}% × {_fmt(skp)} + {wp}% × {_fmt(perilaku)} = "
        f"{_fmt_for(float(total), pp46_predikat)} ({pp46_predikat(float(total))})",
    )
    return Explained(float(total), steps)


def pp46_prestasi_kerja(
    skp_score: Number, perilaku_scores: Iterable[Number], weights: Sequence[Number] = (60, 40)
) -> float:
    """Nilai prestasi kerja = weights[0] % × nilai capaian SKP + weights[1] % × perilaku.

    The perilaku score is the mean of ``perilaku_scores``, each 0–100: usually five aspects,
    six for structural officials (kepemimpinan), but any non-empty sequence is accepted.
    ``weights`` is *configurable* per period: 60/40 under PP 46/2011, 70/30 under PP 30/2019;
    two non-negative numbers summing to 100.

    Raises ValueError for an aspect outside 0–100, no aspects, or bad weights.
    """
    return explain_pp46_prestasi_kerja(skp_score, perilaku_scores, weights).value


def pp46_predikat(score: Number) -> str:
    """The PP 46/2011 predikat of a score, for the final score and each part alike.

    ``s ≥ 91`` Sangat Baik; ``76 ≤ s < 91`` Baik; ``61 ≤ s < 76`` Cukup; ``51 ≤ s < 61``
    Kurang; ``s < 51`` Buruk. The score is taken unrounded: 90,999 is Baik.
    """
    exact = _exact(score, "Nilai")
    return next((word for least, word in _PP46_BANDS if exact >= least), "Buruk")


# --- scheme B: PermenPANRB 6/2022, PermenPANRB 8/2021 ------------------------------------


class Rating(StrEnum):
    """The three words of PermenPANRB 6/2022 for results, behaviour and each BerAKHLAK value."""

    DI_ATAS = "di atas ekspektasi"
    SESUAI = "sesuai ekspektasi"
    DI_BAWAH = "di bawah ekspektasi"

    @property
    def label(self) -> str:
        """As printed: "Di Atas Ekspektasi"."""
        return self.value.title()

    @classmethod
    def parse(cls, value: object) -> Rating:
        """A Rating from its words in any letter case and spacing, or an enum of those words."""
        return cls(_canonical(value, tuple(cls), "Rating"))


_MATRIX = {
    (Rating.DI_ATAS, Rating.DI_ATAS): "Sangat Baik",
    (Rating.DI_ATAS, Rating.SESUAI): "Baik",
    (Rating.DI_ATAS, Rating.DI_BAWAH): "Kurang",
    (Rating.SESUAI, Rating.DI_ATAS): "Baik",
    (Rating.SESUAI, Rating.SESUAI): "Baik",
    (Rating.SESUAI, Rating.DI_BAWAH): "Kurang",
    (Rating.DI_BAWAH, Rating.DI_ATAS): "Butuh Perbaikan",
    (Rating.DI_BAWAH, Rating.SESUAI): "Butuh Perbaikan",
    (Rating.DI_BAWAH, Rating.DI_BAWAH): "Sangat Kurang",
}


def explain_capaian_2022(
    target: Number, realisation: Number, lower_is_better: bool = False
) -> Explained[float]:
    """Capaian of one indicator with its steps; see :func:`capaian_2022`."""
    t = _positive(target, "Target indikator")
    r = _not_negative(realisation, "Realisasi indikator")
    ts, rs = _fmt_input(t), _fmt_input(r)
    if lower_is_better:
        value = (1 + (1 - r / t)) * 100
        formula = f"(1 + (1 - R / T)) × 100% = (1 + (1 - {rs} / {ts})) × 100%"
    else:
        value = r / t * 100
        formula = f"R / T × 100% = {rs} / {ts} × 100%"
    return Explained(float(value), (f"Capaian = {formula} = {_fmt(value)}%",))


def capaian_2022(target: Number, realisation: Number, lower_is_better: bool = False) -> float:
    """Capaian of an indicator in percent (PermenPANRB 8/2021), unrounded.

    Higher is better: ``R / T × 100``. Lower is better (costs, complaints, days taken):
    ``(1 + (1 - R / T)) × 100``, so R = 0 gives 200 and R ≥ 2 T gives 0 or less. Raises
    ValueError for a target ≤ 0 or a negative realisation.
    """
    return explain_capaian_2022(target, realisation, lower_is_better).value


def explain_predikat_2022(rating_hasil_kerja: object, rating_perilaku: object) -> Explained[str]:
    """Predikat kinerja with its steps; see :func:`predikat_2022`."""
    hasil, perilaku = Rating.parse(rating_hasil_kerja), Rating.parse(rating_perilaku)
    predikat = _MATRIX[hasil, perilaku]
    return Explained(
        predikat,
        (
            f"Rating hasil kerja: {hasil.label}",
            f"Rating perilaku kerja: {perilaku.label}",
            f"Predikat kinerja (matriks PermenPANRB 6/2022): {predikat}",
        ),
    )


def predikat_2022(rating_hasil_kerja: object, rating_perilaku: object) -> str:
    """The predikat kinerja from the matrix of PermenPANRB 6/2022.

    =================  ===============  ===============  =============
    hasil ↓ perilaku → di atas          sesuai           di bawah
    =================  ===============  ===============  =============
    di atas            Sangat Baik      Baik             Kurang
    sesuai             Baik             Baik             Kurang
    di bawah           Butuh Perbaikan  Butuh Perbaikan  Sangat Kurang
    =================  ===============  ===============  =============

    ("Kurang" is the regulation's *Kurang/Misconduct*.) Each rating is a :class:`Rating`, any
    enum whose value is one of its words, or the words in any letter case and spacing. Raises
    ValueError for anything else.
    """
    return explain_predikat_2022(rating_hasil_kerja, rating_perilaku).value


def explain_rating_hasil_kerja(
    capaians: Sequence[Number],
    utama_flags: Sequence[bool],
    above: Number = CAPAIAN_ABOVE,
    below: Number = CAPAIAN_BELOW,
) -> Explained[Rating]:
    """The suggested rating hasil kerja with its steps; see :func:`suggest_rating_hasil_kerja`."""
    high, low = _exact(above, "Ambang di atas ekspektasi"), _exact(below, "Ambang di bawah")
    if low > high:
        raise ValueError("Ambang di bawah ekspektasi tidak boleh melebihi ambang di atas.")
    if len(capaians) != len(utama_flags):
        raise ValueError("Setiap hasil kerja harus punya capaian dan penanda utama/tambahan.")
    if not capaians:
        raise ValueError("Saran rating hasil kerja membutuhkan paling sedikit satu hasil kerja.")
    steps = [
        f"Ambang: capaian ≥ {_fmt(high)}% di atas ekspektasi, < {_fmt(low)}% di bawah "
        "ekspektasi, selain itu sesuai ekspektasi"
    ]
    ratings = []
    for i, (capaian, utama) in enumerate(zip(capaians, utama_flags, strict=True), start=1):
        if not isinstance(utama, bool):
            raise ValueError(f"Penanda utama hasil kerja {i} harus True atau False.")
        value = _exact(capaian, f"Capaian hasil kerja {i}")
        rating = (
            Rating.DI_ATAS if value >= high else Rating.DI_BAWAH if value < low else Rating.SESUAI
        )
        ratings.append((rating, utama))
        kind = "utama" if utama else "tambahan"
        steps.append(f"Hasil kerja {i} ({kind}): capaian {_fmt(value)}% → {rating.value}")
    n = len(ratings)
    counts = Counter(rating for rating, _ in ratings)
    utama_below = sum(1 for rating, utama in ratings if utama and rating is Rating.DI_BAWAH)
    steps.append(
        f"Di atas ekspektasi: {counts[Rating.DI_ATAS]} dari {n}; di bawah ekspektasi: "
        f"{counts[Rating.DI_BAWAH]} dari {n}; hasil kerja utama di bawah ekspektasi: {utama_below}"
    )
    if 2 * counts[Rating.DI_ATAS] > n and utama_below == 0:
        suggestion, why = Rating.DI_ATAS, "sebagian besar di atas dan tidak ada utama di bawah"
    elif 2 * counts[Rating.DI_BAWAH] > n:
        suggestion, why = Rating.DI_BAWAH, "sebagian besar di bawah ekspektasi"
    else:
        suggestion, why = Rating.SESUAI, "tidak ada yang memenuhi syarat di atas atau di bawah"
    steps.append(f"Saran rating hasil kerja: {suggestion.label} ({why})")
    return Explained(suggestion, tuple(steps))


# The head of a unit takes the unit's own rating as their rating hasil kerja
# (PermenPANRB 6/2022): an outstanding unit is above expectations, a good one as
# expected, and any rating below "Baik" below expectations.
UNIT_HEAD_RATING = {
    "Istimewa": "di atas ekspektasi",
    "Baik": "sesuai ekspektasi",
    "Butuh Perbaikan": "di bawah ekspektasi",
    "Kurang": "di bawah ekspektasi",
    "Sangat Kurang": "di bawah ekspektasi",
}


def explain_unit_head_rating(organisation_rating: object) -> Explained[Rating]:
    """The rating hasil kerja of a unit head: the unit's rating, translated.

    ``organisation_rating`` is one of :data:`ORGANISATION_RATINGS` (any letter case).
    Raises ValueError for anything else.
    """
    organisation = _canonical(organisation_rating, ORGANISATION_RATINGS, "Predikat organisasi")
    rating = Rating.parse(UNIT_HEAD_RATING[organisation])
    step = (
        f"Pimpinan unit kerja: rating hasil kerja mengikuti predikat kinerja unit "
        f"“{organisation}” → {rating.label}"
    )
    return Explained(rating, (step,))


def unit_head_rating(organisation_rating: object) -> Rating:
    """See :func:`explain_unit_head_rating`."""
    return explain_unit_head_rating(organisation_rating).value


def suggest_rating_hasil_kerja(
    capaians: Sequence[Number],
    utama_flags: Sequence[bool],
    above: Number = CAPAIAN_ABOVE,
    below: Number = CAPAIAN_BELOW,
) -> Rating:
    """Suggest the rating hasil kerja from the capaian of each result (PermenPANRB 6/2022).

    ``capaians`` holds one capaian in percent per result (RHK), e.g. from
    :func:`capaian_2022`; for an RHK with several indicators the caller passes one figure for
    it (their mean, or the lowest, as the instansi decides). ``utama_flags`` tells for each
    result whether it is *utama* (main) or *tambahan*.

    A result is above expectations when its capaian is ≥ ``above`` (default 101 %), below when
    it is < ``below`` (default 80 %), as expected otherwise; both thresholds are per period
    *configurable* and these are only defaults. The suggestion is *di atas* when more than half
    of the results are above and no utama result is below; *di bawah* when more than half are
    below; *sesuai* otherwise. The supervisor decides; departing from this needs a reason.

    Raises ValueError for no results, lists of different lengths, a flag that is not a bool,
    or ``below`` greater than ``above``.
    """
    return explain_rating_hasil_kerja(capaians, utama_flags, above, below).value


def explain_perilaku_2022(ratings: Mapping[str, object] | Sequence[object]) -> Explained[Rating]:
    """The suggested rating perilaku with its steps; see :func:`perilaku_2022`."""
    if isinstance(ratings, Mapping):
        by_value = {_canonical(key, BERAKHLAK, "Nilai BerAKHLAK"): r for key, r in ratings.items()}
        missing = [value for value in BERAKHLAK if value not in by_value]
        if missing or len(ratings) != len(BERAKHLAK):
            raise ValueError(f"Rating perilaku belum lengkap: {', '.join(missing) or 'duplikat'}.")
        given = [by_value[value] for value in BERAKHLAK]
    elif isinstance(ratings, str | bytes) or len(ratings) != len(BERAKHLAK):
        raise ValueError("Rating perilaku harus tujuh, satu untuk setiap nilai BerAKHLAK.")
    else:
        given = list(ratings)
    parsed = [Rating.parse(rating) for rating in given]
    steps = [f"{value}: {rating.label}" for value, rating in zip(BERAKHLAK, parsed, strict=True)]
    counts = Counter(parsed)
    steps.append("Jumlah: " + "; ".join(f"{rating.value} {counts[rating]}" for rating in Rating))
    majority = next((r for r in Rating if 2 * counts[r] > len(parsed)), None)
    suggestion = majority or Rating.SESUAI
    why = "mayoritas" if majority else "tidak ada mayoritas"
    steps.append(f"Saran rating perilaku kerja: {suggestion.label} ({why})")
    return Explained(suggestion, tuple(steps))


def perilaku_2022(ratings: Mapping[str, object] | Sequence[object]) -> Rating:
    """Suggest the rating perilaku kerja from the seven BerAKHLAK ratings.

    ``ratings`` is a mapping from each value of :data:`BERAKHLAK` (any letter case) to its
    rating, or a sequence of seven ratings in the order of :data:`BERAKHLAK`; each rating as
    :meth:`Rating.parse` accepts. Rule: the rating that holds a majority (at least four of
    seven) is suggested; without a majority the suggestion is *sesuai ekspektasi*. The
    supervisor's specific expectations (*ekspektasi khusus pimpinan*) are judged by the
    supervisor, who decides. Raises ValueError for a missing, extra or unknown entry.
    """
    return explain_perilaku_2022(ratings).value


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
