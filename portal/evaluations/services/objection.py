"""The employee's response to a final evaluation (agreement or keberatan) and the
decision of the evaluator's supervisor on an objection."""

from __future__ import annotations

from portal import audit, clock, policy
from portal.errors import Conflict, InvalidInput
from portal.evaluations.inputs import Decision, DecisionInput, Response, ResponseInput
from portal.evaluations.messages import (
    ALREADY_DECIDED,
    ALREADY_RESPONDED,
    OBJECTION_NEEDS_REASON,
    OBJECTION_TOO_LATE,
    PICK_NEW_PREDIKAT,
    say,
)
from portal.evaluations.queries import objection_deadline, predikat_choices
from portal.evaluations.services.claim import claim
from portal.extensions import db
from portal.models import Employee, Evaluation
from portal.models.types import utcnow
from portal.policy import Action


def respond(evaluation: Evaluation, actor: Employee, data: ResponseInput) -> None:
    """The employee agrees, or objects (keberatan) with a reason, before the deadline."""
    policy.authorize(actor, Action.RESPOND_EVALUATION, evaluation)
    if evaluation.employee_response is not None:
        raise Conflict(str(ALREADY_RESPONDED))
    if data.choice == Response.OBJECT:
        deadline = objection_deadline(evaluation)
        if deadline is not None and clock.today() > deadline:
            message = say(OBJECTION_TOO_LATE, deadline=deadline.strftime("%d-%m-%Y"))
            raise InvalidInput(message, field="response")
        if not data.reason:
            raise InvalidInput(str(OBJECTION_NEEDS_REASON), field="reason")
    # The version stays: a response changes nothing the letter states.
    claim(
        evaluation,
        Evaluation.employee_response.is_(None),
        bump=False,
        employee_response=data.choice.value,
        response_reason=data.reason,
        responded_at=utcnow(),
        objection_status="open" if data.choice == Response.OBJECT else None,
    )
    audit.record(
        f"evaluation.{data.choice.value}", evaluation, actor=actor, summary={"reason": data.reason}
    )
    db.session.flush()


def decide_objection(evaluation: Evaluation, actor: Employee, data: DecisionInput) -> None:
    """The evaluator's supervisor upholds the evaluation or changes the predikat."""
    policy.authorize(actor, Action.DECIDE_OBJECTION, evaluation)
    if evaluation.objection_status != "open":
        raise Conflict(str(ALREADY_DECIDED))
    before = predikat = evaluation.predikat
    if data.decision == Decision.CHANGED:
        predikat = data.predikat
        if predikat not in predikat_choices(evaluation.period.scheme) or predikat == before:
            raise InvalidInput(str(PICK_NEW_PREDIKAT), field="predikat")
    claim(
        evaluation,
        Evaluation.objection_status == "open",
        predikat=predikat,
        objection_status=data.decision.value,
        objection_decided_by_id=actor.id,
        objection_decision_reason=data.reason,
        objection_decided_at=utcnow(),
    )
    audit.record(
        "evaluation.objection_decided",
        evaluation,
        actor=actor,
        summary={
            "decision": data.decision.value,
            "reason": data.reason,
            "predikat": [before, evaluation.predikat],
        },
    )
    db.session.flush()
