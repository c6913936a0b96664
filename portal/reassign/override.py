"""The admin's override (revert a target one step back), as far as it reaches beyond the
target: reverting an evaluated target (from its report, or one evaluated without a final
report, which goes back to approved) re-opens its plan's evaluation.

:func:`after_revert` receives ``workflows.signals.target_transitioned``: it runs inside the
same transaction, right after the target's own compare-and-swap, and what it raises undoes
the revert. The subscription is made when this module is imported (``portal.reassign``
imports it).
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm.attributes import set_committed_value

from portal import audit
from portal.concurrency import compare_and_swap
from portal.extensions import db
from portal.models import Employee, Evaluation, EvaluationStatus, Target
from portal.reassign.apply import EVALUATION_CHANGED
from workflows import engine
from workflows.signals import target_transitioned
from workflows.states import EVALUATED


@target_transitioned.connect
def after_revert(
    target: Target, *, trigger: str, from_state: str, actor: Employee, reason: str, **_
) -> None:
    # Either way back from "evaluated": to reported, or to approved for a target that was
    # evaluated without a final report (``revert_unreported``).
    if trigger in ("revert", "revert_unreported") and from_state == EVALUATED:
        reopen_evaluation(target, actor, reason)


def reopen_evaluation(target: Target, actor: Employee, reason: str) -> Evaluation | None:
    """Make the plan's final evaluation a draft again, so that it can be finished anew.

    Its version moves on, so every letter printed from it no longer matches it (the
    verification page then says the letter is outdated). The employee's response and any
    objection belonged to the evaluation as it was; they are cleared (and kept in the
    audit log) so that the employee can respond to the new one.
    """
    evaluation = db.session.scalar(select(Evaluation).where(Evaluation.plan_id == target.plan_id))
    if evaluation is None or evaluation.status != EvaluationStatus.FINAL:
        return None
    before = {
        "predikat": evaluation.predikat,
        "final_score": evaluation.final_score,
        "employee_response": evaluation.employee_response,
        "response_reason": evaluation.response_reason,
        "objection_status": evaluation.objection_status,
        "objection_decision_reason": evaluation.objection_decision_reason,
    }
    values = {
        "status": EvaluationStatus.DRAFT,
        "evaluated_at": None,
        "version": evaluation.version + 1,
        "employee_response": None,
        "response_reason": "",
        "responded_at": None,
        "objection_status": None,
        "objection_decided_by_id": None,
        "objection_decision_reason": "",
        "objection_decided_at": None,
    }
    compare_and_swap(
        update(Evaluation)
        .where(
            Evaluation.id == evaluation.id,
            Evaluation.version == evaluation.version,
            Evaluation.status == EvaluationStatus.FINAL,
        )
        .values(**values),
        EVALUATION_CHANGED,
    )
    for name, value in values.items():
        set_committed_value(evaluation, name, value)
    engine.forget_evaluation(target.plan_id)
    audit.record(
        "evaluation.reopen",
        evaluation,
        actor=actor,
        summary={
            "target_id": target.id,
            "reason": reason,
            "before": before,
            "version": evaluation.version,
        },
    )
    return evaluation
