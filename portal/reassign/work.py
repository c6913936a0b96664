"""The work a reassignment concerns, and the checks every reassignment shares.

"In flight" means drafted, discussed, approved or reported in an open period: evaluated
work stays with the evaluator who evaluated it (follow-up included), and a closed
period is frozen.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import Select, func, select
from sqlalchemy.orm import joinedload

from portal import policy
from portal.errors import InvalidInput
from portal.extensions import db
from portal.models import Employee, Evaluation, EvaluationStatus, Period, Target, WorkEntry
from portal.models.periods import PeriodStatus
from portal.reassign.preview import TargetMove
from workflows.targets import APPROVED, DISCUSSED, DRAFTED, REPORTED, STATE_LABELS

IN_FLIGHT = (DRAFTED, DISCUSSED, APPROVED, REPORTED)
NOTE_MAX = 2000


@dataclass(frozen=True)
class Recipient:
    """Whom an operation asks the admin to choose: the form field, and what to say when
    nobody was chosen or someone of another instansi (lazily translated texts)."""

    field: str
    missing: str
    elsewhere: str


def clean_note(raw: str | None) -> str:
    note = (raw or "").strip()
    if len(note) > NOTE_MAX:
        raise InvalidInput(
            _(
                "Catatan paling banyak %(limit)d karakter (terisi %(length)d).",
                limit=NOTE_MAX,
                length=len(note),
            ),
            field="note",
        )
    return note


def check_recipient(person: Employee | None, instansi_id: int, recipient: Recipient) -> None:
    if person is None:
        raise InvalidInput(recipient.missing, field=recipient.field)
    if person.instansi_id != instansi_id:
        raise InvalidInput(recipient.elsewhere, field=recipient.field)
    if not person.active:
        raise InvalidInput(
            _(
                "%(name)s sudah nonaktif; pilih pegawai yang masih aktif.",
                name=person.display_name,
            ),
            field=recipient.field,
        )


def refuse_unless_in_flight(target: Target, *, closed: str, evaluated: str) -> None:
    """Refuse a target of a closed (frozen) period with ``closed`` (its ``%(period)s``
    filled in) and an evaluated one with ``evaluated`` (its ``%(state)s``)."""
    if not target.period.is_open:
        raise InvalidInput(closed % {"period": target.period.name})
    if target.state not in IN_FLIGHT:
        raise InvalidInput(evaluated % {"state": STATE_LABELS[target.state]})


def refuse_evaluating_a_superior(new: Employee, owners: list[Employee], field: str) -> None:
    """Nobody evaluates someone above themselves: that would make the chain circular."""
    above = set(policy.supervisor_chain_ids(new.id))
    for owner in owners:
        if owner.id in above:
            raise InvalidInput(
                _(
                    "%(new)s berada di bawah %(owner)s dalam rantai atasan; rantai atasan "
                    "tidak boleh melingkar.",
                    new=new.display_name,
                    owner=owner.display_name,
                ),
                field=field,
            )


def open_in_flight() -> Select:
    return (
        select(Target)
        .join(Period, Period.id == Target.period_id)
        .where(Target.state.in_(IN_FLIGHT), Period.status == PeriodStatus.OPEN)
        .options(joinedload(Target.owner), joinedload(Target.period))
        .order_by(Target.owner_id, Target.period_id, Target.position, Target.id)
    )


def frozen_count(*where) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(Target)
        .join(Period, Period.id == Target.period_id)
        .where(Target.state.in_(IN_FLIGHT), Period.status != PeriodStatus.OPEN, *where)
    )


def frozen_note(count: int) -> str:
    return ngettext(
        "%(num)d target pada periode yang sudah ditutup tidak dipindahkan: periode itu dibekukan.",
        "%(num)d target pada periode yang sudah ditutup tidak dipindahkan: periode itu dibekukan.",
        count,
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


def draft_evaluations(*where) -> list[Evaluation]:
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


def target_moves(
    targets: list[Target], recipient: Callable[[Target], tuple[Employee, str] | None]
) -> list[TargetMove]:
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
