"""Demo evaluations: scheme A (2025, evaluated and followed up) and scheme B (2026, with an
objection waiting for the evaluator's supervisor). Through the real services."""

from __future__ import annotations

from datetime import timedelta

from portal import clock, scoring
from portal.evaluations import services
from portal.models import Employee, Period
from portal.plans.services import find_plan


def evaluate_and_follow_up(employee: Employee, period: Period, evaluator: Employee) -> None:
    """Scheme A: behaviour scores, finish, a follow-up plan, then ``follow_up``."""
    ctx = services.context(find_plan(employee, period))
    form = {f"perilaku_{i}": str(score) for i, score in enumerate((88, 90, 85, 87, 86, 80))}
    form.update(
        {
            "tugas_tambahan": "2",
            "kreativitas": "",
            "notes": "Pertahankan ketepatan waktu; tingkatkan kedalaman analisis.",
        }
    )
    for r in ctx.results:
        form[f"feedback_{r.target.id}"] = "Dokumen lengkap dan rapi."
    evaluation = services.save(ctx, form, evaluator, finish=True)
    services.add_follow_up(
        evaluation,
        evaluator,
        {
            "kind": "pengembangan_kompetensi",
            "description": "Pelatihan analisis jabatan tingkat lanjut.",
            "due_date": (clock.today() + timedelta(days=90)).isoformat(),
            "responsible": "employee",
        },
    )
    services.complete_follow_up(services.context(evaluation.plan), evaluator)


def evaluate_with_objection(employee: Employee, period: Period, evaluator: Employee) -> None:
    """Scheme B: BerAKHLAK ratings, a departure from the suggestion, and an objection."""
    ctx = services.context(find_plan(employee, period))
    form = {f"berakhlak_{i}": scoring.Rating.SESUAI.value for i in range(7)}
    form["berakhlak_0"] = scoring.Rating.DI_ATAS.value
    suggested = services.compute(ctx, form)
    form.update(
        {
            "rating_hasil_kerja": scoring.Rating.SESUAI.value,
            "rating_perilaku": suggested.suggested_perilaku,
            "organisation_rating": "Baik",
            "notes": "Peta jabatan selesai lebih cepat; perlu pendampingan untuk unit lain.",
        }
    )
    if form["rating_hasil_kerja"] != suggested.suggested_hasil_kerja:
        form["departure_reason"] = (
            "Sebagian peta jabatan masih menunggu validasi unit kerja; belum di atas ekspektasi."
        )
    evaluation = services.save(ctx, form, evaluator, finish=True)
    services.respond(
        evaluation,
        employee,
        {
            "response": "object",
            "reason": "Seluruh peta jabatan sudah divalidasi Bagian Organisasi pada bulan Juni.",
        },
    )
