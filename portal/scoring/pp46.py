"""Scheme A: PP 46/2011 on *penilaian prestasi kerja*, with Perka BKN 1/2013.

Every target is scored on kuantitas, kualitas, waktu and, when it has a cost target, biaya; the
mean of the targets plus *tugas tambahan* and *kreativitas* is the *nilai capaian SKP*; weighted
with the behaviour score it gives the *nilai prestasi kerja* and its predikat.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from numbers import Integral

from ._common import (
    Explained,
    Number,
    _canonical,
    _exact,
    _fmt,
    _fmt_for,
    _fmt_input,
    _not_negative,
    _positive,
)

PREDIKAT_PP46 = ("Sangat Baik", "Baik", "Cukup", "Kurang", "Buruk")
#: Perilaku kerja of PP 46/2011; kepemimpinan only for structural officials.
PERILAKU_PP46 = (
    "Orientasi Pelayanan",
    "Integritas",
    "Komitmen",
    "Disiplin",
    "Kerja Sama",
    "Kepemimpinan",
)

_TUGAS_TAMBAHAN = ((7, 3), (4, 2), (1, 1))  # (at least this many duties, points)
_KREATIVITAS = {"unit": 3, "organisasi": 6, "nasional": 12}
_KREATIVITAS_LABEL = {
    "unit": "tingkat unit kerja",
    "organisasi": "tingkat organisasi",
    "nasional": "tingkat nasional",
}
_PP46_BANDS = ((91, "Sangat Baik"), (76, "Baik"), (61, "Cukup"), (51, "Kurang"))


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
