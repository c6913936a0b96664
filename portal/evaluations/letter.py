"""The evaluation letter: *Dokumen Evaluasi Kinerja Pegawai* (scheme B) or *Penilaian
Prestasi Kerja* (scheme A), one per employee and period, for the evaluation meeting."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import force_locale
from sqlalchemy import select

from portal import audit, clock, letters
from portal.evaluations import queries
from portal.extensions import db
from portal.models import Employee, Evaluation, FollowUpItem, Letter, Scheme
from portal.months import month_label
from portal.reports.charts import cumulative_chart

TITLES = {
    Scheme.PP46: "Penilaian Prestasi Kerja Pegawai Negeri Sipil",
    Scheme.PERMENPANRB_6_2022: "Dokumen Evaluasi Kinerja Pegawai",
}


@dataclass
class LetterData:
    evaluation: Evaluation
    ctx: queries.Context
    evaluator: Employee
    evaluator_supervisor: Employee | None
    follow_ups: list[FollowUpItem]
    figures: dict
    code: str
    title: str

    @property
    def scored(self) -> list:
        """The targets the evaluation scored (the excluded ones are listed apart)."""
        return self.ctx.scored()

    @property
    def excluded(self) -> list:
        """The exclusions in the plan's order, each with its reason."""
        order = {r.target.id: i for i, r in enumerate(self.ctx.results)}
        return sorted(self.ctx.exclusions.values(), key=lambda x: order.get(x.target_id, 0))


def figures_of(evaluation: Evaluation) -> dict:
    """The key figures a verification page confirms (and the code is computed from)."""
    return {
        "nama": evaluation.employee.display_name,
        "nip": evaluation.employee.nip,
        "periode": evaluation.period.name,
        "instansi": evaluation.period.instansi.name,
        "penilai": evaluation.evaluator.display_name,
        "nilai": None if evaluation.final_score is None else round(evaluation.final_score, 2),
        "rating_hasil_kerja": evaluation.rating_hasil_kerja,
        "rating_perilaku": evaluation.rating_perilaku,
        "predikat": evaluation.predikat,
        "versi": evaluation.version,
    }


def overall_chart(ctx: queries.Context):
    """Mean cumulative achievement of all targets in percent, month by month."""
    period = ctx.plan.period
    count = period.month_count
    rows = []
    scored = ctx.scored()
    for month in range(1, count + 1):
        planned = accepted = 0.0
        for r in scored:
            cumulative = r.realisation.cumulative()[month - 1]
            planned += 100 * cumulative[1] / r.target.quantity
            accepted += 100 * cumulative[2] / r.target.quantity
        n = max(len(scored), 1)
        rows.append((month, round(planned / n), round(accepted / n)))
    labels = [month_label(period, m) for m in range(1, count + 1)]
    return cumulative_chart(rows, labels, count)


def letter_data(evaluation: Evaluation) -> LetterData:
    ctx = queries.context(evaluation.plan)
    follow_ups = queries.follow_up_items(evaluation)
    figures = figures_of(evaluation)
    evaluator = evaluation.evaluator
    return LetterData(
        evaluation,
        ctx,
        evaluator,
        evaluator.atasan,
        follow_ups,
        figures,
        letters.verification_code(figures),
        TITLES[evaluation.period.scheme],
    )


def record(data: LetterData, actor: Employee) -> Letter:
    """Keep the printed letter's code, so the verification page can confirm it."""
    letter = db.session.scalar(select(Letter).where(Letter.code == data.code))
    if letter is None:
        letter = Letter(
            code=data.code,
            evaluation_id=data.evaluation.id,
            instansi_id=data.evaluation.instansi_id,
            figures=data.figures,
            printed_by_id=actor.id,
        )
        db.session.add(letter)
        db.session.flush()
    audit.record("letter.print", data.evaluation, actor=actor, summary={"code": data.code})
    return letter


def render(data: LetterData):
    """The letter laid out as pages (a weasyprint Document)."""
    with force_locale("id"):  # the chart's month names too, whoever prints the letter
        chart = overall_chart(data.ctx)
    return letters.render_document(
        "letters/evaluation.html",
        d=data,
        e=data.evaluation,
        chart=chart,
        qr=letters.qr_data_uri(data.code),
        today=clock.today(),
    )


def print_letter(evaluation: Evaluation, actor: Employee) -> Letter:
    """Record (and audit) the letter as it reads now: the explicit "cetak" (a POST)."""
    return record(letter_data(evaluation), actor)


def recorded_letter_pdf(evaluation: Evaluation) -> bytes | None:
    """The letter as a PDF if it reads as it was recorded, else None (never printed, or
    the evaluation changed since): the download (a GET) writes nothing."""
    data = letter_data(evaluation)
    if db.session.scalar(select(Letter.id).where(Letter.code == data.code)) is None:
        return None
    return render(data).write_pdf()


def letters_of(evaluations: list[Evaluation], actor: Employee, progress=None) -> bytes:
    """Every letter in one PDF, reporting progress after each one. The letters are
    recorded after the last report, so a background job commits them with its result
    (:mod:`portal.jobs`): a run killed midway records none, and the next records each once."""
    printed = []
    for done, evaluation in enumerate(evaluations, 1):
        data = letter_data(evaluation)
        printed.append((data, render(data)))
        if progress is not None:
            progress(done, len(evaluations))
    for data, _document in printed:
        record(data, actor)
    return letters.merge([document for _data, document in printed])
