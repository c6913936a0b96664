"""Scheme B: PermenPANRB 6/2022 on *pengelolaan kinerja pegawai ASN*, with PermenPANRB 8/2021.

Each indicator's *capaian* feeds a suggested *rating hasil kerja*, the seven BerAKHLAK values a
suggested *rating perilaku*, and the matrix of the two ratings gives the *predikat kinerja*.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from enum import StrEnum

from ._common import (
    Explained,
    Number,
    _canonical,
    _exact,
    _fmt,
    _fmt_input,
    _not_negative,
    _positive,
)

PREDIKAT_2022 = ("Sangat Baik", "Baik", "Butuh Perbaikan", "Kurang", "Sangat Kurang")
ORGANISATION_RATINGS = ("Istimewa", "Baik", "Butuh Perbaikan", "Kurang", "Sangat Kurang")
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


def explain_capaian_rhk(
    indicators: Sequence[tuple[str, Number, Number, bool]],
) -> Explained[float]:
    """Capaian of an RHK from all its IKI: each IKI's capaian (:func:`capaian_2022`), then
    their plain mean, each IKI counting once (the portal's documented rule: PermenPANRB
    6/2022 leaves the weighing of the IKI of one RHK to the dialog kinerja, and an equal
    weight is what a plan without one agrees to). ``indicators`` holds, per IKI, its name
    for the steps, its target, its realisation and whether lower is better."""
    if not indicators:
        raise ValueError("Rencana hasil kerja tanpa IKI tidak dapat dihitung capaiannya.")
    values, steps = [], []
    for name, target, realisation, lower in indicators:
        part = explain_capaian_2022(target, realisation, lower)
        values.append(part.value)
        steps.extend(f"{name}: {step}" for step in part.steps)
    if len(values) == 1:
        return Explained(values[0], tuple(steps))
    mean = sum(values) / len(values)
    terms = " + ".join(f"{_fmt(v)}%" for v in values)
    steps.append(
        f"Capaian RHK = rata-rata capaian {len(values)} IKI = ({terms}) / {len(values)} "
        f"= {_fmt(mean)}%"
    )
    return Explained(mean, tuple(steps))


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
