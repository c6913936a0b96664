"""The periodic evaluation's operations: save a draft, finish it, acknowledge it.

``draft`` → ``final`` (the evaluator) → ``acknowledged`` (the employee). Every change is
a compare-and-swap on the status and version the screen was shown with (a lost race is a
409 with the fresh state), writes the audit log and flushes; the request commits once.
A double submit of a new evaluation finds the unique row of the first and is refused as
a conflict, so one record stays.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from portal import audit, policy, subperiods
from portal.concurrency import compare_and_swap
from portal.errors import Conflict, InvalidInput, NotFound
from portal.extensions import db
from portal.models import Employee, PeriodicEvaluation, PeriodicStatus, PeriodicTarget
from portal.models.types import utcnow
from portal.periodic.inputs import PeriodicInput
from portal.periodic.messages import (
    ALREADY_ACKNOWLEDGED,
    ALREADY_FINISHED,
    CHANGED_ELSEWHERE,
    NO_SUCH_SUB_PERIOD,
    NOT_ENDED,
    say,
)
from portal.periodic.queries import Context
from portal.periodic.scores import Outcome, outcome
from portal.policy import Action, PlanRef


def not_ended(period, sub_period: int, today: date) -> str | None:
    """Why ``sub_period`` cannot be evaluated yet, or None once it has ended."""
    if subperiods.has_ended(period, sub_period, today):
        return None
    return say(
        NOT_ENDED,
        sub=subperiods.label(period, sub_period),
        end=f"{subperiods.end(period, sub_period):%d-%m-%Y}",
    )


def check_sub_period(period, sub_period: int, today: date) -> None:
    """Refuse a sub-period the period does not have (404) or that has not ended (422)."""
    if not 1 <= sub_period <= subperiods.count(period):
        raise NotFound(say(NO_SUCH_SUB_PERIOD, period=period.name))
    reason = not_ended(period, sub_period, today)
    if reason:
        raise InvalidInput(reason)


def authorize_evaluator(actor: Employee, ctx: Context) -> None:
    plan = ctx.plan
    policy.authorize(actor, Action.EVALUATE_PERIODIC, PlanRef(plan.employee, plan.period, plan))


def compute(ctx: Context, data: PeriodicInput, *, finish=False, errors=None) -> Outcome:
    return outcome(ctx.period.scheme, ctx.figures, data, finish=finish, errors=errors)


def save(
    ctx: Context, data: PeriodicInput, actor: Employee, today: date, *, finish: bool
) -> PeriodicEvaluation:
    """Save the evaluator's inputs as a draft; with ``finish``, make it final."""
    authorize_evaluator(actor, ctx)
    check_sub_period(ctx.period, ctx.sub_period, today)
    result = compute(ctx, data, finish=finish)
    if result.errors:
        raise InvalidInput(errors=result.errors)
    evaluation = ctx.evaluation
    if evaluation is None:
        evaluation = _create(ctx, actor)
    else:
        if evaluation.is_finished:
            raise Conflict(str(ALREADY_FINISHED))
        _swap(evaluation, PeriodicStatus.DRAFT, data.version, status=PeriodicStatus.DRAFT)
    evaluation.evaluator_id = actor.id
    evaluation.behaviour = result.behaviour
    evaluation.suggested_hasil_kerja = result.suggested_hasil_kerja
    evaluation.suggested_perilaku = result.suggested_perilaku
    evaluation.rating_hasil_kerja = result.rating_hasil_kerja
    evaluation.rating_perilaku = result.rating_perilaku
    evaluation.departure_reason = result.departure_reason if result.departs else ""
    evaluation.predikat = result.predikat
    evaluation.score = result.score
    evaluation.steps = list(result.steps)
    existing = {row.target_id: row for row in evaluation.targets}
    for figure in result.figures:
        row = existing.get(figure.target.id) or PeriodicTarget(target_id=figure.target.id)
        row.planned, row.realised = figure.planned, figure.realised
        row.evidence_count, row.score = figure.evidence_count, figure.score
        row.steps = list(figure.steps)
        row.feedback = result.feedback.get(figure.target.id, "")
        if row.id is None:
            evaluation.targets.append(row)
    summary = {
        "sub_period": ctx.sub_period,
        "predikat": result.predikat,
        "score": result.score,
        "rating_hasil_kerja": result.rating_hasil_kerja,
        "rating_perilaku": result.rating_perilaku,
        "suggested": [result.suggested_hasil_kerja, result.suggested_perilaku],
        "departure_reason": evaluation.departure_reason,
    }
    audit.record("periodic.save", evaluation, actor=actor, summary=summary)
    if finish:
        evaluation.status = PeriodicStatus.FINAL
        evaluation.finished_at = utcnow()
        audit.record("periodic.finish", evaluation, actor=actor, summary=summary)
    db.session.flush()
    return evaluation


def acknowledge(evaluation: PeriodicEvaluation, actor: Employee, version: int) -> None:
    """The employee has seen the finished result and acknowledges it."""
    policy.authorize(actor, Action.ACKNOWLEDGE_PERIODIC, evaluation)
    if evaluation.status == PeriodicStatus.ACKNOWLEDGED:
        raise Conflict(str(ALREADY_ACKNOWLEDGED))
    _swap(
        evaluation,
        PeriodicStatus.FINAL,
        version,
        status=PeriodicStatus.ACKNOWLEDGED,
        acknowledged_at=utcnow(),
    )
    audit.record(
        "periodic.acknowledge", evaluation, actor=actor, summary={"sub": evaluation.sub_period}
    )
    db.session.flush()


def _swap(evaluation: PeriodicEvaluation, source: PeriodicStatus, version, **values) -> None:
    """Compare-and-swap on the status and the version shown; the version moves on."""
    compare_and_swap(
        update(PeriodicEvaluation)
        .where(
            PeriodicEvaluation.id == evaluation.id,
            PeriodicEvaluation.status == source,
            PeriodicEvaluation.version == (version if version is not None else -1),
        )
        .values(version=PeriodicEvaluation.version + 1, **values),
        str(CHANGED_ELSEWHERE),
    )
    db.session.refresh(evaluation)


def _create(ctx: Context, actor: Employee) -> PeriodicEvaluation:
    """The first row of this employee's sub-period; a twin saved a moment ago (another
    tab, a double submit) is a conflict, not a second record."""
    plan = ctx.plan
    evaluation = PeriodicEvaluation(
        instansi_id=plan.instansi_id,
        period_id=plan.period_id,
        employee_id=plan.employee_id,
        plan_id=plan.id,
        evaluator_id=actor.id,
        sub_period=ctx.sub_period,
        version=1,
        behaviour={},
        steps=[],
    )
    try:
        with db.session.begin_nested():
            db.session.add(evaluation)
    except IntegrityError:
        raise Conflict(str(CHANGED_ELSEWHERE)) from None
    return evaluation
