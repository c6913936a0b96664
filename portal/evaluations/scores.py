"""The system's scores of an employee's reported targets, and the evaluation outcome.

Wraps the pure engine (``portal.scoring``) with the portal's data: realisations come
from accepted daily entries (RO), the monthly quality ratings (RK), the month the
cumulative quantity reached the target (RW; the period length if never) and the
reported costs (RB).

The errors are in the user's language; the steps of the calculation stay in the
regulation's Bahasa Indonesia (they are stored and printed on the letters).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from flask_babel import gettext as _

from portal import scoring
from portal.models import Period, Scheme, Target
from portal.reports.realisation import Realisation

KREATIVITAS = {"": None, "unit": "unit", "organisasi": "organisasi", "nasional": "nasional"}


@dataclass
class TargetResult:
    target: Target
    realisation: Realisation
    evidence_count: int
    score: float
    steps: tuple[str, ...]
    real_quality: float | None
    real_months: int
    suggested: scoring.Rating | None = None  # scheme B, per result


def target_result(
    target: Target, realisation: Realisation, scheme: Scheme, evidence_count: int
) -> TargetResult:
    months_used = realisation.completion_month or target.period.month_count
    quality = realisation.mean_quality
    if scheme == Scheme.PP46:
        score = scoring.pp46_target_score(
            target.quantity,
            realisation.accepted,
            target.quality_target,
            quality or 0,
            target.time_months,
            months_used,
            target.cost,
            realisation.cost if target.cost else None,
        )
        return TargetResult(
            target, realisation, evidence_count, score.nilai, score.steps, quality, months_used
        )
    value, steps = scoring.explain_capaian_2022(
        target.quantity, realisation.accepted, target.lower_is_better
    )
    suggestion = scoring.suggest_rating_hasil_kerja([value], [True])
    return TargetResult(
        target, realisation, evidence_count, value, tuple(steps), quality, months_used, suggestion
    )


@dataclass
class Outcome:
    """What the evaluation comes to with the given inputs; ``errors`` per field."""

    scheme: Scheme
    results: list[TargetResult]
    errors: dict[str, str] = field(default_factory=dict)
    steps: list[str] = field(default_factory=list)
    behaviour: dict = field(default_factory=dict)
    tugas_tambahan: int = 0
    kreativitas: str | None = None
    skp_score: float | None = None
    perilaku_score: float | None = None
    final_score: float | None = None
    suggested_hasil_kerja: str | None = None
    suggested_perilaku: str | None = None
    rating_hasil_kerja: str | None = None
    rating_perilaku: str | None = None
    departure_reason: str = ""
    ekspektasi_khusus: str = ""
    organisation_rating: str | None = None
    predikat: str | None = None
    notes: str = ""
    feedback: dict[int, str] = field(default_factory=dict)

    @property
    def departs(self) -> bool:
        return (
            self.scheme == Scheme.PERMENPANRB_6_2022
            and self.rating_hasil_kerja is not None
            and (
                self.rating_hasil_kerja != self.suggested_hasil_kerja
                or self.rating_perilaku != self.suggested_perilaku
            )
        )


def perilaku_aspects(structural: bool) -> tuple[str, ...]:
    """PP 46 behaviour aspects; kepemimpinan only for structural officials."""
    return scoring.PERILAKU_PP46 if structural else scoring.PERILAKU_PP46[:-1]


TEXT_MAX = 4000


def outcome(
    period: Period,
    results: list[TargetResult],
    form: Mapping,
    *,
    structural: bool,
    unit_head: bool = False,
) -> Outcome:
    """Read the evaluator's inputs and compute the outcome, collecting every error."""
    out = Outcome(period.scheme, results)
    errors = out.errors
    for result in results:
        text = (form.get(f"feedback_{result.target.id}") or "").strip()
        if len(text) > TEXT_MAX:
            errors[f"feedback_{result.target.id}"] = _(
                "Paling banyak %(max)s karakter.", max=TEXT_MAX
            )
        out.feedback[result.target.id] = text
    out.notes = (form.get("notes") or "").strip()
    if len(out.notes) > TEXT_MAX:
        errors["notes"] = _("Catatan paling banyak %(max)s karakter.", max=TEXT_MAX)
    if not results:
        errors["targets"] = _("Belum ada target yang dilaporkan untuk dievaluasi.")
        return out
    if period.scheme == Scheme.PP46:
        _outcome_pp46(out, period, form, structural)
    else:
        _outcome_2022(out, form, unit_head)
    return out


def _outcome_pp46(out: Outcome, period: Period, form: Mapping, structural: bool) -> None:
    scores = []
    for index, aspect in enumerate(perilaku_aspects(structural)):
        raw = (form.get(f"perilaku_{index}") or "").strip().replace(",", ".")
        try:
            value = float(raw)
            if not 0 <= value <= 100:
                raise ValueError
        except ValueError:
            out.errors[f"perilaku_{index}"] = _(
                "Nilai %(aspect)s harus angka 0–100.", aspect=aspect
            )
            continue
        scores.append(value)
        out.behaviour[aspect] = value
    raw_tt = (form.get("tugas_tambahan") or "0").strip()
    if not raw_tt.isdigit() or int(raw_tt) > 100:
        out.errors["tugas_tambahan"] = _("Jumlah tugas tambahan harus bilangan bulat 0–100.")
    else:
        out.tugas_tambahan = int(raw_tt)
    kreativitas = (form.get("kreativitas") or "").strip().lower()
    if kreativitas not in KREATIVITAS:
        out.errors["kreativitas"] = _("Tingkat kreativitas tidak dikenal.")
    else:
        out.kreativitas = KREATIVITAS[kreativitas]
    if out.errors:
        return
    out.skp_score, skp_steps = scoring.explain_pp46_skp_score(
        [r.score for r in out.results], out.tugas_tambahan, out.kreativitas
    )
    out.perilaku_score = scoring.pp46_perilaku_score(scores)
    out.final_score, final_steps = scoring.explain_pp46_prestasi_kerja(
        out.skp_score, scores, (period.weight_skp, period.weight_perilaku)
    )
    out.steps = [*skp_steps, *final_steps]
    out.predikat = scoring.pp46_predikat(out.final_score)


def _rating_field(form: Mapping, name: str, value: str, errors: dict) -> str | None:
    """The rating of the BerAKHLAK core value ``value``."""
    raw = form.get(name)
    if not raw:
        errors[name] = _("Pilih rating %(value)s.", value=value)
        return None
    try:
        return scoring.Rating.parse(raw).value
    except ValueError:
        errors[name] = _("Rating %(value)s tidak dikenal.", value=value.lower())
        return None


def _decision(form: Mapping, name: str, suggestion: str | None) -> str | None:
    """The supervisor's decided rating, or the system's suggestion when they left it alone.

    Left alone means empty, or still the suggestion the screen showed beside it (posted
    back as ``<name>_suggested``): the select starts on that suggestion, and when the
    behaviour ratings move it, the decision must move along rather than turn into a
    departure the supervisor never made.
    """
    raw = form.get(name) or ""
    if not raw or raw == form.get(f"{name}_suggested"):
        return suggestion
    return raw


def _outcome_2022(out: Outcome, form: Mapping, unit_head: bool = False) -> None:
    ratings = []
    for index, value in enumerate(scoring.BERAKHLAK):
        rating = _rating_field(form, f"berakhlak_{index}", value, out.errors)
        if rating:
            out.behaviour[value] = rating
            ratings.append(rating)
    out.ekspektasi_khusus = (form.get("ekspektasi_khusus") or "").strip()
    if len(out.ekspektasi_khusus) > TEXT_MAX:
        out.errors["ekspektasi_khusus"] = _("Paling banyak %(max)s karakter.", max=TEXT_MAX)
    organisation = (form.get("organisation_rating") or "").strip()
    if organisation and organisation not in scoring.ORGANISATION_RATINGS:
        out.errors["organisation_rating"] = _("Predikat kinerja organisasi tidak dikenal.")
    out.organisation_rating = organisation or None
    if unit_head and out.organisation_rating in scoring.ORGANISATION_RATINGS:
        suggestion, steps = scoring.explain_unit_head_rating(out.organisation_rating)
    else:
        if unit_head and "organisation_rating" not in out.errors:
            out.errors["organisation_rating"] = _(
                "Pilih predikat kinerja unit: pimpinan unit kerja mengambil rating hasil "
                "kerjanya dari predikat itu."
            )
        suggestion, steps = scoring.explain_rating_hasil_kerja(
            [r.score for r in out.results], [r.target.kind.value == "utama" for r in out.results]
        )
    out.suggested_hasil_kerja = suggestion.value
    out.steps = list(steps)
    if len(ratings) == len(scoring.BERAKHLAK):
        perilaku, perilaku_steps = scoring.explain_perilaku_2022(ratings)
        out.suggested_perilaku = perilaku.value
        out.steps += list(perilaku_steps)
    chosen_hk = _decision(form, "rating_hasil_kerja", out.suggested_hasil_kerja)
    chosen_p = _decision(form, "rating_perilaku", out.suggested_perilaku)
    try:
        out.rating_hasil_kerja = scoring.Rating.parse(chosen_hk).value
    except ValueError:
        out.errors["rating_hasil_kerja"] = _("Rating hasil kerja tidak dikenal.")
    if chosen_p:
        try:
            out.rating_perilaku = scoring.Rating.parse(chosen_p).value
        except ValueError:
            out.errors["rating_perilaku"] = _("Rating perilaku tidak dikenal.")
    out.departure_reason = (form.get("departure_reason") or "").strip()
    if out.departs and not out.departure_reason:
        out.errors["departure_reason"] = _("Rating berbeda dari saran sistem: tuliskan alasannya.")
    if len(out.departure_reason) > TEXT_MAX:
        out.errors["departure_reason"] = _("Paling banyak %(max)s karakter.", max=TEXT_MAX)
    if out.rating_hasil_kerja and out.rating_perilaku:
        value, steps = scoring.explain_predikat_2022(out.rating_hasil_kerja, out.rating_perilaku)
        out.predikat = value
        out.steps += list(steps)
