"""A target's content edits as its history shows them: each changed field, before → after.

The rows (:class:`portal.models.TargetRevision`) keep raw values, as the audit log does;
here they become words: the field's label, a kind's name, the supported target's title,
numbers in the reader's notation. Two statements whatever the number of edits: the rows,
and the titles of the supervisor's targets that any of them names.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal.extensions import db
from portal.models import Target, TargetKind, TargetRevision
from portal.numbers import rupiah, thousands

# The order in which an edit lists its changes: the editor's.
FIELD_LABELS = {
    "title": _l("Judul target (rencana hasil kerja)"),
    "kind": _l("Jenis"),
    "parent_id": _l("Mendukung target atasan"),
    "assigned_by": _l("Penugasan dari"),
    "indicator": _l("Indikator kinerja individu (IKI)"),
    "lower_is_better": _l("Makin rendah realisasi makin baik (misalnya jumlah keluhan)"),
    "quantity": _l("Kuantitas"),
    "quantity_unit": _l("Satuan"),
    "quality_target": _l("Target kualitas"),
    "time_months": _l("Target waktu"),
    "cost": _l("Biaya"),
    "monthly": _l("Target bulanan"),
}
YES, NO, EMPTY = _l("ya"), _l("tidak"), "—"


@dataclass(frozen=True)
class FieldChange:
    label: str
    before: str
    after: str


@dataclass(frozen=True)
class RevisionView:
    """One saved edit of the target: its row and the changes in words."""

    revision: TargetRevision
    changes: tuple[FieldChange, ...]

    @property
    def id(self) -> int:
        return self.revision.id


def revisions(target_id: int) -> list[RevisionView]:
    rows = db.session.scalars(
        select(TargetRevision)
        .where(TargetRevision.target_id == target_id)
        .options(joinedload(TargetRevision.actor))
        .order_by(TargetRevision.version)
    ).all()
    parent_ids = {
        value
        for row in rows
        for value in row.changes.get("parent_id", ())
        if isinstance(value, int)
    }
    titles = {}
    if parent_ids:
        titles = dict(
            db.session.execute(
                select(Target.id, Target.title).where(Target.id.in_(parent_ids))
            ).all()
        )
    return [RevisionView(row, _changes(row.changes, titles)) for row in rows]


def _changes(changes: dict, titles: dict[int, str]) -> tuple[FieldChange, ...]:
    return tuple(
        FieldChange(
            str(label),
            _shown(key, changes[key][0], titles),
            _shown(key, changes[key][1], titles),
        )
        for key, label in FIELD_LABELS.items()
        if key in changes
    )


def _shown(key: str, value, titles: dict[int, str]) -> str:
    """One stored value in words; a value no longer readable is shown as stored."""
    if value is None or value == "":
        return EMPTY
    if key == "kind" and value in set(TargetKind):
        return str(TargetKind(value).label)
    if key == "parent_id":
        return titles.get(value, EMPTY)
    if key == "lower_is_better":
        return str(YES if value else NO)
    if key == "cost" and isinstance(value, int):
        return rupiah(value)
    if key == "monthly" and isinstance(value, list):
        return " · ".join(thousands(q) for q in value)
    if isinstance(value, int) and not isinstance(value, bool):
        return thousands(value)
    return str(value)
