"""Saving the evaluation, and finishing it: final, and ``evaluate`` fired on every
reported target."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from portal import audit
from portal.errors import Conflict, InvalidInput, PermissionDenied
from portal.evaluations.inputs import EvaluationInput
from portal.evaluations.messages import (
    ALREADY_FINISHED,
    CHANGED_ELSEWHERE,
    NO_REPORTED_TARGETS,
    NOT_THE_EVALUATOR,
    PERIOD_CLOSED,
)
from portal.evaluations.queries import Context, is_evaluator, split_evaluators
from portal.evaluations.scores import Outcome, outcome
from portal.evaluations.services.claim import claim
from portal.extensions import db
from portal.models import Employee, Evaluation, EvaluationStatus, EvaluationTarget, Plan
from portal.models.types import utcnow
from workflows import engine
from workflows.targets import REPORTED


def compute(ctx: Context, data: EvaluationInput, errors: dict[str, str] | None = None) -> Outcome:
    """What ``data`` comes to; ``errors`` are the form's, kept beside its fields."""
    return outcome(
        ctx.plan.period,
        ctx.results,
        data,
        structural=ctx.structural,
        unit_head=ctx.unit_head,
        errors=errors,
        periodic=ctx.periodic,
    )


def authorize_evaluator(actor: Employee, ctx: Context) -> None:
    """Refuse unless ``actor`` is the one evaluator of the plan's targets, in an open period."""
    if not ctx.results:
        raise InvalidInput(str(NO_REPORTED_TARGETS))
    if not is_evaluator(actor, ctx):
        raise PermissionDenied(str(NOT_THE_EVALUATOR))
    if not ctx.plan.period.is_open:
        raise PermissionDenied(str(PERIOD_CLOSED))
    split = split_evaluators(ctx, actor)
    if split:
        raise InvalidInput(split)


def save(ctx: Context, data: EvaluationInput, actor: Employee, *, finish: bool) -> Evaluation:
    """Save the evaluation; with ``finish``, make it final and evaluate every target."""
    authorize_evaluator(actor, ctx)
    result = compute(ctx, data)
    if result.errors:
        raise InvalidInput(errors=result.errors)
    evaluation = ctx.evaluation
    if evaluation is not None and evaluation.is_final:
        raise Conflict(str(ALREADY_FINISHED))
    if evaluation is not None and evaluation.version != data.version:
        raise Conflict(str(CHANGED_ELSEWHERE))
    plan = ctx.plan
    if evaluation is None:
        evaluation = _create(plan, actor)
    else:
        claim(evaluation, Evaluation.status == EvaluationStatus.DRAFT)
    evaluation.evaluator_id = actor.id
    evaluation.behaviour = result.behaviour
    evaluation.ekspektasi_khusus = result.ekspektasi_khusus
    evaluation.tugas_tambahan = result.tugas_tambahan
    evaluation.kreativitas = result.kreativitas
    evaluation.organisation_rating = result.organisation_rating
    evaluation.suggested_hasil_kerja = result.suggested_hasil_kerja
    evaluation.suggested_perilaku = result.suggested_perilaku
    evaluation.rating_hasil_kerja = result.rating_hasil_kerja
    evaluation.rating_perilaku = result.rating_perilaku
    evaluation.departure_reason = result.departure_reason if result.departs else ""
    evaluation.final_score = result.final_score
    evaluation.predikat = result.predikat
    evaluation.notes = result.notes
    db.session.flush()
    existing = {row.target_id: row for row in evaluation.targets}
    for r in result.results:
        row = existing.get(r.target.id) or EvaluationTarget(
            evaluation_id=evaluation.id, target_id=r.target.id
        )
        row.realised_quantity = r.realisation.accepted
        row.realised_quality = r.real_quality
        row.realised_months = r.real_months
        row.realised_cost = r.realisation.cost if r.target.cost else None
        row.evidence_count = r.evidence_count
        row.score = r.score
        row.steps = list(r.steps)
        row.feedback = result.feedback.get(r.target.id, "")
        db.session.add(row)
    summary = {
        "predikat": result.predikat,
        "final_score": result.final_score,
        "rating_hasil_kerja": result.rating_hasil_kerja,
        "rating_perilaku": result.rating_perilaku,
        "suggested": [result.suggested_hasil_kerja, result.suggested_perilaku],
        "departure_reason": evaluation.departure_reason,
        "finish": finish,
    }
    audit.record(
        "evaluation.departure" if result.departs else "evaluation.save",
        evaluation,
        actor=actor,
        summary=summary,
    )
    if finish:
        evaluation.status = EvaluationStatus.FINAL
        evaluation.evaluated_at = utcnow()
        db.session.flush()
        engine.forget_evaluation(plan.id)
        for r in result.results:
            if r.target.state == REPORTED:
                engine.fire(r.target, "evaluate", actor)
        audit.record("evaluation.finish", evaluation, actor=actor, summary=summary)
    db.session.flush()
    return evaluation


def _create(plan: Plan, actor: Employee) -> Evaluation:
    """The plan's first evaluation row; a twin saved a moment ago (another tab, a double
    submit) is a conflict, not a 500."""
    evaluation = Evaluation(
        plan_id=plan.id,
        employee_id=plan.employee_id,
        period_id=plan.period_id,
        instansi_id=plan.instansi_id,
        evaluator_id=actor.id,
        version=1,
    )
    try:
        with db.session.begin_nested():
            db.session.add(evaluation)
    except IntegrityError:
        raise Conflict(str(CHANGED_ELSEWHERE)) from None
    return evaluation
