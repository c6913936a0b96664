"""What a periodic evaluation comes to: the system's capaian of each approved target up to
the sub-period's end, the suggested ratings and the periodic predikat (scheme B), or the
running score per target (scheme A). Pure over the loaded figures: no database.

Capaian so far compares the **cumulative** monthly targets (the MonthlyTarget breakdown)
with the cumulative accepted quantity up to the sub-period's last month, with the
formulas of the annual evaluation (``portal.scoring``). A target with nothing planned yet
has no capaian and is left out of the suggestion (the steps say so). Scheme A scores the
same figures with PP 46: kuantitas and kualitas against what was planned so far, waktu
against the months elapsed; biaya is judged at year-end only.

Completeness (every value rated, both ratings decided) is required to finish, not to
save a draft.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from portal import scoring
from portal.models import Scheme, Target
from portal.periodic.inputs import PeriodicInput
from portal.periodic.messages import (
    DEPARTURE_NEEDS_REASON,
    NO_APPROVED_TARGETS,
    PICK_HASIL_KERJA,
    PICK_PERILAKU,
    PICK_RATING,
    say,
)
from portal.realisation import Realisation


@dataclass(frozen=True)
class TargetFigure:
    """One approved target's figures up to the sub-period's last month."""

    target: Target
    planned: int
    realised: int
    evidence_count: int
    score: float | None
    steps: tuple[str, ...]
    suggested: scoring.Rating | None = None


def target_figure(
    target: Target, realisation: Realisation, last_month: int, scheme: Scheme, evidence: int
) -> TargetFigure:
    months = realisation.months[:last_month]
    planned = sum(m.planned for m in months)
    realised = sum(m.accepted for m in months)
    head = (
        f"Bulan 1–{last_month}: target kumulatif {planned} {target.quantity_unit}, "
        f"realisasi diterima {realised} {target.quantity_unit}, {evidence} bukti dukung"
    )
    if planned <= 0:
        step = "Belum ada target bulanan sampai subperiode ini: capaian belum dihitung"
        return TargetFigure(target, planned, realised, evidence, None, (head, step))
    if scheme == Scheme.PP46:
        ratings = [m.rating.rating for m in months if m.rating is not None]
        quality = sum(ratings) / len(ratings) if ratings else 0
        total, reached = 0, last_month
        for m in months:
            total += m.accepted
            if total >= planned:
                reached = m.month
                break
        result = scoring.pp46_target_score(
            planned, realised, target.quality_target, quality, last_month, reached
        )
        return TargetFigure(
            target, planned, realised, evidence, result.nilai, (head, *result.steps)
        )
    value, steps = scoring.explain_capaian_2022(planned, realised, target.lower_is_better)
    suggestion = scoring.suggest_rating_hasil_kerja([value], [True])
    return TargetFigure(target, planned, realised, evidence, value, (head, *steps), suggestion)


@dataclass
class Outcome:
    scheme: Scheme
    figures: list[TargetFigure]
    errors: dict[str, str] = field(default_factory=dict)
    steps: list[str] = field(default_factory=list)
    behaviour: dict = field(default_factory=dict)
    feedback: dict[int, str] = field(default_factory=dict)
    suggested_hasil_kerja: str | None = None
    suggested_perilaku: str | None = None
    rating_hasil_kerja: str | None = None
    rating_perilaku: str | None = None
    departure_reason: str = ""
    predikat: str | None = None
    score: float | None = None

    @property
    def scheme_a(self) -> bool:
        return self.scheme == Scheme.PP46

    @property
    def departs(self) -> bool:
        return any(
            decided is not None and suggested is not None and decided != suggested
            for decided, suggested in (
                (self.rating_hasil_kerja, self.suggested_hasil_kerja),
                (self.rating_perilaku, self.suggested_perilaku),
            )
        )


def outcome(
    scheme: Scheme,
    figures: list[TargetFigure],
    data: PeriodicInput,
    *,
    finish: bool = False,
    errors: dict[str, str] | None = None,
) -> Outcome:
    """The outcome of the evaluator's inputs; ``errors`` are the form's, kept beside their
    fields. With ``finish``, whatever is still missing is an error too."""
    out = Outcome(scheme, figures, errors=dict(errors or {}))
    out.feedback = {f.target.id: data.feedback.get(f.target.id, "") for f in figures}
    out.behaviour = {
        value: {
            "rating": data.ratings.get(value) or "",
            "feedback": data.behaviour_feedback.get(value, ""),
        }
        for value in scoring.BERAKHLAK
    }
    if not figures:
        out.errors["targets"] = str(NO_APPROVED_TARGETS)
        return out
    scored = [f for f in figures if f.score is not None]
    if scheme == Scheme.PP46:
        if scored:
            out.score, steps = scoring.explain_pp46_skp_score([f.score for f in scored])
            out.predikat = scoring.pp46_predikat(out.score)
            out.steps = [*steps, f"Predikat capaian sementara: {out.predikat}"]
        return out
    _ratings(out, scored, data, finish)
    return out


def _ratings(out: Outcome, scored: list[TargetFigure], data: PeriodicInput, finish: bool) -> None:
    if scored:
        suggestion, steps = scoring.explain_rating_hasil_kerja(
            [f.score for f in scored], [f.target.kind.value == "utama" for f in scored]
        )
        out.suggested_hasil_kerja = suggestion.value
        out.steps = list(steps)
    given = [data.ratings.get(value) for value in scoring.BERAKHLAK]
    if all(given):
        perilaku, steps = scoring.explain_perilaku_2022(given)
        out.suggested_perilaku = perilaku.value
        out.steps += list(steps)
    elif finish:
        for index, value in enumerate(scoring.BERAKHLAK):
            if not given[index]:
                out.errors.setdefault(f"rating_{index}", say(PICK_RATING, value=value))
    out.rating_hasil_kerja = data.rating_hasil_kerja or out.suggested_hasil_kerja
    out.rating_perilaku = data.rating_perilaku or out.suggested_perilaku
    out.departure_reason = data.departure_reason
    if out.departs and not out.departure_reason:
        out.errors.setdefault("departure_reason", str(DEPARTURE_NEEDS_REASON))
    if finish and not out.rating_hasil_kerja:
        out.errors.setdefault("rating_hasil_kerja", str(PICK_HASIL_KERJA))
    if finish and not out.rating_perilaku:
        out.errors.setdefault("rating_perilaku", str(PICK_PERILAKU))
    if out.rating_hasil_kerja and out.rating_perilaku:
        # The annual evaluation's matrix, not a copy of it.
        out.predikat, steps = scoring.explain_predikat_2022(
            out.rating_hasil_kerja, out.rating_perilaku
        )
        out.steps += list(steps)


def frozen(evaluation) -> Outcome:
    """A finished evaluation as it was finished: the figures, ratings and steps stored
    with it (later entries do not change a result the employee has seen)."""
    figures = [
        TargetFigure(
            row.target, row.planned, row.realised, row.evidence_count, row.score, tuple(row.steps)
        )
        for row in evaluation.targets
    ]
    return Outcome(
        evaluation.period.scheme,
        figures,
        steps=list(evaluation.steps),
        behaviour=dict(evaluation.behaviour),
        feedback={row.target_id: row.feedback for row in evaluation.targets},
        suggested_hasil_kerja=evaluation.suggested_hasil_kerja,
        suggested_perilaku=evaluation.suggested_perilaku,
        rating_hasil_kerja=evaluation.rating_hasil_kerja,
        rating_perilaku=evaluation.rating_perilaku,
        departure_reason=evaluation.departure_reason,
        predikat=evaluation.predikat,
        score=evaluation.score,
    )
