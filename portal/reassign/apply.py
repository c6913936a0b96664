"""Applying a confirmed :class:`~portal.reassign.preview.Reassignment`.

The confirmation carries the preview's ``token``; when the work changed in between (an
approval, a new report), the token differs and the request is a :class:`Conflict` with
the fresh preview. Each target's move is a compare-and-swap on its id, version and
evaluator that bumps the version, so a reassignment racing an approval by the old
evaluator ends with exactly one of them first and the other refused (409), never both
applied to a stale row.
"""

from __future__ import annotations

from flask import g, has_request_context
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import update
from sqlalchemy.orm.attributes import set_committed_value

from portal import audit
from portal.concurrency import compare_and_swap
from portal.errors import Conflict
from portal.extensions import db
from portal.models import Employee, Evaluation, EvaluationStatus, EvaluatorAssignment, Target
from portal.models.types import utcnow
from portal.reassign.preview import EvaluationMove, Reassignment, SupervisorMove, TargetMove

CHANGED_SINCE_PREVIEW = _l(
    "Pekerjaan yang akan dialihkan berubah sejak pratinjau dibuat (misalnya ada target "
    "yang baru disetujui atau dilaporkan). Pratinjau sudah diperbarui; periksa lalu "
    "konfirmasi lagi."
)
TARGET_CHANGED = _l(
    "Target ini baru saja diubah orang lain. Tampilan sudah diperbarui; periksa lalu ulangi."
)
EVALUATION_CHANGED = _l("Evaluasi ini baru saja diubah di tempat lain. Muat ulang lalu ulangi.")


def confirm(preview: Reassignment, token: str | None) -> None:
    if (token or "") != preview.token:
        raise Conflict(CHANGED_SINCE_PREVIEW)


def apply(preview: Reassignment, actor: Employee, note: str) -> None:
    """Make exactly the changes ``preview`` lists, each guarded by a compare-and-swap."""
    for move in preview.targets:
        _move_target(move, actor, note, preview.acting_for if move.acting else None)
    for move in preview.evaluations:
        _move_evaluation(move, actor)
    for move in preview.supervisors:
        _move_supervisor(move, actor, preview.acting_for if move.acting else None)
    if has_request_context():
        g.policy_cache = {}  # supervisor chains and evaluator roles have changed
    db.session.flush()


def _move_target(move: TargetMove, actor: Employee, note: str, acting_for: Employee | None):
    target = move.target
    old_id = move.old.id if move.old else None
    evaluator_was = (
        Target.evaluator_id.is_(None) if old_id is None else Target.evaluator_id == old_id
    )
    compare_and_swap(
        update(Target)
        .where(Target.id == target.id, Target.version == move.version, evaluator_was)
        .values(evaluator_id=move.new.id, version=move.version + 1, updated_at=utcnow()),
        TARGET_CHANGED,
    )
    set_committed_value(target, "evaluator_id", move.new.id)
    set_committed_value(target, "evaluator", move.new)
    set_committed_value(target, "version", move.version + 1)
    db.session.add(
        EvaluatorAssignment(
            target_id=target.id,
            evaluator_id=move.new.id,
            assigned_by_id=actor.id,
            note=note,
            acting=move.acting,
            acting_for_id=acting_for.id if acting_for else None,
        )
    )
    audit.record(
        "target.reassign",
        target,
        actor=actor,
        summary={
            "from": old_id,
            "to": move.new.id,
            "acting": move.acting,
            "acting_for": acting_for.id if acting_for else None,
            "state": target.state,
            "note": note,
            "version": move.version + 1,
        },
    )


def _move_evaluation(move: EvaluationMove, actor: Employee) -> None:
    evaluation = move.evaluation
    compare_and_swap(
        update(Evaluation)
        .where(
            Evaluation.id == evaluation.id,
            Evaluation.version == move.version,
            Evaluation.evaluator_id == move.old_id,
            Evaluation.status == EvaluationStatus.DRAFT,
        )
        .values(evaluator_id=move.new.id, version=move.version + 1),
        EVALUATION_CHANGED,
    )
    set_committed_value(evaluation, "evaluator_id", move.new.id)
    set_committed_value(evaluation, "evaluator", move.new)
    set_committed_value(evaluation, "version", move.version + 1)
    audit.record(
        "evaluation.reassign",
        evaluation,
        actor=actor,
        summary={"from": move.old_id, "to": move.new.id, "version": move.version + 1},
    )


def _move_supervisor(move: SupervisorMove, actor: Employee, acting_for: Employee | None):
    employee = move.employee
    old_id = move.old.id if move.old else None
    new_id = move.new.id if move.new else None
    was = Employee.atasan_id.is_(None) if old_id is None else Employee.atasan_id == old_id
    acting = move.acting if acting_for is not None else ""
    acting_for_id = acting_for.id if acting_for is not None else None
    compare_and_swap(
        update(Employee)
        .where(Employee.id == employee.id, was)
        .values(atasan_id=new_id, atasan_acting=acting, atasan_acting_for_id=acting_for_id),
        _(
            "Atasan langsung %(name)s baru saja diubah di tempat lain. Muat ulang lalu ulangi.",
            name=employee.display_name,
        ),
    )
    set_committed_value(employee, "atasan_id", new_id)
    set_committed_value(employee, "atasan", move.new)
    set_committed_value(employee, "atasan_acting", acting)
    set_committed_value(employee, "atasan_acting_for_id", acting_for_id)
    summary: dict = {"changes": {"atasan_id": [old_id, new_id]}}
    if acting_for is not None:
        summary |= {"acting": acting, "acting_for": acting_for_id}
    audit.record("employee.update", employee, actor=actor, summary=summary)


def summary_of(result: Reassignment) -> dict:
    return {
        "acting": result.acting,
        "targets": [[m.target.id, m.new.id] for m in result.targets],
        "evaluations": [[m.evaluation.id, m.new.id] for m in result.evaluations],
        "supervisors": [[m.employee.id, m.new.id if m.new else None] for m in result.supervisors],
    }
