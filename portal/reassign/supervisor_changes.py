"""One employee's new atasan langsung, and with it (when asked) their in-flight work."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal import audit, policy
from portal.errors import Conflict, InvalidInput
from portal.extensions import db
from portal.models import Employee, Evaluation, Target
from portal.policy import Action
from portal.reassign.apply import apply, confirm, summary_of
from portal.reassign.preview import EvaluationMove, Reassignment, SupervisorMove
from portal.reassign.work import (
    Recipient,
    check_recipient,
    clean_note,
    draft_evaluations,
    frozen_count,
    frozen_note,
    open_in_flight,
    target_moves,
)

OWN_SUPERVISOR = _l("Pegawai tidak dapat menjadi atasannya sendiri.")
RECIPIENT = Recipient(
    "atasan",
    _l("Pilih atasan langsung yang baru."),
    _l("Atasan langsung yang baru harus pegawai instansi yang sama."),
)


class NothingToChange(InvalidInput):
    """The new atasan is already the employee's atasan (and evaluator of all their work)."""


def preview_supervisor_change(
    employee: Employee, new_atasan: Employee | None, *, move_work: bool, actor: Employee
) -> Reassignment:
    """A new atasan for ``employee``; with ``move_work``, their in-flight targets and
    draft evaluation move to the new atasan as evaluator too."""
    policy.authorize(actor, Action.MANAGE_EMPLOYEE, employee)
    check_recipient(new_atasan, employee.instansi_id, RECIPIENT)
    if new_atasan.id == employee.id:
        raise InvalidInput(str(OWN_SUPERVISOR), field="atasan")
    if employee.id in policy.supervisor_chain_ids(new_atasan.id):
        raise InvalidInput(
            _(
                "%(atasan)s berada di bawah %(employee)s; rantai atasan tidak boleh melingkar.",
                atasan=new_atasan.display_name,
                employee=employee.display_name,
            ),
            field="atasan",
        )
    result = Reassignment("supervisor")
    if employee.atasan_id != new_atasan.id:
        result.supervisors.append(SupervisorMove(employee, employee.atasan, new_atasan))
    if move_work:
        targets = list(
            db.session.scalars(
                open_in_flight().where(
                    Target.owner_id == employee.id,
                    (Target.evaluator_id != new_atasan.id) | Target.evaluator_id.is_(None),
                )
            )
        )
        result.targets = target_moves(targets, lambda t: (new_atasan, ""))
        result.evaluations = [
            EvaluationMove(e, e.version, e.evaluator_id, new_atasan)
            for e in draft_evaluations(
                Evaluation.employee_id == employee.id, Evaluation.evaluator_id != new_atasan.id
            )
        ]
        frozen = frozen_count(Target.owner_id == employee.id)
        if frozen:
            result.left_behind.append(frozen_note(frozen))
    if result.is_empty:
        names = {"atasan": new_atasan.display_name, "employee": employee.display_name}
        raise NothingToChange(
            _(
                "%(atasan)s sudah menjadi atasan langsung %(employee)s dan pejabat penilai "
                "semua targetnya.",
                **names,
            )
            if move_work
            else _("%(atasan)s sudah menjadi atasan langsung %(employee)s.", **names),
            field="atasan",
        )
    return result


def change_supervisor(
    employee: Employee,
    new_atasan: Employee | None,
    *,
    move_work: bool,
    note: str,
    token: str | None,
    actor: Employee,
) -> Reassignment:
    try:
        preview = preview_supervisor_change(employee, new_atasan, move_work=move_work, actor=actor)
    except NothingToChange as exc:
        if token:
            # A confirmed preview listed changes; none are left: someone else made them
            # meanwhile (the loser of a race), a 409 with the fresh state, not bad input.
            raise Conflict(exc.message) from None
        raise
    note = clean_note(note)
    confirm(preview, token)
    apply(preview, actor, note)
    audit.record(
        "reassign.supervisor",
        employee,
        actor=actor,
        summary={**summary_of(preview), "to": new_atasan.id, "move_work": move_work},
    )
    db.session.flush()
    return preview
