"""Demo evaluations: scheme A (2025, evaluated and followed up) and scheme B (2026, with an
objection waiting for the evaluator's supervisor). Through the real services."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from portal import clock, scoring
from portal.evaluations import queries, services
from portal.evaluations.inputs import (
    Coverage,
    EvaluationInput,
    FollowUpInput,
    Response,
    ResponseInput,
    Responsible,
)
from portal.models import Employee, FollowUpKind, Period
from portal.plans.services import find_plan


def _unreported_scored(ctx: queries.Context) -> dict[int, Coverage]:
    """The demo scores every approved target not reported by the end on its realisation
    (the evaluation must decide each one)."""
    return {target_id: Coverage.EVALUATE for target_id in ctx.unreported_ids}


def evaluate_and_follow_up(employee: Employee, period: Period, evaluator: Employee) -> None:
    """Scheme A: behaviour scores, finish, a follow-up plan, then ``follow_up``."""
    ctx = queries.context(find_plan(employee, period))
    scores = (88, 90, 85, 87, 86, 80)
    data = EvaluationInput(
        perilaku=dict(zip(ctx.aspects, scores, strict=False)),
        tugas_tambahan=2,
        notes="Pertahankan ketepatan waktu; tingkatkan kedalaman analisis.",
        feedback={r.target.id: "Dokumen lengkap dan rapi." for r in ctx.results},
        coverage=_unreported_scored(ctx),
    )
    evaluation = services.save(ctx, data, evaluator, finish=True)
    services.add_follow_up(
        evaluation,
        evaluator,
        FollowUpInput(
            FollowUpKind.PENGEMBANGAN,
            "Pelatihan analisis jabatan tingkat lanjut.",
            clock.today() + timedelta(days=90),
            Responsible.EMPLOYEE,
        ),
    )
    services.complete_follow_up(queries.context(evaluation.plan), evaluator)


def evaluate_with_objection(employee: Employee, period: Period, evaluator: Employee) -> None:
    """Scheme B: BerAKHLAK ratings, a departure from the suggestion, and an objection."""
    ctx = queries.context(find_plan(employee, period))
    ratings = {value: scoring.Rating.SESUAI.value for value in scoring.BERAKHLAK}
    ratings[scoring.BERAKHLAK[0]] = scoring.Rating.DI_ATAS.value
    data = EvaluationInput(
        berakhlak=ratings, organisation_rating="Baik", coverage=_unreported_scored(ctx)
    )
    suggested = services.compute(ctx, data)
    data = replace(
        data,
        rating_hasil_kerja=scoring.Rating.SESUAI.value,
        rating_perilaku=suggested.suggested_perilaku,
        notes="Peta jabatan selesai lebih cepat; perlu pendampingan untuk unit lain.",
    )
    if data.rating_hasil_kerja != suggested.suggested_hasil_kerja:
        data = replace(
            data,
            departure_reason=(
                "Sebagian peta jabatan masih menunggu validasi unit kerja; belum di atas "
                "ekspektasi."
            ),
        )
    evaluation = services.save(ctx, data, evaluator, finish=True)
    services.respond(
        evaluation,
        employee,
        ResponseInput(
            Response.OBJECT,
            "Seluruh peta jabatan sudah divalidasi Bagian Organisasi pada bulan Juni.",
        ),
    )
