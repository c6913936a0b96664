"""Demo periodic evaluations: every elapsed sub-period of the open period evaluated by the
evaluator through the real services, one of them finished late, the older ones
acknowledged by the employee; the demo employee's latest sub-period is left for the
demo atasan's inbox. Nothing is dated after ``clock.today()``; idempotent (an existing
evaluation of an employee's sub-period is left alone)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import select

from portal import clock, scoring, subperiods
from portal.extensions import db
from portal.models import Employee, Period, Plan, Target
from portal.models.periods import PeriodStatus
from portal.periodic import queries, services
from portal.periodic.inputs import PeriodicInput
from workflows.states import APPROVED_OR_LATER

LATE_DAYS = 20  # the late one is finished this long after its sub-period's end

FEEDBACK = (
    "Realisasi sesuai bukti dukung yang diunggah; pertahankan ritme pelaporan.",
    "Bukti dukung lengkap; percepat penyelesaian bagian yang tertunda.",
)


def _moment(day) -> datetime:
    return datetime.combine(day, time(9, 0), tzinfo=UTC)


def seed_periodic(instansi_id: int, keep_for_inbox: Employee | None = None) -> int:
    """Evaluate the elapsed sub-periods of the instansi's open periods; return how many
    evaluations were made. ``keep_for_inbox``'s latest ended sub-period stays due."""
    today = clock.today()
    made = 0
    periods = db.session.scalars(
        select(Period).where(Period.instansi_id == instansi_id, Period.status == PeriodStatus.OPEN)
    ).all()
    for period in periods:
        ended = subperiods.ended(period, today)
        if not ended:
            continue
        plans = db.session.scalars(
            select(Plan)
            .where(
                Plan.period_id == period.id,
                Plan.id.in_(select(Target.plan_id).where(Target.state.in_(APPROVED_OR_LATER))),
            )
            .order_by(Plan.id)
        ).all()
        kept = keep_for_inbox.id if keep_for_inbox is not None else None
        for index, plan in enumerate(plans):
            for n in ended:
                if plan.employee_id == kept and n == ended[-1]:
                    continue
                late = index == 0 and n == ended[0]
                made += _evaluate(plan, n, today, late=late, acknowledge=n != ended[-1])
    db.session.flush()
    return made


def _evaluate(plan: Plan, n: int, today, *, late: bool, acknowledge: bool) -> int:
    ctx = queries.context(plan, n)
    if ctx.evaluation is not None or not ctx.figures:
        return 0
    evaluator = db.session.get(Employee, next(iter(ctx.evaluator_ids), None) or 0)
    if evaluator is None:
        return 0
    ratings = {value: scoring.Rating.SESUAI.value for value in scoring.BERAKHLAK}
    if n % 2:
        ratings[scoring.BERAKHLAK[(plan.id + n) % 7]] = scoring.Rating.DI_ATAS.value
    data = PeriodicInput(
        feedback={f.target.id: FEEDBACK[(f.target.id + n) % 2] for f in ctx.figures},
        ratings=ratings,
        behaviour_feedback={scoring.BERAKHLAK[0]: "Responsif terhadap permintaan layanan unit."},
    )
    if services.compute(ctx, data).suggested_hasil_kerja is None:
        data = replace(data, rating_hasil_kerja=scoring.Rating.SESUAI.value)
    if services.compute(ctx, data, finish=True).errors:
        return 0
    evaluation = services.save(ctx, data, evaluator, today, finish=True)
    end = subperiods.end(plan.period, n)
    finished = min(end + timedelta(days=LATE_DAYS if late else 6), today)
    evaluation.created_at = _moment(min(end + timedelta(days=2), today))
    evaluation.finished_at = _moment(finished)
    if acknowledge:
        services.acknowledge(evaluation, plan.employee, evaluation.version)
        evaluation.acknowledged_at = _moment(min(finished + timedelta(days=3), today))
    return 1
