"""Reassigning workflows: an employee's new supervisor, a departing supervisor's handover
to a replacement or an acting official (Plt./Plh.), one target's evaluator, and the
interim note for the next evaluator.

Each operation is computed first as a :class:`Reassignment` (the preview the admin
confirms) and then applied exactly as computed: what the preview lists is what changes.
The confirmation carries the preview's ``token``; when the work changed in between
(an approval, a new report), the token differs and the request is a :class:`Conflict`
with the fresh preview. Each target's move is a compare-and-swap on its id, version and
evaluator that bumps the version, so a reassignment racing an approval by the old
evaluator ends with exactly one of them first and the other refused (409), never both
applied to a stale row.

"In flight" means drafted, discussed, approved or reported in an open period: evaluated
work stays with the evaluator who evaluated it (follow-up included), and a closed
period is frozen.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from flask import g, has_request_context
from sqlalchemy import func, select, update
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from portal import audit, policy
from portal.concurrency import compare_and_swap
from portal.errors import Conflict, InvalidInput
from portal.extensions import db
from portal.models import (
    Employee,
    Evaluation,
    EvaluationStatus,
    EvaluatorAssignment,
    Period,
    Target,
    WorkEntry,
)
from portal.models.periods import PeriodStatus
from portal.models.types import utcnow
from portal.policy import Action
from workflows.targets import APPROVED, DISCUSSED, DRAFTED, REPORTED, STATE_LABELS

IN_FLIGHT = (DRAFTED, DISCUSSED, APPROVED, REPORTED)
# How the new evaluator holds the post: definitively, or acting (pelaksana tugas for an
# empty post, pelaksana harian for an absent official).
ACTING = {"": "Definitif", "plt": "Plt.", "plh": "Plh."}
NOTE_MAX = 2000
CHANGED_SINCE_PREVIEW = (
    "Pekerjaan yang akan dialihkan berubah sejak pratinjau dibuat (misalnya ada target "
    "yang baru disetujui atau dilaporkan). Pratinjau sudah diperbarui; periksa lalu "
    "konfirmasi lagi."
)
TARGET_CHANGED = (
    "Target ini baru saja diubah orang lain. Tampilan sudah diperbarui; periksa lalu ulangi."
)


@dataclass(frozen=True)
class TargetMove:
    """One target to a new evaluator, at the version the preview saw."""

    target: Target
    version: int
    old: Employee | None
    new: Employee
    acting: str
    pending_entries: int


@dataclass(frozen=True)
class EvaluationMove:
    """A draft evaluation to the new evaluator."""

    evaluation: Evaluation
    version: int
    old_id: int
    new: Employee


@dataclass(frozen=True)
class SupervisorMove:
    """An employee's atasan langsung (direct supervisor) changes."""

    employee: Employee
    old: Employee | None
    new: Employee | None


@dataclass
class Gains:
    """What a recipient's work gains, per kind."""

    to_approve: int = 0  # targets awaiting discussion and approval
    to_evaluate: int = 0  # reported targets awaiting evaluation
    to_verify: int = 0  # daily entries awaiting verification
    evaluations: int = 0  # evaluations in progress (drafts)
    other_targets: int = 0  # drafted or approved: theirs to follow, nothing to do yet

    @property
    def inbox(self) -> int:
        """How much the recipient's "Perlu tindakan" count grows."""
        return self.to_approve + self.to_evaluate + self.to_verify


@dataclass
class Reassignment:
    """The preview of a reassignment, and (once applied) its effect."""

    kind: str  # "handover", "supervisor" or "target"
    acting: str = ""
    acting_for: Employee | None = None
    targets: list[TargetMove] = field(default_factory=list)
    evaluations: list[EvaluationMove] = field(default_factory=list)
    supervisors: list[SupervisorMove] = field(default_factory=list)
    # Why some in-flight work does not move (closed periods, the replacement's own work).
    left_behind: list[str] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (self.targets or self.evaluations or self.supervisors)

    @property
    def token(self) -> str:
        """A fingerprint of exactly what would change: the confirmation must match it."""
        parts = [f"{self.kind}|{self.acting}|{self.acting_for.id if self.acting_for else ''}"]
        parts += sorted(f"t{m.target.id}:{m.version}>{m.new.id}" for m in self.targets)
        parts += sorted(f"e{m.evaluation.id}:{m.version}>{m.new.id}" for m in self.evaluations)
        parts += sorted(
            f"s{m.employee.id}:{m.old.id if m.old else ''}>{m.new.id if m.new else ''}"
            for m in self.supervisors
        )
        return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]

    def gains(self) -> list[tuple[Employee, Gains]]:
        """Whose work gains what, recipients in order of first appearance."""
        by_id: dict[int, tuple[Employee, Gains]] = {}

        def of(person: Employee) -> Gains:
            return by_id.setdefault(person.id, (person, Gains()))[1]

        for move in self.targets:
            gains = of(move.new)
            if move.target.state == DISCUSSED:
                gains.to_approve += 1
            elif move.target.state == REPORTED:
                gains.to_evaluate += 1
            else:
                gains.other_targets += 1
            gains.to_verify += move.pending_entries
        for move in self.evaluations:
            of(move.new).evaluations += 1
        return list(by_id.values())

    def queues(self) -> list[tuple[Employee, int, Employee]]:
        """The verification queues that move: (owner, pending entries, new verifier)."""
        counts: dict[tuple[int, int], list] = {}
        for move in self.targets:
            if move.pending_entries:
                key = (move.target.owner_id, move.new.id)
                row = counts.setdefault(key, [move.target.owner, 0, move.new])
                row[1] += move.pending_entries
        return [tuple(row) for row in counts.values()]


# -- checks shared by every operation ---------------------------------------------------


def acting_role(raw: str | None) -> str:
    value = (raw or "").strip().lower()
    if value not in ACTING:
        raise InvalidInput("Pilih kedudukan penerima: definitif, Plt. atau Plh.", field="acting")
    return value


def clean_note(raw: str | None) -> str:
    note = (raw or "").strip()
    if len(note) > NOTE_MAX:
        raise InvalidInput(
            f"Catatan paling banyak {NOTE_MAX} karakter (terisi {len(note)}).", field="note"
        )
    return note


def _check_recipient(person: Employee | None, instansi_id: int, field: str, what: str) -> None:
    if person is None:
        raise InvalidInput(f"Pilih {what}.", field=field)
    if person.instansi_id != instansi_id:
        raise InvalidInput(f"{what.capitalize()} harus pegawai instansi yang sama.", field=field)
    if not person.active:
        raise InvalidInput(
            f"{person.display_name} sudah nonaktif; pilih pegawai yang masih aktif.", field=field
        )


def _refuse_evaluating_a_superior(new: Employee, owners: list[Employee], field: str) -> None:
    """Nobody evaluates someone above themselves: that would make the chain circular."""
    above = set(policy.supervisor_chain_ids(new.id))
    for owner in owners:
        if owner.id in above:
            raise InvalidInput(
                f"{new.display_name} berada di bawah {owner.display_name} dalam rantai atasan; "
                "rantai atasan tidak boleh melingkar.",
                field=field,
            )


def _open_in_flight():
    return (
        select(Target)
        .join(Period, Period.id == Target.period_id)
        .where(Target.state.in_(IN_FLIGHT), Period.status == PeriodStatus.OPEN)
        .options(joinedload(Target.owner), joinedload(Target.period))
        .order_by(Target.owner_id, Target.period_id, Target.position, Target.id)
    )


def _frozen_count(*where) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(Target)
        .join(Period, Period.id == Target.period_id)
        .where(Target.state.in_(IN_FLIGHT), Period.status != PeriodStatus.OPEN, *where)
    )


def _frozen_note(count: int) -> str:
    return (
        f"{count} target pada periode yang sudah ditutup tidak dipindahkan: periode itu dibekukan."
    )


def _pending_entries(target_ids: list[int]) -> dict[int, int]:
    if not target_ids:
        return {}
    rows = db.session.execute(
        select(WorkEntry.target_id, func.count())
        .where(WorkEntry.target_id.in_(target_ids), WorkEntry.is_pending())
        .group_by(WorkEntry.target_id)
    )
    return dict(rows.all())


def _draft_evaluations(*where) -> list[Evaluation]:
    return list(
        db.session.scalars(
            select(Evaluation)
            .join(Period, Period.id == Evaluation.period_id)
            .where(
                Evaluation.status == EvaluationStatus.DRAFT,
                Period.status == PeriodStatus.OPEN,
                *where,
            )
            .options(joinedload(Evaluation.employee))
            .order_by(Evaluation.id)
        )
    )


def _target_moves(targets: list[Target], recipient) -> list[TargetMove]:
    """``recipient(target)`` → (new evaluator, acting role) or None to leave it."""
    pending = _pending_entries([t.id for t in targets])
    moves = []
    for target in targets:
        chosen = recipient(target)
        if chosen is None:
            continue
        new, role = chosen
        moves.append(
            TargetMove(
                target, target.version, target.evaluator, new, role, pending.get(target.id, 0)
            )
        )
    return moves


# -- previews -----------------------------------------------------------------------------


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
    _check_recipient(to, departing.instansi_id, "to", "penerima pekerjaan")
    if to.id == departing.id:
        raise InvalidInput(
            "Pekerjaan tidak dapat dialihkan kepada pegawai yang pergi itu sendiri; "
            "pilih penggantinya.",
            field="to",
        )
    above = departing.atasan if departing.atasan and departing.atasan.active else None
    result = Reassignment("handover", acting, departing if acting else None)

    def recipient(owner_id: int):
        if owner_id != to.id:
            return to, acting
        return (above, "") if above is not None else None

    targets = list(db.session.scalars(_open_in_flight().where(Target.evaluator_id == departing.id)))
    result.targets = _target_moves(targets, lambda t: recipient(t.owner_id))
    evaluations = _draft_evaluations(Evaluation.evaluator_id == departing.id)
    for evaluation in evaluations:
        chosen = recipient(evaluation.employee_id)
        if chosen is not None:
            result.evaluations.append(
                EvaluationMove(evaluation, evaluation.version, departing.id, chosen[0])
            )
    own = [t for t in targets if t.owner_id == to.id]
    if own and above is None:
        result.left_behind.append(
            f"{len(own)} target milik {to.display_name} sendiri tetap pada penilai lama: "
            f"{departing.display_name} tidak memiliki atasan aktif yang dapat menilainya. "
            "Tetapkan pejabat penilainya lewat halaman target."
        )
    frozen = _frozen_count(Target.evaluator_id == departing.id)
    if frozen:
        result.left_behind.append(_frozen_note(frozen))
    _refuse_evaluating_a_superior(
        to, [m.target.owner for m in result.targets if m.new.id == to.id], "to"
    )
    if set_atasan:
        result.supervisors = _subordinate_moves(departing, to)
    return result


def _subordinate_moves(departing: Employee, to: Employee) -> list[SupervisorMove]:
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
                f"{to.display_name} berada di bawah {subordinate.display_name}; menjadikannya "
                f"atasan {subordinate.display_name} membuat rantai atasan melingkar. Pilih "
                "pengganti lain, atau jangan ubah atasan langsung bawahannya.",
                field="set_atasan",
            )
        moves.append(SupervisorMove(subordinate, departing, to))
    return moves


def preview_supervisor_change(
    employee: Employee, new_atasan: Employee | None, *, move_work: bool, actor: Employee
) -> Reassignment:
    """A new atasan for ``employee``; with ``move_work``, their in-flight targets and
    draft evaluation move to the new atasan as evaluator too."""
    policy.authorize(actor, Action.MANAGE_EMPLOYEE, employee)
    _check_recipient(new_atasan, employee.instansi_id, "atasan", "atasan langsung yang baru")
    if new_atasan.id == employee.id:
        raise InvalidInput("Pegawai tidak dapat menjadi atasannya sendiri.", field="atasan")
    if employee.id in policy.supervisor_chain_ids(new_atasan.id):
        raise InvalidInput(
            f"{new_atasan.display_name} berada di bawah {employee.display_name}; rantai atasan "
            "tidak boleh melingkar.",
            field="atasan",
        )
    result = Reassignment("supervisor")
    if employee.atasan_id != new_atasan.id:
        result.supervisors.append(SupervisorMove(employee, employee.atasan, new_atasan))
    if move_work:
        targets = list(
            db.session.scalars(
                _open_in_flight().where(
                    Target.owner_id == employee.id,
                    (Target.evaluator_id != new_atasan.id) | Target.evaluator_id.is_(None),
                )
            )
        )
        result.targets = _target_moves(targets, lambda t: (new_atasan, ""))
        result.evaluations = [
            EvaluationMove(e, e.version, e.evaluator_id, new_atasan)
            for e in _draft_evaluations(
                Evaluation.employee_id == employee.id, Evaluation.evaluator_id != new_atasan.id
            )
        ]
        frozen = _frozen_count(Target.owner_id == employee.id)
        if frozen:
            result.left_behind.append(_frozen_note(frozen))
    if result.is_empty:
        raise InvalidInput(
            f"{new_atasan.display_name} sudah menjadi atasan langsung "
            f"{employee.display_name}"
            + (" dan pejabat penilai semua targetnya." if move_work else "."),
            field="atasan",
        )
    return result


def preview_target(
    target: Target, to: Employee | None, acting: str, *, actor: Employee
) -> Reassignment:
    """One target to another evaluator (and the plan's draft evaluation with it, when the
    old evaluator has no other target left in that plan)."""
    policy.authorize(actor, Action.REASSIGN_TARGET, target)
    acting = acting_role(acting)
    if not target.period.is_open:
        raise InvalidInput(
            f"Periode penilaian {target.period.name} sudah ditutup dan dibekukan; pejabat "
            "penilai targetnya tidak dapat dialihkan lagi."
        )
    if target.state not in IN_FLIGHT:
        raise InvalidInput(
            f"Target berstatus “{STATE_LABELS[target.state]}” sudah dievaluasi; pejabat "
            "penilainya tidak dialihkan. Kembalikan dulu ke tahap sebelumnya bila perlu."
        )
    _check_recipient(to, target.instansi_id, "to", "pejabat penilai yang baru")
    if to.id == target.owner_id:
        raise InvalidInput(
            "Pegawai tidak dapat menjadi pejabat penilai targetnya sendiri.", field="to"
        )
    if to.id == target.evaluator_id:
        raise InvalidInput(
            f"{to.display_name} sudah menjadi pejabat penilai target ini.", field="to"
        )
    _refuse_evaluating_a_superior(to, [target.owner], "to")
    result = Reassignment("target", acting, target.evaluator if acting else None)
    result.targets = _target_moves([target], lambda t: (to, acting))
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
                for e in _draft_evaluations(
                    Evaluation.plan_id == target.plan_id,
                    Evaluation.evaluator_id == target.evaluator_id,
                )
            ]
    return result


# -- applying -----------------------------------------------------------------------------


def _confirm(preview: Reassignment, token: str | None) -> None:
    if (token or "") != preview.token:
        raise Conflict(CHANGED_SINCE_PREVIEW)


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
            f"{departing.display_name} tidak memiliki pekerjaan yang perlu dialihkan."
        )
    _confirm(preview, token)
    apply(preview, actor, note)
    audit.record(
        "reassign.handover",
        departing,
        actor=actor,
        summary={**summary_of(preview), "to": to.id, "set_atasan": set_atasan, "note": note},
    )
    db.session.flush()
    return preview


def change_supervisor(
    employee: Employee,
    new_atasan: Employee | None,
    *,
    move_work: bool,
    note: str,
    token: str | None,
    actor: Employee,
) -> Reassignment:
    preview = preview_supervisor_change(employee, new_atasan, move_work=move_work, actor=actor)
    note = clean_note(note)
    _confirm(preview, token)
    apply(preview, actor, note)
    audit.record(
        "reassign.supervisor",
        employee,
        actor=actor,
        summary={**summary_of(preview), "to": new_atasan.id, "move_work": move_work},
    )
    db.session.flush()
    return preview


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


def apply(preview: Reassignment, actor: Employee, note: str) -> None:
    """Make exactly the changes ``preview`` lists, each guarded by a compare-and-swap."""
    for move in preview.targets:
        _move_target(move, actor, note, preview.acting_for if move.acting else None)
    for move in preview.evaluations:
        _move_evaluation(move, actor)
    for move in preview.supervisors:
        _move_supervisor(move, actor)
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
        "Evaluasi ini baru saja diubah di tempat lain. Muat ulang lalu ulangi.",
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


def _move_supervisor(move: SupervisorMove, actor: Employee) -> None:
    employee = move.employee
    old_id = move.old.id if move.old else None
    new_id = move.new.id if move.new else None
    was = Employee.atasan_id.is_(None) if old_id is None else Employee.atasan_id == old_id
    compare_and_swap(
        update(Employee).where(Employee.id == employee.id, was).values(atasan_id=new_id),
        f"Atasan langsung {employee.display_name} baru saja diubah di tempat lain. Muat ulang "
        "lalu ulangi.",
    )
    set_committed_value(employee, "atasan_id", new_id)
    set_committed_value(employee, "atasan", move.new)
    audit.record(
        "employee.update",
        employee,
        actor=actor,
        summary={"changes": {"atasan_id": [old_id, new_id]}},
    )


def summary_of(result: Reassignment) -> dict:
    return {
        "acting": result.acting,
        "targets": [[m.target.id, m.new.id] for m in result.targets],
        "evaluations": [[m.evaluation.id, m.new.id] for m in result.evaluations],
        "supervisors": [[m.employee.id, m.new.id if m.new else None] for m in result.supervisors],
    }
