"""Saving the evaluation, and finishing it: final, ``evaluate`` fired on every reported
target and ``evaluate_unreported`` on every approved one the evaluator chose to score on
its realisation; the others approved are excluded, each with its reason. Nothing is left
out silently: finishing with an undecided target is refused."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from portal import audit
from portal.errors import Conflict, InvalidInput, PermissionDenied
from portal.evaluations.inputs import Coverage as CoverageChoice
from portal.evaluations.inputs import EvaluationInput
from portal.evaluations.messages import (
    ALREADY_FINISHED,
    CHANGED_ELSEWHERE,
    EXCLUSION_NEEDS_REASON,
    NO_REPORTED_TARGETS,
    NOT_THE_EVALUATOR,
    PERIOD_CLOSED,
    PICK_COVERAGE,
    UNDECIDED_TARGETS,
    say,
)
from portal.evaluations.queries import Context, is_evaluator, split_evaluators
from portal.evaluations.scores import Outcome, outcome
from portal.evaluations.services.claim import claim
from portal.extensions import db
from portal.models import (
    Employee,
    Evaluation,
    EvaluationExclusion,
    EvaluationStatus,
    EvaluationTarget,
    Plan,
)
from portal.models.types import utcnow
from workflows import engine
from workflows.targets import APPROVED, REPORTED


def compute(ctx: Context, data: EvaluationInput, errors: dict[str, str] | None = None) -> Outcome:
    """What ``data`` comes to, over the targets not excluded; ``errors`` are the form's,
    kept beside its fields."""
    return outcome(
        ctx.plan.period,
        ctx.scored(data.coverage),
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


@dataclass(frozen=True)
class Coverage:
    """What a saved evaluation covers, as the finish message says it."""

    scored: int
    unreported: int
    excluded: int
    not_approved: int


def coverage_errors(ctx: Context, data: EvaluationInput, *, finish: bool) -> dict[str, str]:
    """The decisions on the targets not reported by the end: an exclusion needs its
    reason; finishing needs a decision on each (the refusal names the undecided ones)."""
    errors, undecided = {}, []
    for r in ctx.results:
        target_id = r.target.id
        if target_id not in ctx.unreported_ids:
            continue
        choice = data.coverage.get(target_id)
        if choice == CoverageChoice.EXCLUDE and not data.exclusion_reasons.get(target_id):
            errors[f"exclusion_reason_{target_id}"] = str(EXCLUSION_NEEDS_REASON)
        if choice is None and finish:
            errors[f"coverage_{target_id}"] = str(PICK_COVERAGE)
            undecided.append(f"“{r.target.title}”")
    if undecided:
        errors["_"] = say(UNDECIDED_TARGETS, titles=", ".join(undecided))
    return errors


def save(ctx: Context, data: EvaluationInput, actor: Employee, *, finish: bool) -> Evaluation:
    """Save the evaluation; with ``finish``, make it final and evaluate every target it
    covers."""
    authorize_evaluator(actor, ctx)
    result = compute(ctx, data)
    errors = {**coverage_errors(ctx, data, finish=finish), **result.errors}
    if errors:
        raise InvalidInput(errors.get("_", ""), errors=errors)
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
    unreported = ctx.unreported_ids
    existing = {row.target_id: row for row in evaluation.targets}
    scored = [
        r
        for r in result.results
        if r.target.id not in unreported or data.coverage.get(r.target.id) is not None
    ]
    for target_id in existing.keys() - {r.target.id for r in scored}:
        evaluation.targets.remove(existing.pop(target_id))  # now excluded or undecided
    for r in scored:
        row = existing.get(r.target.id) or EvaluationTarget(
            evaluation_id=evaluation.id, target_id=r.target.id
        )
        row.unreported = r.target.id in unreported
        row.realised_quantity = r.realisation.accepted
        row.realised_quality = r.real_quality
        row.realised_months = r.real_months
        row.realised_cost = r.realisation.cost if r.target.cost else None
        row.evidence_count = r.evidence_count
        row.score = r.score
        row.steps = list(r.steps)
        row.feedback = result.feedback.get(r.target.id, "")
        db.session.add(row)
    exclusions = _keep_exclusions(ctx, evaluation, data, actor)
    summary = {
        "predikat": result.predikat,
        "final_score": result.final_score,
        "rating_hasil_kerja": result.rating_hasil_kerja,
        "rating_perilaku": result.rating_perilaku,
        "suggested": [result.suggested_hasil_kerja, result.suggested_perilaku],
        "departure_reason": evaluation.departure_reason,
        "finish": finish,
        "scored": sorted(r.target.id for r in scored),
        "excluded": sorted(exclusions),
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
        for r in scored:
            if r.target.state == REPORTED:
                engine.fire(r.target, "evaluate", actor)
            elif r.target.state == APPROVED:
                engine.fire(r.target, "evaluate_unreported", actor)
        audit.record("evaluation.finish", evaluation, actor=actor, summary=summary)
    db.session.flush()
    return evaluation


def coverage_of(ctx: Context, evaluation: Evaluation) -> Coverage:
    """What the saved ``evaluation`` of the plan covers, as stored (the finish message)."""
    scored, unreported = db.session.execute(
        select(
            func.count(EvaluationTarget.id),
            func.count(EvaluationTarget.id).filter(EvaluationTarget.unreported.is_(True)),
        ).where(EvaluationTarget.evaluation_id == evaluation.id)
    ).one()
    excluded = db.session.scalar(
        select(func.count(EvaluationExclusion.id)).where(
            EvaluationExclusion.evaluation_id == evaluation.id
        )
    )
    return Coverage(scored, unreported, excluded, len(ctx.not_approved))


def _keep_exclusions(
    ctx: Context, evaluation: Evaluation, data: EvaluationInput, actor: Employee
) -> set[int]:
    """Keep the exclusions as decided now: add the new ones, change a reason, drop the
    ones decided otherwise; each change in the audit log. Return the excluded targets."""
    titles = {r.target.id: r.target.title for r in ctx.results}
    wanted = {
        target_id: data.exclusion_reasons[target_id]
        for target_id in ctx.unreported_ids
        if data.coverage.get(target_id) == CoverageChoice.EXCLUDE
    }
    for target_id, exclusion in list(ctx.exclusions.items()):
        if target_id not in wanted:
            evaluation.exclusions.remove(exclusion)
            del ctx.exclusions[target_id]
            _audit_exclusion("evaluation.include", evaluation, actor, target_id, titles, "")
    for target_id, reason in wanted.items():
        exclusion = ctx.exclusions.get(target_id)
        if exclusion is not None and exclusion.reason == reason:
            continue
        if exclusion is None:
            exclusion = EvaluationExclusion(target_id=target_id, excluded_by_id=actor.id)
            evaluation.exclusions.append(exclusion)
            ctx.exclusions[target_id] = exclusion
        exclusion.reason = reason
        exclusion.excluded_by_id = actor.id
        exclusion.excluded_at = utcnow()
        _audit_exclusion("evaluation.exclude", evaluation, actor, target_id, titles, reason)
    db.session.flush()
    return set(wanted)


def _audit_exclusion(action, evaluation, actor, target_id, titles, reason) -> None:
    audit.record(
        action,
        evaluation,
        actor=actor,
        summary={"target_id": target_id, "title": titles.get(target_id, ""), "reason": reason},
    )


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
