"""A departing supervisor's handover: everything they evaluate or supervise goes to a
replacement, definitively or acting (Plt./Plh.)."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import select

from portal import audit, policy
from portal.errors import InvalidInput
from portal.extensions import db
from portal.models import Employee, Evaluation, Target
from portal.policy import Action
from portal.reassign.acting import acting_role
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
    refuse_evaluating_a_superior,
    target_moves,
)

RECIPIENT_OTHER_AGENCY = _l("Penerima pekerjaan harus pegawai instansi yang sama.")

RECIPIENT = Recipient(
    "to",
    _l("Pilih penerima pekerjaan."),
    RECIPIENT_OTHER_AGENCY,
)


def preview_handover(
    departing: Employee, to: Employee | None, acting: str, *, set_atasan: bool, actor: Employee
) -> Reassignment:
    """Everything ``departing`` evaluates or supervises, handed to ``to``.

    The replacement's own targets and evaluation (when they worked under ``departing``)
    go one level up, to ``departing``'s own supervisor: nobody evaluates themself.
    With ``set_atasan``, ``to`` also becomes the atasan langsung of ``departing``'s direct
    subordinates, so that work created afterwards (new targets take their evaluator from
    the atasan) reaches them too.
    """
    policy.authorize(actor, Action.MANAGE_EMPLOYEE, departing)
    acting = acting_role(acting)
    check_recipient(to, departing.instansi_id, RECIPIENT)
    if to.id == departing.id:
        raise InvalidInput(
            _(
                "Pekerjaan tidak dapat dialihkan kepada pegawai yang pergi itu sendiri; "
                "pilih penggantinya."
            ),
            field="to",
        )
    above = departing.atasan if departing.atasan and departing.atasan.active else None
    result = Reassignment("handover", acting, departing if acting else None)

    def recipient(owner_id: int):
        if owner_id != to.id:
            return to, acting
        return (above, "") if above is not None else None

    targets = list(db.session.scalars(open_in_flight().where(Target.evaluator_id == departing.id)))
    result.targets = target_moves(targets, lambda t: recipient(t.owner_id))
    evaluations = draft_evaluations(Evaluation.evaluator_id == departing.id)
    for evaluation in evaluations:
        chosen = recipient(evaluation.employee_id)
        if chosen is not None:
            result.evaluations.append(
                EvaluationMove(evaluation, evaluation.version, departing.id, chosen[0])
            )
    own = [t for t in targets if t.owner_id == to.id]
    if own and above is None:
        result.left_behind.append(
            ngettext(
                "%(num)d target milik %(name)s sendiri tetap pada penilai lama: %(departing)s "
                "tidak memiliki atasan aktif yang dapat menilainya. Tetapkan pejabat "
                "penilainya lewat halaman target.",
                "%(num)d target milik %(name)s sendiri tetap pada penilai lama: %(departing)s "
                "tidak memiliki atasan aktif yang dapat menilainya. Tetapkan pejabat "
                "penilainya lewat halaman target.",
                len(own),
                name=to.display_name,
                departing=departing.display_name,
            )
        )
    frozen = frozen_count(Target.evaluator_id == departing.id)
    if frozen:
        result.left_behind.append(frozen_note(frozen))
    refuse_evaluating_a_superior(
        to, [m.target.owner for m in result.targets if m.new.id == to.id], "to"
    )
    if set_atasan:
        result.supervisors = _subordinate_moves(departing, to, acting)
    return result


def _subordinate_moves(departing: Employee, to: Employee, acting: str) -> list[SupervisorMove]:
    subordinates = list(
        db.session.scalars(
            select(Employee)
            .where(Employee.atasan_id == departing.id, Employee.active.is_(True))
            .order_by(Employee.name, Employee.id)
        )
    )
    above_to = set(policy.supervisor_chain_ids(to.id))
    moves = []
    for subordinate in subordinates:
        if subordinate.id == to.id:
            # The replacement was one of them: they now answer to the departing one's boss.
            moves.append(SupervisorMove(subordinate, departing, departing.atasan))
            continue
        if subordinate.id in above_to:
            raise InvalidInput(
                _(
                    "%(to)s berada di bawah %(subordinate)s; menjadikannya atasan "
                    "%(subordinate)s membuat rantai atasan melingkar. Pilih pengganti lain, "
                    "atau jangan ubah atasan langsung bawahannya.",
                    to=to.display_name,
                    subordinate=subordinate.display_name,
                ),
                field="set_atasan",
            )
        moves.append(SupervisorMove(subordinate, departing, to, acting))
    return moves


def hand_over(
    departing: Employee,
    to: Employee | None,
    acting: str,
    *,
    set_atasan: bool,
    note: str,
    token: str | None,
    actor: Employee,
) -> Reassignment:
    preview = preview_handover(departing, to, acting, set_atasan=set_atasan, actor=actor)
    note = clean_note(note)
    if preview.is_empty:
        raise InvalidInput(
            _(
                "%(name)s tidak memiliki pekerjaan yang perlu dialihkan.",
                name=departing.display_name,
            )
        )
    confirm(preview, token)
    apply(preview, actor, note)
    audit.record(
        "reassign.handover",
        departing,
        actor=actor,
        summary={**summary_of(preview), "to": to.id, "set_atasan": set_atasan, "note": note},
    )
    db.session.flush()
    return preview
