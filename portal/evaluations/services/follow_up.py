"""The follow-up (tindak lanjut) plan: its items, closing one, and firing ``follow_up``
on the evaluated targets."""

from __future__ import annotations

from portal import audit, policy
from portal.errors import Conflict, InvalidInput
from portal.evaluations.inputs import FollowUpInput, Responsible
from portal.evaluations.messages import (
    EVALUATION_NOT_FINISHED,
    ITEM_ALREADY_DONE,
    NOTHING_TO_FOLLOW_UP,
)
from portal.evaluations.queries import Context
from portal.extensions import db
from portal.models import Employee, Evaluation, FollowUpItem
from portal.models.types import utcnow
from portal.policy import Action
from workflows import engine
from workflows.targets import EVALUATED


def add_follow_up(evaluation: Evaluation, actor: Employee, data: FollowUpInput) -> FollowUpItem:
    policy.authorize(actor, Action.PLAN_FOLLOW_UP, evaluation)
    item = FollowUpItem(
        evaluation_id=evaluation.id,
        employee_id=evaluation.employee_id,
        instansi_id=evaluation.instansi_id,
        kind=data.kind,
        description=data.description,
        responsible_id=(
            evaluation.employee_id if data.responsible == Responsible.EMPLOYEE else actor.id
        ),
        due_date=data.due_date,
        created_by_id=actor.id,
    )
    db.session.add(item)
    db.session.flush()
    engine.forget_evaluation(evaluation.plan_id)
    audit.record(
        "follow_up.add",
        evaluation,
        actor=actor,
        summary={
            "item_id": item.id,
            "kind": data.kind.value,
            "due_date": data.due_date.isoformat(),
        },
    )
    return item


def close_follow_up(item: FollowUpItem, actor: Employee) -> None:
    policy.authorize(actor, Action.CLOSE_FOLLOW_UP, item)
    if item.status == "done":
        raise Conflict(str(ITEM_ALREADY_DONE))
    item.status = "done"
    item.closed_at = utcnow()
    audit.record("follow_up.close", item, actor=actor, summary={"item_id": item.id})
    db.session.flush()


def complete_follow_up(ctx: Context, actor: Employee) -> int:
    """Fire ``follow_up`` on every evaluated target of the plan; return how many."""
    if ctx.evaluation is None:
        raise InvalidInput(str(EVALUATION_NOT_FINISHED))
    policy.authorize(actor, Action.PLAN_FOLLOW_UP, ctx.evaluation)
    fired = 0
    for r in ctx.results:
        if r.target.state == EVALUATED and r.target.evaluator_id == actor.id:
            engine.fire(r.target, "follow_up", actor)
            fired += 1
    if not fired:
        raise InvalidInput(str(NOTHING_TO_FOLLOW_UP))
    return fired
