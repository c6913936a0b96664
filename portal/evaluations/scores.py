"""The system's scores of an employee's reported targets, and the evaluation outcome.

Wraps the pure engine (``portal.scoring``) with the portal's data: realisations come
from accepted daily entries (RO), the monthly quality ratings (RK), the month the
cumulative quantity reached the target (RW; the period length if never) and the
reported costs (RB).

The errors are in the user's language; the steps of the calculation stay in the
regulation's Bahasa Indonesia (they are stored and printed on the letters).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from portal import scoring
from portal.evaluations.inputs import EvaluationInput
from portal.evaluations.messages import (
    BEHAVIOUR_SCORE,
    DEPARTURE_NEEDS_REASON,
    DUTY_COUNT,
    NO_REPORTED_TARGETS,
    PICK_RATING,
    UNIT_RATING_NEEDED,
    UNKNOWN_HASIL_KERJA,
    UNKNOWN_ORGANISATION_RATING,
    UNKNOWN_PERILAKU,
    UNKNOWN_RATING,
    say,
)
from portal.models import Period, Scheme, Target
from portal.models.plans import IndicatorAspect
from portal.realisation import Realisation


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
    value, steps = scoring.explain_capaian_rhk(
        indicator_inputs(target, realisation, quality, months_used)
    )
    suggestion = scoring.suggest_rating_hasil_kerja([value], [True])
    return TargetResult(
        target, realisation, evidence_count, value, tuple(steps), quality, months_used, suggestion
    )


# The IKI's names in the steps, which stay in the regulation's language.
_ASPECT_NAMES = {
    IndicatorAspect.KUANTITAS: "Kuantitas",
    IndicatorAspect.KUALITAS: "Kualitas",
    IndicatorAspect.WAKTU: "Waktu",
    IndicatorAspect.BIAYA: "Biaya",
}


def indicator_inputs(
    target: Target, realisation: Realisation, quality: float | None, months_used: int
) -> list[tuple[str, float, float, bool]]:
    """Each IKI of the target with its realisation: kuantitas the accepted quantity (RO),
    kualitas the mean monthly quality rating (RK; 0 while none is given), waktu the months
    used (RW), biaya the reported costs (RB). A target without IKI rows (made before they
    existed and not migrated) counts its own kuantitas columns."""
    realised = {
        IndicatorAspect.KUANTITAS: realisation.accepted,
        IndicatorAspect.KUALITAS: quality or 0,
        IndicatorAspect.WAKTU: months_used,
        IndicatorAspect.BIAYA: realisation.cost,
    }
    rows = [
        (row.aspect, row.text, row.target_value, row.lower_is_better) for row in target.indicators
    ] or [(IndicatorAspect.KUANTITAS, target.indicator, target.quantity, target.lower_is_better)]
    return [
        (
            f"IKI {_ASPECT_NAMES[aspect]}" + (f" “{text}”" if text else ""),
            value,
            realised[aspect],
            lower,
        )
        for aspect, text, value, lower in rows
    ]


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
    def scheme_a(self) -> bool:
        """Scored by numbers (PP 46/2011) rather than rated (PermenPANRB 6/2022)."""
        return self.scheme == Scheme.PP46

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


def outcome(
    period: Period,
    results: list[TargetResult],
    data: EvaluationInput,
    *,
    structural: bool,
    unit_head: bool = False,
    errors: dict[str, str] | None = None,
    periodic: Sequence = (),
) -> Outcome:
    """Compute the outcome of the evaluator's inputs, collecting every error.

    ``errors`` are the form's refusals, kept beside the fields; a value the form refused
    is None in ``data`` and reported missing here only when the form said nothing.
    ``periodic`` are the finished periodic evaluations, whose ratings move the scheme B
    suggestions (``scoring.explain_with_periodic``)."""
    out = Outcome(period.scheme, results, errors=dict(errors or {}))
    out.feedback = {r.target.id: data.feedback.get(r.target.id, "") for r in results}
    out.notes = data.notes
    if not results:
        out.errors["targets"] = str(NO_REPORTED_TARGETS)
        return out
    if period.scheme == Scheme.PP46:
        _outcome_pp46(out, period, data, structural)
    else:
        _outcome_2022(out, data, unit_head, periodic)
    return out


def _outcome_pp46(out: Outcome, period: Period, data: EvaluationInput, structural: bool) -> None:
    scores = []
    for index, aspect in enumerate(perilaku_aspects(structural)):
        value = data.perilaku.get(aspect)
        if value is None:
            out.errors.setdefault(f"perilaku_{index}", say(BEHAVIOUR_SCORE, aspect=aspect))
            continue
        scores.append(value)
        out.behaviour[aspect] = value
    if data.tugas_tambahan is None:
        out.errors.setdefault("tugas_tambahan", str(DUTY_COUNT))
    else:
        out.tugas_tambahan = data.tugas_tambahan
    out.kreativitas = data.kreativitas
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


def _rating(out: Outcome, name: str, raw: str | None, message: str) -> str | None:
    """The rating ``raw`` names, or None with ``message`` beside the field ``name``."""
    try:
        return scoring.Rating.parse(raw).value
    except ValueError:
        out.errors.setdefault(name, message)
        return None


def _outcome_2022(
    out: Outcome, data: EvaluationInput, unit_head: bool = False, periodic: Sequence = ()
) -> None:
    ratings = []
    for index, value in enumerate(scoring.BERAKHLAK):
        name, raw = f"berakhlak_{index}", data.berakhlak.get(value)
        if not raw:
            out.errors.setdefault(name, say(PICK_RATING, value=value))
            continue
        rating = _rating(out, name, raw, say(UNKNOWN_RATING, value=value.lower()))
        if rating:
            out.behaviour[value] = rating
            ratings.append(rating)
    out.ekspektasi_khusus = data.ekspektasi_khusus
    organisation = data.organisation_rating
    if organisation and organisation not in scoring.ORGANISATION_RATINGS:
        out.errors.setdefault("organisation_rating", str(UNKNOWN_ORGANISATION_RATING))
    out.organisation_rating = organisation or None
    if unit_head and out.organisation_rating in scoring.ORGANISATION_RATINGS:
        suggestion, steps = scoring.explain_unit_head_rating(out.organisation_rating)
    else:
        if unit_head:
            out.errors.setdefault("organisation_rating", str(UNIT_RATING_NEEDED))
        suggestion, steps = scoring.explain_rating_hasil_kerja(
            [r.score for r in out.results], [r.target.kind.value == "utama" for r in out.results]
        )
        suggestion, more = scoring.explain_with_periodic(
            suggestion, [p.rating_hasil_kerja for p in periodic], "hasil kerja"
        )
        steps = (*steps, *more)
    out.suggested_hasil_kerja = suggestion.value
    out.steps = list(steps)
    if len(ratings) == len(scoring.BERAKHLAK):
        perilaku, perilaku_steps = scoring.explain_perilaku_2022(ratings)
        perilaku, more = scoring.explain_with_periodic(
            perilaku, [p.rating_perilaku for p in periodic], "perilaku"
        )
        perilaku_steps = (*perilaku_steps, *more)
        out.suggested_perilaku = perilaku.value
        out.steps += list(perilaku_steps)
    # A decision the form refused stays undecided: no rating, no predikat.
    if "rating_hasil_kerja" not in out.errors:
        chosen = data.rating_hasil_kerja or out.suggested_hasil_kerja
        out.rating_hasil_kerja = _rating(
            out, "rating_hasil_kerja", chosen, str(UNKNOWN_HASIL_KERJA)
        )
    chosen = data.rating_perilaku or out.suggested_perilaku
    if chosen and "rating_perilaku" not in out.errors:
        out.rating_perilaku = _rating(out, "rating_perilaku", chosen, str(UNKNOWN_PERILAKU))
    out.departure_reason = data.departure_reason
    if out.departs and not out.departure_reason:
        out.errors.setdefault("departure_reason", str(DEPARTURE_NEEDS_REASON))
    if out.rating_hasil_kerja and out.rating_perilaku:
        value, steps = scoring.explain_predikat_2022(out.rating_hasil_kerja, out.rating_perilaku)
        out.predikat = value
        out.steps += list(steps)
