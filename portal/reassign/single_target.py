"""One target to another evaluator, with the plan's draft evaluation when nothing else
of that plan stays with the old evaluator."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from portal import policy
from portal.errors import Conflict, InvalidInput
from portal.extensions import db
from portal.models import Employee, Evaluation, Target
from portal.policy import Action
from portal.reassign.acting import acting_role
from portal.reassign.apply import TARGET_CHANGED, apply
from portal.reassign.preview import EvaluationMove, Reassignment
from portal.reassign.work import (
    Recipient,
    check_recipient,
    clean_note,
    draft_evaluations,
    refuse_evaluating_a_superior,
    refuse_unless_in_flight,
    target_moves,
)

RECIPIENT = Recipient(
    "to",
    _l("Pilih pejabat penilai yang baru."),
    _l("Pejabat penilai yang baru harus pegawai instansi yang sama."),
)


def preview_target(
    target: Target, to: Employee | None, acting: str, *, actor: Employee
) -> Reassignment:
    """One target to another evaluator (and the plan's draft evaluation with it, when the
    old evaluator has no other target left in that plan)."""
    policy.authorize(actor, Action.REASSIGN_TARGET, target)
    acting = acting_role(acting)
    refuse_unless_in_flight(
        target,
        closed=_l(
            "Periode penilaian %(period)s sudah ditutup dan dibekukan; pejabat penilai "
            "targetnya tidak dapat dialihkan lagi."
        ),
        evaluated=_l(
            "Target berstatus “%(state)s” sudah dievaluasi; pejabat penilainya tidak "
            "dialihkan. Kembalikan dulu ke tahap sebelumnya bila perlu."
        ),
    )
    check_recipient(to, target.instansi_id, RECIPIENT)
    if to.id == target.owner_id:
        raise InvalidInput(
            _("Pegawai tidak dapat menjadi pejabat penilai targetnya sendiri."), field="to"
        )
    if to.id == target.evaluator_id:
        raise InvalidInput(
            _("%(name)s sudah menjadi pejabat penilai target ini.", name=to.display_name),
            field="to",
        )
    refuse_evaluating_a_superior(to, [target.owner], "to")
    result = Reassignment("target", acting, target.evaluator if acting else None)
    result.targets = target_moves([target], lambda t: (to, acting))
    if target.evaluator_id is not None:
        others = db.session.scalar(
            select(func.count())
            .select_from(Target)
            .where(
                Target.plan_id == target.plan_id,
                Target.id != target.id,
                Target.evaluator_id == target.evaluator_id,
            )
        )
        if not others:
            result.evaluations = [
                EvaluationMove(e, e.version, e.evaluator_id, to)
                for e in draft_evaluations(
                    Evaluation.plan_id == target.plan_id,
                    Evaluation.evaluator_id == target.evaluator_id,
                )
            ]
    return result


def reassign_target(
    target: Target,
    to: Employee | None,
    acting: str,
    *,
    note: str,
    expected_version: int,
    actor: Employee,
) -> Reassignment:
    if expected_version != target.version:
        raise Conflict(TARGET_CHANGED)
    preview = preview_target(target, to, acting, actor=actor)
    note = clean_note(note)
    apply(preview, actor, note)
    db.session.flush()
    return preview
