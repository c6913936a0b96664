"""The interim note (catatan serah terima) for the next evaluator, and what the target
page shows about its evaluator: the acting role (Plt./Plh.) and the latest note.

A note is an assignment row that keeps the evaluator, written by its author: the
target's history shows it like a reassignment, and the latest one is shown on the page.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from portal import audit, policy
from portal.concurrency import compare_and_swap
from portal.errors import InvalidInput
from portal.extensions import db
from portal.models import Employee, EvaluatorAssignment, Target
from portal.policy import Action
from portal.reassign.acting import ACTING
from portal.reassign.apply import TARGET_CHANGED
from portal.reassign.work import IN_FLIGHT, clean_note, refuse_unless_in_flight

NOTE_REQUIRED = _l("Tulis catatannya terlebih dahulu.")


def write_note(target: Target, author: Employee, text: str) -> EvaluatorAssignment:
    """The evaluator (before leaving) or an admin leaves a note for the next evaluator.

    Kept as an assignment row of the same evaluator, written by ``author``: the history
    shows it, and the target page shows the latest note. Sending the same note twice
    (a double submit) keeps one.
    """
    policy.authorize(author, Action.WRITE_INTERIM_NOTE, target)
    refuse_unless_in_flight(
        target,
        closed=_l(
            "Periode penilaian %(period)s sudah ditutup dan dibekukan; catatan tidak dapat "
            "ditambahkan lagi."
        ),
        evaluated=_l(
            "Target berstatus “%(state)s” sudah dievaluasi; catatan serah terima tidak "
            "diperlukan lagi."
        ),
    )
    note = clean_note(text)
    if not note:
        raise InvalidInput(str(NOTE_REQUIRED), field="note")
    # Hold the row with its evaluator as read: a reassignment racing this note either
    # lands first (and this one refuses) or waits for it.
    evaluator_id = target.evaluator_id
    evaluator_is = (
        Target.evaluator_id.is_(None)
        if evaluator_id is None
        else Target.evaluator_id == evaluator_id
    )
    compare_and_swap(
        update(Target)
        .where(Target.id == target.id, evaluator_is)
        .values(evaluator_id=evaluator_id),
        TARGET_CHANGED,
    )
    latest = current_assignment(target)
    if latest is not None and latest.note == note and latest.assigned_by_id == author.id:
        return latest
    row = EvaluatorAssignment(
        target_id=target.id,
        evaluator_id=evaluator_id,
        assigned_by_id=author.id,
        note=note,
        acting=latest.acting if latest else "",
        acting_for_id=latest.acting_for_id if latest else None,
    )
    db.session.add(row)
    audit.record("target.interim_note", target, actor=author, summary={"note": note})
    db.session.flush()
    return row


def current_assignment(target: Target) -> EvaluatorAssignment | None:
    """The target's latest assignment row, when it names the current evaluator."""
    row = db.session.scalar(
        select(EvaluatorAssignment)
        .where(EvaluatorAssignment.target_id == target.id)
        .order_by(EvaluatorAssignment.id.desc())
        .limit(1)
    )
    if row is None or row.evaluator_id != target.evaluator_id:
        return None
    return row


@dataclass(frozen=True)
class InterimNote:
    """A note for the next evaluator, with who wrote it: ``role`` is "evaluator" (the
    current one), "previous" (the evaluator before) or "admin"."""

    row: EvaluatorAssignment
    role: str


@dataclass
class AssignmentView:
    """What the target page shows about its evaluator: the acting role and the notes
    of the last handover (written during the previous evaluator's time and since), and
    whether the viewer may write a note or reassign the target (see ``for_viewer``)."""

    acting: str = ""
    acting_for: Employee | None = None
    notes: list[InterimNote] = field(default_factory=list)
    may_note: bool = False
    may_reassign: bool = False
    # The target's assignment rows as loaded here (their evaluators too), for the
    # page's timeline to reuse instead of loading them again.
    rows: list[EvaluatorAssignment] | None = field(default=None, repr=False)

    @property
    def prefix(self) -> str:
        return ACTING[self.acting] if self.acting else ""

    @property
    def shown(self) -> bool:
        """The handover panel has something to show or to offer."""
        return bool(self.notes or self.may_note or self.may_reassign)


def in_flight(target: Target) -> bool:
    """Its period open and not yet evaluated: a note or a reassignment still matters."""
    return target.period.is_open and target.state in IN_FLIGHT


def assignment_panel(target: Target, viewer: Employee) -> AssignmentView:
    """The assignment view of ``target`` as ``viewer`` sees it on the target page."""
    view = assignment_view(target)
    moving = in_flight(target)
    view.may_note = moving and policy.can(viewer, Action.WRITE_INTERIM_NOTE, target)
    view.may_reassign = moving and policy.can(viewer, Action.REASSIGN_TARGET, target)
    return view


def assignment_view(target: Target) -> AssignmentView:
    rows = list(
        db.session.scalars(
            select(EvaluatorAssignment)
            .where(EvaluatorAssignment.target_id == target.id)
            .options(
                joinedload(EvaluatorAssignment.assigned_by),
                joinedload(EvaluatorAssignment.evaluator),
                joinedload(EvaluatorAssignment.acting_for),
            )
            .order_by(EvaluatorAssignment.id)
        )
    )
    view = AssignmentView(rows=rows)
    if rows and rows[-1].evaluator_id == target.evaluator_id:
        view.acting, view.acting_for = rows[-1].acting, rows[-1].acting_for
    # Where each evaluator's time began; the notes shown start with the previous one's.
    starts = [
        i
        for i, row in enumerate(rows)
        if i == 0
        or (row.evaluator_id, row.acting) != (rows[i - 1].evaluator_id, rows[i - 1].acting)
    ]
    since = starts[-2] if len(starts) > 1 else 0
    for row in rows[since:]:
        if not row.note or is_creation_row(row, rows, target):
            continue
        if row.assigned_by_id == target.evaluator_id:
            role = "evaluator"
        elif row.assigned_by_id == row.evaluator_id:
            role = "previous"
        else:
            role = "admin"
        view.notes.append(InterimNote(row, role))
    return view


def is_creation_row(row: EvaluatorAssignment, rows: list, target: Target) -> bool:
    """The row written when the owner created the target (not a reassignment)."""
    return row is rows[0] and row.assigned_by_id == target.owner_id
