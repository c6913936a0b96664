"""The scoring engine: both schemes of shared/domain.md, their boundaries and their purity.

These tests need no app and no database.
"""

from __future__ import annotations

import ast
import dataclasses
import enum
import math
import subprocess
import sys
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal import scoring
from portal.scoring import (
    BERAKHLAK,
    CAPAIAN_ABOVE,
    CAPAIAN_BELOW,
    PREDIKAT_2022,
    PREDIKAT_PP46,
    Rating,
    TargetScore,
    capaian_2022,
    distribution_warnings,
    explain_capaian_2022,
    explain_perilaku_2022,
    explain_pp46_prestasi_kerja,
    explain_pp46_skp_score,
    explain_predikat_2022,
    explain_rating_hasil_kerja,
    perilaku_2022,
    pp46_perilaku_score,
    pp46_predikat,
    pp46_prestasi_kerja,
    pp46_skp_score,
    pp46_target_score,
    predikat_2022,
    suggest_rating_hasil_kerja,
)

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "portal" / "scoring"
SOURCES = sorted(PACKAGE.glob("*.py"))

ATAS, SESUAI, BAWAH = Rating.DI_ATAS, Rating.SESUAI, Rating.DI_BAWAH


def score_time(target_months, real_months):
    """A target scored on time alone: output and quality exactly on target, no cost."""
    return pp46_target_score(1, 1, 100, 100, target_months, real_months)


def score_cost(target_cost, real_cost):
    """A target scored on cost: time exactly on target (W = 76)."""
    return pp46_target_score(1, 1, 100, 100, 12, 12, target_cost, real_cost)


# --- scheme A: one target ----------------------------------------------------------------


def test_worked_example_of_the_domain_reference():
    score = pp46_target_score(1, 1, 100, 90, 12, 12, 170_395_000, 170_395_000)

    assert (score.kuantitas, score.kualitas, score.waktu, score.biaya) == (100, 90, 76, 76)
    assert (score.efisiensi_waktu, score.efisiensi_biaya) == (0, 0)
    assert score.perhitungan == 342
    assert score.nilai == 85.5
    assert score.predikat == "Baik"
    assert score.steps == (
        "Kuantitas = RO / TO × 100 = 1 / 1 × 100 = 100,00",
        "Kualitas = RK / TK × 100 = 90 / 100 × 100 = 90,00",
        "Efisiensi waktu = 100 - (RW / TW × 100) = 100 - (12 / 12 × 100) = 0,00%",
        "Efisiensi 0,00% ≤ 24%, maka Waktu = ((1,76 × TW - RW) / TW) × 100 = "
        "((1,76 × 12 - 12) / 12) × 100 = 76,00",
        "Efisiensi biaya = 100 - (RB / TB × 100) = 100 - (170.395.000 / 170.395.000 × 100) = 0,00%",
        "Efisiensi 0,00% ≤ 24%, maka Biaya = ((1,76 × TB - RB) / TB) × 100 = "
        "((1,76 × 170.395.000 - 170.395.000) / 170.395.000) × 100 = 76,00",
        "Perhitungan = Kuantitas + Kualitas + Waktu + Biaya = "
        "100,00 + 90,00 + 76,00 + 76,00 = 342,00",
        "Nilai capaian = Perhitungan / 4 = 342,00 / 4 = 85,50 (Baik)",
    )


# (target, realisation, efficiency, expected aspect score, branch named in the steps)
EFFICIENCY_CASES = [
    pytest.param(12, 12, 0, 76, "≤ 24%", id="on-target"),
    pytest.param(12, 11, Fraction(25, 3), Fraction(253, 3), "≤ 24%", id="small-saving"),
    pytest.param(100, 76, 24, 100, "≤ 24%", id="efficiency-exactly-24"),
    pytest.param(12, Decimal("9.12"), 24, 100, "≤ 24%", id="exactly-24-decimal-input"),
    pytest.param(12, 9.12, 24, 100, "≤ 24%", id="exactly-24-float-input"),
    pytest.param(100, Decimal("75.99"), Fraction(2401, 100), Fraction(7599, 100), "> 24%",
                 id="just-above-24"),
    pytest.param(100, 75, 25, 75, "> 24%", id="above-24"),
    pytest.param(12, 6, 50, 50, "> 24%", id="half-the-time"),
    pytest.param(12, 0, 100, 0, "> 24%", id="realisation-zero"),
    pytest.param(12, 15, -25, 51, "≤ 24%", id="overrun"),
    pytest.param(10, 20, -100, -24, "≤ 24%", id="overrun-beyond-176-percent-goes-negative"),
]  # fmt: skip


@pytest.mark.parametrize(("target", "real", "efficiency", "expected", "branch"), EFFICIENCY_CASES)
def test_waktu_branches_and_boundaries(target, real, efficiency, expected, branch):
    score = score_time(target, real)

    assert score.waktu == pytest.approx(float(expected), abs=1e-12)
    assert score.efisiensi_waktu == pytest.approx(float(efficiency), abs=1e-12)
    assert branch in score.steps[3] and "maka Waktu" in score.steps[3]
    assert score.biaya is None and score.efisiensi_biaya is None


@pytest.mark.parametrize(("target", "real", "efficiency", "expected", "branch"), EFFICIENCY_CASES)
def test_biaya_branches_and_boundaries(target, real, efficiency, expected, branch):
    score = score_cost(target, real)

    assert score.biaya == pytest.approx(float(expected), abs=1e-12)
    assert score.efisiensi_biaya == pytest.approx(float(efficiency), abs=1e-12)
    assert branch in score.steps[5] and "maka Biaya" in score.steps[5]
    assert score.waktu == 76
    assert score.nilai == pytest.approx((100 + 100 + 76 + float(expected)) / 4)


def test_efficiency_exactly_24_scores_100_and_a_hair_more_drops_to_76():
    assert score_time(100, 76).waktu == 100
    assert score_time(100, Decimal("75.9999")).waktu == pytest.approx(75.9999)
    assert score_cost(1_000_000, 760_000).biaya == 100
    assert score_cost(1_000_000, 759_999).biaya == pytest.approx(75.9999)


def test_float_noise_does_not_pick_the_branch():
    # In binary floating point 100 - 9.12 / 12 * 100 is 24.000000000000014: the wrong branch.
    assert 100 - 9.12 / 12 * 100 > 24
    assert score_time(12, 9.12).waktu == 100
    assert "24,00% ≤ 24%" in score_time(12, 9.12).steps[3]


def test_an_efficiency_that_rounds_to_24_is_shown_unrounded():
    score = score_time(100, Decimal("75.996"))  # efficiency 24,004 %

    assert "24,004% > 24%" in score.steps[3]


@given(target=st.integers(min_value=1, max_value=10**9))
def test_a_realisation_of_76_percent_of_the_target_scores_exactly_100(target):
    real = Fraction(76, 100) * target

    assert score_time(target, real).waktu == 100
    assert score_cost(target, real).biaya == 100


@given(
    target=st.integers(min_value=1, max_value=10**6),
    ratio=st.fractions(min_value=0, max_value=3, max_denominator=1000),
)
def test_waktu_closed_forms_of_the_two_branches(target, ratio):
    # e ≤ 24 ⇔ RW/TW ≥ 0.76: then W = 176 - 100 r; otherwise W = 100 r.
    expected = 176 - 100 * ratio if ratio >= Fraction(76, 100) else 100 * ratio

    assert score_time(target, ratio * target).waktu == pytest.approx(float(expected), abs=1e-9)


def test_target_without_cost_is_divided_by_three():
    score = pp46_target_score(10, 8, 100, 90, 12, 12)

    assert (score.kuantitas, score.kualitas, score.waktu) == (80, 90, 76)
    assert score.biaya is None
    assert score.perhitungan == 246
    assert score.nilai == 82
    assert (
        score.steps[-2]
        == "Perhitungan = Kuantitas + Kualitas + Waktu = 80,00 + 90,00 + 76,00 = 246,00"
    )
    assert score.steps[-1] == "Nilai capaian = Perhitungan / 3 = 246,00 / 3 = 82,00 (Baik)"


def test_results_are_unrounded_floats():
    score = pp46_target_score(12, 10, 100, 100, 12, 12)

    assert isinstance(score.kuantitas, float)
    assert score.kuantitas == pytest.approx(250 / 3, abs=1e-12)
    assert score.kuantitas != round(score.kuantitas, 2)
    assert "10 / 12 × 100 = 83,33" in score.steps[0]


def test_quantity_and_quality_above_target_are_not_capped():
    score = pp46_target_score(10, 12, 100, 110, 12, 12)

    assert (score.kuantitas, score.kualitas) == (120, 110)


def test_realisations_of_zero_are_allowed():
    score = pp46_target_score(5, 0, 100, 0, 12, 0, 1000, 0)

    assert (score.kuantitas, score.kualitas, score.waktu, score.biaya) == (0, 0, 0, 0)
    assert score.nilai == 0
    assert score.predikat == "Buruk"


def test_target_score_is_frozen():
    score = score_time(12, 12)

    with pytest.raises(dataclasses.FrozenInstanceError):
        score.nilai = 100


def test_numbers_are_formatted_the_indonesian_way_in_the_steps():
    score = pp46_target_score(1500, 1250, Decimal("99.5"), 90, 12, Decimal("10.5"))

    assert score.steps[0] == "Kuantitas = RO / TO × 100 = 1.250 / 1.500 × 100 = 83,33"
    assert score.steps[1] == "Kualitas = RK / TK × 100 = 90 / 99,5 × 100 = 90,45"
    assert "(10,5 / 12 × 100) = 12,50%" in score.steps[2]


@given(
    numbers=st.lists(st.decimals(min_value=1, max_value=10**6, places=2), min_size=6, max_size=6),
    with_cost=st.booleans(),
)
def test_nilai_is_perhitungan_over_the_number_of_aspects(numbers, with_cost):
    to, ro, tk, rk, tw, rw = numbers
    cost = (to, ro) if with_cost else (None, None)
    score = pp46_target_score(to, ro, tk, rk, tw, rw, *cost)
    aspects = [score.kuantitas, score.kualitas, score.waktu] + ([score.biaya] if with_cost else [])

    # The engine sums exactly; a float sum of huge aspects that cancel out (8.79e6 −
    # 8.79e6) carries rounding error relative to the aspects, not to their sum.
    scale = max(abs(a) for a in aspects)
    assert math.isclose(score.perhitungan, sum(aspects), rel_tol=0, abs_tol=1e-9 * max(scale, 1))
    assert math.isclose(score.nilai, score.perhitungan / len(aspects), rel_tol=1e-12, abs_tol=1e-9)
    assert f"/ {len(aspects)} = " in score.steps[-1]
    assert score.steps[-1].endswith(f"({pp46_predikat(score.nilai)})")


TARGET_ARGS = {
    "target_qty": 1,
    "real_qty": 1,
    "target_quality": 100,
    "real_quality": 100,
    "target_months": 12,
    "real_months": 12,
    "target_cost": 100,
    "real_cost": 100,
}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("target_qty", 0),
        ("target_qty", -1),
        ("target_quality", 0),
        ("target_months", 0),
        ("target_months", -12),
        ("target_cost", 0),
        ("target_cost", -5),
        ("real_qty", -1),
        ("real_quality", -0.5),
        ("real_months", -1),
        ("real_cost", -100),
        ("real_qty", "1"),
        ("target_months", None),
        ("real_months", True),
        ("real_quality", float("nan")),
        ("target_qty", float("inf")),
        ("real_cost", Decimal("NaN")),
        ("target_cost", None),
        ("real_cost", None),
    ],
)
def test_target_score_rejects_bad_input(field, value):
    with pytest.raises(ValueError):
        pp46_target_score(**{**TARGET_ARGS, field: value})


# --- scheme A: SKP, behaviour, prestasi, predikat -----------------------------------------


def test_skp_score_is_the_mean_of_objects_and_numbers_mixed():
    worked = pp46_target_score(1, 1, 100, 90, 12, 12, 170_395_000, 170_395_000)

    assert pp46_skp_score([worked, 90]) == 87.75
    assert pp46_skp_score([worked]) == 85.5
    assert pp46_skp_score(iter([80, Decimal("90.5"), Fraction(181, 2)])) == pytest.approx(87)


@pytest.mark.parametrize(
    ("duties", "points"),
    [(0, 0), (1, 1), (2, 1), (3, 1), (4, 2), (5, 2), (6, 2), (7, 3), (8, 3), (100, 3)],
)
def test_tugas_tambahan_table(duties, points):
    assert pp46_skp_score([80], tugas_tambahan=duties) == 80 + points


@pytest.mark.parametrize(
    ("level", "points"),
    [
        (None, 0),
        ("unit", 3),
        ("Unit", 3),
        ("organisasi", 6),
        ("ORGANISASI", 6),
        ("nasional", 12),
        (" Nasional ", 12),
    ],
)
def test_kreativitas_table(level, points):
    assert pp46_skp_score([80], kreativitas=level) == 80 + points


def test_skp_bonuses_add_up_and_are_explained():
    value, steps = explain_pp46_skp_score([85.5, 90], tugas_tambahan=4, kreativitas="unit")

    assert value == 87.75 + 2 + 3
    assert steps == (
        "Rata-rata nilai capaian target = (85,50 + 90,00) / 2 = 87,75",
        "Tugas tambahan: 4 tugas → +2",
        "Kreativitas: tingkat unit kerja → +3",
        "Nilai capaian SKP = 87,75 + 2 + 3 = 92,75 (Sangat Baik)",
    )


@pytest.mark.parametrize(
    "kwargs",
    [
        {"target_scores": []},
        {"target_scores": [80, "90"]},
        {"target_scores": [80, None]},
        {"target_scores": [float("nan")]},
        {"target_scores": [80], "tugas_tambahan": -1},
        {"target_scores": [80], "tugas_tambahan": 1.5},
        {"target_scores": [80], "tugas_tambahan": 2.0},
        {"target_scores": [80], "tugas_tambahan": "2"},
        {"target_scores": [80], "tugas_tambahan": True},
        {"target_scores": [80], "kreativitas": "provinsi"},
        {"target_scores": [80], "kreativitas": ""},
        {"target_scores": [80], "kreativitas": 3},
    ],
)
def test_skp_score_rejects_bad_input(kwargs):
    with pytest.raises(ValueError):
        pp46_skp_score(**kwargs)


def test_prestasi_kerja_weights_skp_and_behaviour():
    assert pp46_prestasi_kerja(85.5, [80, 80, 80, 80, 80]) == pytest.approx(83.3)
    assert pp46_prestasi_kerja(85.5, [80, 80, 80, 80, 80], weights=(70, 30)) == pytest.approx(83.85)
    assert pp46_prestasi_kerja(90, [70, 80, 90, 100, 60, 80], weights=(100, 0)) == 90
    assert pp46_prestasi_kerja(90, [70, 80, 90, 100, 60, 80], weights=(0, 100)) == 80
    assert pp46_perilaku_score([70, 80, 90, 100, 60, 80]) == 80
    assert pp46_perilaku_score([Decimal("75.5")]) == 75.5


def test_prestasi_kerja_is_explained():
    value, steps = explain_pp46_prestasi_kerja(85.5, [80, 85, 90, 75, 70.5])

    assert value == pytest.approx(0.6 * 85.5 + 0.4 * 80.1)
    assert steps == (
        "Perilaku kerja = (80 + 85 + 90 + 75 + 70,5) / 5 = 80,10 (Baik)",
        "Nilai prestasi kerja = 60% × SKP + 40% × perilaku = 60% × 85,50 + 40% × 80,10"
        " = 83,34 (Baik)",
    )


@pytest.mark.parametrize(
    ("perilaku", "weights"),
    [
        ([], (60, 40)),
        ([80, 101], (60, 40)),
        ([80, -1], (60, 40)),
        ([80, "90"], (60, 40)),
        ([80], (60, 50)),
        ([80], (110, -10)),
        ([80], (60,)),
        ([80], (60, 40, 0)),
        ([80], ("60", "40")),
        ([80], "64"),
        ([80], (60, float("nan"))),
    ],
)
def test_prestasi_kerja_rejects_bad_input(perilaku, weights):
    with pytest.raises(ValueError):
        pp46_prestasi_kerja(80, perilaku, weights)


def test_prestasi_kerja_rejects_a_non_numeric_skp_score():
    with pytest.raises(ValueError):
        pp46_prestasi_kerja("85", [80])


@pytest.mark.parametrize(
    ("score", "predikat"),
    [
        (100, "Sangat Baik"),
        (91, "Sangat Baik"),
        (90.99, "Baik"),
        (90.9999, "Baik"),
        (90.999999999, "Baik"),
        (76, "Baik"),
        (75.99, "Cukup"),
        (61, "Cukup"),
        (60.99, "Kurang"),
        (51, "Kurang"),
        (50.99, "Buruk"),
        (0, "Buruk"),
        (-24, "Buruk"),
        (Decimal("91.00"), "Sangat Baik"),
        (Fraction(181, 2), "Baik"),
    ],
)
def test_pp46_predikat_boundaries(score, predikat):
    assert pp46_predikat(score) == predikat


@pytest.mark.parametrize("score", [float("nan"), "91", None, True])
def test_pp46_predikat_rejects_bad_input(score):
    with pytest.raises(ValueError):
        pp46_predikat(score)


@given(
    a=st.floats(min_value=-1000, max_value=1000, allow_nan=False),
    b=st.floats(min_value=-1000, max_value=1000, allow_nan=False),
)
def test_pp46_predikat_is_monotone_in_the_score(a, b):
    low, high = sorted((a, b))

    assert PREDIKAT_PP46.index(pp46_predikat(low)) >= PREDIKAT_PP46.index(pp46_predikat(high))


def test_a_score_that_would_round_into_the_next_band_is_shown_unrounded():
    value, steps = explain_pp46_skp_score([90.9999])

    assert pp46_predikat(value) == "Baik"
    assert steps[-1] == "Nilai capaian SKP = 90,9999 + 0 + 0 = 90,9999 (Baik)"


# --- scheme B: capaian, ratings, predikat -------------------------------------------------


@pytest.mark.parametrize(
    ("target", "real", "lower", "expected"),
    [
        (10, 8, False, 80),
        (10, 10, False, 100),
        (10, 12, False, 120),
        (10, 0, False, 0),
        (10, 8, True, 120),
        (10, 10, True, 100),
        (10, 12, True, 80),
        (10, 0, True, 200),
        (10, 20, True, 0),
        (10, 25, True, -50),
        (Decimal("2.5"), 2, True, 120),
    ],
)
def test_capaian_2022(target, real, lower, expected):
    assert capaian_2022(target, real, lower_is_better=lower) == pytest.approx(expected)


def test_capaian_2022_is_explained():
    assert explain_capaian_2022(10, 8, lower_is_better=True).steps == (
        "Capaian = (1 + (1 - R / T)) × 100% = (1 + (1 - 8 / 10)) × 100% = 120,00%",
    )
    assert explain_capaian_2022(1500, 1200).steps == (
        "Capaian = R / T × 100% = 1.200 / 1.500 × 100% = 80,00%",
    )


@pytest.mark.parametrize(
    ("target", "real"), [(0, 5), (-10, 5), (10, -1), ("10", 5), (10, None), (10, float("inf"))]
)
@pytest.mark.parametrize("lower", [False, True])
def test_capaian_2022_rejects_bad_input(target, real, lower):
    with pytest.raises(ValueError):
        capaian_2022(target, real, lower_is_better=lower)


@given(
    target=st.integers(min_value=1, max_value=10**6),
    real=st.integers(min_value=0, max_value=10**6),
    factor=st.integers(min_value=0, max_value=50),
)
def test_capaian_higher_is_better_is_linear_in_the_realisation(target, real, factor):
    assert math.isclose(
        capaian_2022(target, real * factor),
        factor * capaian_2022(target, real),
        rel_tol=1e-12,
        abs_tol=1e-9,
    )
    assert math.isclose(
        capaian_2022(target, real) + capaian_2022(target, real, lower_is_better=True),
        200,
        rel_tol=1e-12,
    )


MATRIX = [
    (ATAS, ATAS, "Sangat Baik"),
    (ATAS, SESUAI, "Baik"),
    (ATAS, BAWAH, "Kurang"),
    (SESUAI, ATAS, "Baik"),
    (SESUAI, SESUAI, "Baik"),
    (SESUAI, BAWAH, "Kurang"),
    (BAWAH, ATAS, "Butuh Perbaikan"),
    (BAWAH, SESUAI, "Butuh Perbaikan"),
    (BAWAH, BAWAH, "Sangat Kurang"),
]


@pytest.mark.parametrize(("hasil", "perilaku", "predikat"), MATRIX)
def test_predikat_2022_matrix(hasil, perilaku, predikat):
    assert predikat_2022(hasil, perilaku) == predikat
    assert predikat_2022(hasil.value, perilaku.value) == predikat
    assert predikat_2022(f"  {hasil.label.upper()}\t", perilaku.label) == predikat


class OtherEnum(enum.Enum):
    """An enum of another module whose values are the rating words."""

    ABOVE = "Di Atas Ekspektasi"
    BELOW = "di bawah ekspektasi"


def test_predikat_2022_accepts_any_enum_with_the_words():
    assert predikat_2022(OtherEnum.ABOVE, OtherEnum.ABOVE) == "Sangat Baik"
    assert predikat_2022(OtherEnum.BELOW, "SESUAI EKSPEKTASI") == "Butuh Perbaikan"


def test_predikat_2022_is_explained():
    assert explain_predikat_2022("di atas ekspektasi", "sesuai ekspektasi").steps == (
        "Rating hasil kerja: Di Atas Ekspektasi",
        "Rating perilaku kerja: Sesuai Ekspektasi",
        "Predikat kinerja (matriks PermenPANRB 6/2022): Baik",
    )


@pytest.mark.parametrize(
    "bad", ["diatas ekspektasi", "di atas", "", "Baik", None, 1, OtherEnum, enum.Enum("E", "X").X]
)
def test_predikat_2022_rejects_unknown_ratings(bad):
    with pytest.raises(ValueError):
        predikat_2022(bad, "sesuai ekspektasi")
    with pytest.raises(ValueError):
        predikat_2022("sesuai ekspektasi", bad)


def test_rating_words_and_labels():
    assert [r.value for r in Rating] == [
        "di atas ekspektasi",
        "sesuai ekspektasi",
        "di bawah ekspektasi",
    ]
    assert [r.label for r in Rating] == [
        "Di Atas Ekspektasi",
        "Sesuai Ekspektasi",
        "Di Bawah Ekspektasi",
    ]
    assert Rating.parse(" Di  Bawah\nEkspektasi ") is BAWAH
    assert Rating.parse(ATAS) is ATAS
    assert ATAS == "di atas ekspektasi"


# --- scheme B: suggestions ------------------------------------------------------------------


def test_suggestion_thresholds_are_documented_defaults():
    assert (CAPAIAN_ABOVE, CAPAIAN_BELOW) == (101, 80)
    doc = suggest_rating_hasil_kerja.__doc__
    assert "default 101 %" in doc and "default 80 %" in doc and "configurable" in doc


@pytest.mark.parametrize(
    ("capaians", "utama", "expected"),
    [
        ([120, 110, 105], [True, True, False], ATAS),
        ([120, 110, 90], [True, False, False], ATAS),
        ([120, 110, 70], [True, False, False], ATAS),
        ([120, 110, 70], [False, False, True], SESUAI),
        ([120, 90], [True, False], SESUAI),
        ([120, 70], [False, False], SESUAI),
        ([120, 110, 70, 60], [False, False, False, False], SESUAI),
        ([100, 100, 100], [True, True, True], SESUAI),
        ([70, 60, 110], [True, False, False], BAWAH),
        ([70, 60, 50], [True, True, True], BAWAH),
        ([79, 90], [False, True], SESUAI),
        ([101], [True], ATAS),
        ([100.99], [True], SESUAI),
        ([80], [True], SESUAI),
        ([79.99], [False], BAWAH),
    ],
)
def test_suggest_rating_hasil_kerja(capaians, utama, expected):
    assert suggest_rating_hasil_kerja(capaians, utama) is expected


def test_suggest_rating_hasil_kerja_with_configured_thresholds():
    assert suggest_rating_hasil_kerja([100], [True], above=100, below=100) is ATAS
    assert suggest_rating_hasil_kerja([99.9], [True], above=100, below=100) is BAWAH
    assert suggest_rating_hasil_kerja([105], [True], above=110, below=90) is SESUAI
    assert suggest_rating_hasil_kerja([85], [True], above=110, below=90) is BAWAH


def test_suggest_rating_hasil_kerja_is_explained():
    value, steps = explain_rating_hasil_kerja([120, 110, 70], [True, False, True])

    assert value is SESUAI
    assert steps[0].startswith("Ambang: capaian ≥ 101,00% di atas ekspektasi, < 80,00%")
    assert steps[1] == "Hasil kerja 1 (utama): capaian 120,00% → di atas ekspektasi"
    assert steps[3] == "Hasil kerja 3 (utama): capaian 70,00% → di bawah ekspektasi"
    assert "hasil kerja utama di bawah ekspektasi: 1" in steps[4]
    assert steps[-1].startswith("Saran rating hasil kerja: Sesuai Ekspektasi")


@pytest.mark.parametrize(
    ("capaians", "utama", "thresholds"),
    [
        ([], [], {}),
        ([100, 100], [True], {}),
        ([100], [True, False], {}),
        ([100], [1], {}),
        ([100], ["utama"], {}),
        (["100"], [True], {}),
        ([float("nan")], [True], {}),
        ([100], [True], {"above": 80, "below": 101}),
        ([100], [True], {"above": "101"}),
    ],
)
def test_suggest_rating_hasil_kerja_rejects_bad_input(capaians, utama, thresholds):
    with pytest.raises(ValueError):
        suggest_rating_hasil_kerja(capaians, utama, **thresholds)


def test_berakhlak_values():
    assert BERAKHLAK == (
        "Berorientasi Pelayanan",
        "Akuntabel",
        "Kompeten",
        "Harmonis",
        "Loyal",
        "Adaptif",
        "Kolaboratif",
    )


@pytest.mark.parametrize(
    ("ratings", "expected"),
    [
        ([ATAS] * 7, ATAS),
        ([ATAS] * 4 + [BAWAH] * 3, ATAS),
        ([BAWAH] * 4 + [ATAS] * 3, BAWAH),
        ([SESUAI] * 4 + [ATAS] * 3, SESUAI),
        ([ATAS] * 3 + [SESUAI] * 2 + [BAWAH] * 2, SESUAI),
        ([BAWAH] * 3 + [SESUAI] * 2 + [ATAS] * 2, SESUAI),
        ([ATAS] * 3 + [BAWAH] * 3 + [SESUAI], SESUAI),
        ([SESUAI] * 7, SESUAI),
    ],
)
def test_perilaku_2022_majority_else_sesuai(ratings, expected):
    assert perilaku_2022(ratings) is expected
    assert perilaku_2022([r.value.upper() for r in ratings]) is expected
    assert perilaku_2022(dict(zip(BERAKHLAK, ratings, strict=True))) is expected


def test_perilaku_2022_accepts_a_mapping_in_any_case_and_any_order():
    ratings = {value.upper(): "di bawah ekspektasi" for value in reversed(BERAKHLAK)}
    ratings["KOLABORATIF"] = OtherEnum.ABOVE

    value, steps = explain_perilaku_2022(ratings)

    assert value is BAWAH
    assert steps[0] == "Berorientasi Pelayanan: Di Bawah Ekspektasi"
    assert steps[6] == "Kolaboratif: Di Atas Ekspektasi"
    assert steps[-1] == "Saran rating perilaku kerja: Di Bawah Ekspektasi (mayoritas)"


@pytest.mark.parametrize(
    "ratings",
    [
        [SESUAI] * 6,
        [SESUAI] * 8,
        [],
        "sesuai ekspektasi",
        [SESUAI] * 6 + ["luar biasa"],
        dict(zip(BERAKHLAK[:6], [SESUAI] * 6, strict=True)),
        {**dict.fromkeys(BERAKHLAK, SESUAI), "Inovatif": SESUAI},
        {**dict.fromkeys(BERAKHLAK, SESUAI), "loyal": SESUAI},
        {**dict.fromkeys(BERAKHLAK, SESUAI), "Loyal": None},
    ],
)
def test_perilaku_2022_rejects_bad_input(ratings):
    with pytest.raises(ValueError):
        perilaku_2022(ratings)


# --- scheme B: distribution check ----------------------------------------------------------


def spread(**counts: int) -> list[str]:
    """Predikat of a unit, e.g. spread(Sangat_Baik=70, Baik=30)."""
    return [name.replace("_", " ") for name, n in counts.items() for _ in range(n)]


@pytest.mark.parametrize(
    ("organisation", "predikats"),
    [
        ("Istimewa", spread(Sangat_Baik=70, Baik=30)),
        ("Istimewa", spread(Sangat_Baik=7, Baik=3)),
        ("Istimewa", spread(Baik=1)),
        ("Baik", spread(Baik=70, Sangat_Baik=29, Butuh_Perbaikan=1)),
        ("Baik", spread(Baik=70, Sangat_Baik=29, Kurang=1)),
        ("Butuh Perbaikan", spread(Butuh_Perbaikan=60, Sangat_Baik=10, Baik=30)),
        ("Butuh Perbaikan", spread(Butuh_Perbaikan=3, Baik=2)),
        ("Kurang", spread(Kurang=60, Butuh_Perbaikan=10, Sangat_Kurang=30)),
        ("Sangat Kurang", spread(Sangat_Kurang=60, Kurang=40)),
    ],
)
def test_distribution_at_the_limits_gives_no_warning(organisation, predikats):
    assert distribution_warnings(organisation, predikats) == []


@pytest.mark.parametrize(
    ("organisation", "predikats", "expected"),
    [
        (
            "Istimewa",
            spread(Sangat_Baik=71, Baik=29),
            "Organisasi berpredikat Istimewa: pegawai berpredikat Sangat Baik paling banyak "
            "70%, tetapi ada 71 dari 100 pegawai (71,00%).",
        ),
        (
            "Istimewa",
            spread(Sangat_Baik=8, Baik=3),
            "Organisasi berpredikat Istimewa: pegawai berpredikat Sangat Baik paling banyak "
            "70%, tetapi ada 8 dari 11 pegawai (72,73%).",
        ),
        (
            "Baik",
            spread(Baik=71, Sangat_Baik=28, Butuh_Perbaikan=1),
            "Organisasi berpredikat Baik: pegawai berpredikat Baik paling banyak 70%, tetapi "
            "ada 71 dari 100 pegawai (71,00%).",
        ),
        (
            "Baik",
            spread(Baik=70, Sangat_Baik=30),
            "Organisasi berpredikat Baik: harus ada pegawai berpredikat Butuh Perbaikan atau "
            "Kurang, tetapi tidak ada seorang pun.",
        ),
        (
            "Baik",
            spread(Baik=70, Sangat_Baik=29, Sangat_Kurang=1),
            "Organisasi berpredikat Baik: harus ada pegawai berpredikat Butuh Perbaikan atau "
            "Kurang, tetapi tidak ada seorang pun.",
        ),
        (
            "Butuh Perbaikan",
            spread(Butuh_Perbaikan=59, Sangat_Baik=10, Baik=31),
            "Organisasi berpredikat Butuh Perbaikan: pegawai berpredikat Butuh Perbaikan paling "
            "sedikit 60%, tetapi hanya 59 dari 100 pegawai (59,00%).",
        ),
        (
            "Butuh Perbaikan",
            spread(Butuh_Perbaikan=60, Sangat_Baik=11, Baik=29),
            "Organisasi berpredikat Butuh Perbaikan: pegawai berpredikat Sangat Baik paling "
            "banyak 10%, tetapi ada 11 dari 100 pegawai (11,00%).",
        ),
        (
            "Kurang",
            spread(Kurang=59, Butuh_Perbaikan=10, Sangat_Kurang=31),
            "Organisasi berpredikat Kurang: pegawai berpredikat Kurang paling sedikit 60%, "
            "tetapi hanya 59 dari 100 pegawai (59,00%).",
        ),
        (
            "Kurang",
            spread(Kurang=60, Butuh_Perbaikan=9, Sangat_Kurang=31),
            "Organisasi berpredikat Kurang: pegawai berpredikat Butuh Perbaikan paling sedikit "
            "10%, tetapi hanya 9 dari 100 pegawai (9,00%).",
        ),
        (
            "Sangat Kurang",
            spread(Sangat_Kurang=59, Kurang=41),
            "Organisasi berpredikat Sangat Kurang: pegawai berpredikat Sangat Kurang paling "
            "sedikit 60%, tetapi hanya 59 dari 100 pegawai (59,00%).",
        ),
        (
            "Sangat Kurang",
            spread(Sangat_Kurang=60, Sangat_Baik=1, Kurang=39),
            "Organisasi berpredikat Sangat Kurang: tidak boleh ada pegawai berpredikat Sangat "
            "Baik, tetapi ada 1 dari 100 pegawai (1,00%).",
        ),
    ],
)
def test_distribution_just_beyond_each_limit_warns(organisation, predikats, expected):
    assert distribution_warnings(organisation, predikats) == [expected]


def test_distribution_reports_every_broken_rule():
    warnings = distribution_warnings("sangat kurang", spread(Sangat_Baik=2, Baik=8))

    assert len(warnings) == 2
    assert "paling sedikit 60%, tetapi hanya 0 dari 10" in warnings[0]
    assert "tidak boleh ada pegawai berpredikat Sangat Baik" in warnings[1]


@pytest.mark.parametrize("organisation", scoring.ORGANISATION_RATINGS)
def test_distribution_of_no_employees_gives_no_warning(organisation):
    assert distribution_warnings(organisation, []) == []
    assert distribution_warnings(organisation.upper(), iter(())) == []


def test_distribution_accepts_any_letter_case_and_enums():
    class Org(enum.Enum):
        ISTIMEWA = "Istimewa"

    assert distribution_warnings(" ISTIMEWA ", ["sangat baik", "BAIK"]) == []
    assert len(distribution_warnings(Org.ISTIMEWA, (p for p in ["sangat baik"] * 3))) == 1


@pytest.mark.parametrize(
    ("organisation", "predikats"),
    [
        ("Luar Biasa", []),
        ("", ["Baik"]),
        (None, ["Baik"]),
        ("Baik", ["Cukup"]),
        ("Baik", ["Baik", None]),
        ("Baik", ["Buruk"]),
    ],
)
def test_distribution_rejects_unknown_ratings(organisation, predikats):
    with pytest.raises(ValueError):
        distribution_warnings(organisation, predikats)


@given(
    organisation=st.sampled_from(scoring.ORGANISATION_RATINGS),
    predikats=st.lists(st.sampled_from(PREDIKAT_2022), max_size=30),
    data=st.data(),
)
def test_distribution_does_not_depend_on_the_order_of_employees(organisation, predikats, data):
    shuffled = data.draw(st.permutations(predikats))

    assert distribution_warnings(organisation, shuffled) == distribution_warnings(
        organisation, predikats
    )


# --- purity ------------------------------------------------------------------------------


def test_scoring_imports_only_the_standard_library():
    siblings = {path.stem for path in SOURCES}
    imported = set()
    for source in SOURCES:
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level:
                # Inside the package only: a sibling module, never a way out of it.
                assert node.level == 1, f"{source.name}: no imports from outside the package"
                assert node.module in siblings, f"{source.name}: {node.module} is no sibling"
            elif isinstance(node, ast.ImportFrom):
                imported.add(node.module.split(".")[0])

    assert {"__init__", "pp46", "b2022", "distribution"} <= siblings
    assert imported
    assert not imported & {"flask", "flask_sqlalchemy", "sqlalchemy", "portal", "workflows"}
    assert imported <= set(sys.stdlib_module_names)


def test_import_portal_scoring_works_in_a_clean_environment():
    result = subprocess.run(
        [sys.executable, "-c", "import portal.scoring as s; print(s.pp46_predikat(85.5))"],
        cwd=ROOT,
        env={},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "Baik"


def test_scoring_module_loads_on_its_own_without_flask():
    code = (
        "import importlib.util, sys\n"
        "spec = importlib.util.spec_from_file_location(\n"
        f"    'scoring_alone', {str(PACKAGE / '__init__.py')!r},\n"
        f"    submodule_search_locations=[{str(PACKAGE)!r}])\n"
        "module = importlib.util.module_from_spec(spec)\n"
        "sys.modules['scoring_alone'] = module\n"
        "spec.loader.exec_module(module)\n"
        "assert 'flask' not in sys.modules and 'sqlalchemy' not in sys.modules\n"
        "print(module.pp46_target_score(1, 1, 100, 90, 12, 12, 5, 5).nilai)\n"
    )
    result = subprocess.run(
        [sys.executable, "-I", "-c", code],
        env={},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "85.5"


def test_every_public_function_is_documented():
    public = [
        getattr(scoring, name)
        for name in dir(scoring)
        if not name.startswith("_") and callable(getattr(scoring, name))
    ]
    mine = [
        obj for obj in public if f"{getattr(obj, '__module__', '')}.".startswith("portal.scoring.")
    ]

    assert scoring.__doc__ and "PP 46/2011" in scoring.__doc__
    for regulation in ("Perka BKN 1/2013", "PermenPANRB 6/2022", "PermenPANRB 8/2021"):
        assert regulation in scoring.__doc__
    assert TargetScore in mine and Rating in mine
    assert [obj.__name__ for obj in mine if not obj.__doc__] == []


@pytest.mark.parametrize(
    ("organisation", "rating"),
    [
        ("Istimewa", "di atas ekspektasi"),
        ("baik", "sesuai ekspektasi"),
        ("Butuh Perbaikan", "di bawah ekspektasi"),
        ("KURANG", "di bawah ekspektasi"),
        ("Sangat Kurang", "di bawah ekspektasi"),
    ],
)
def test_a_unit_head_takes_the_units_rating(organisation, rating):
    explained = scoring.explain_unit_head_rating(organisation)
    assert scoring.unit_head_rating(organisation).value == rating == explained.value.value
    assert explained.steps[0].startswith("Pimpinan unit kerja: rating hasil kerja mengikuti")


@pytest.mark.parametrize("bad", [None, "", "Sangat Baik", "istimewa!", 3])
def test_a_unit_head_rating_needs_a_known_unit_rating(bad):
    with pytest.raises(ValueError):
        scoring.unit_head_rating(bad)
