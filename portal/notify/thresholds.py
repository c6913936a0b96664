"""An instansi's reminder thresholds (``NotifySettings``): read with the defaults where
the admin has saved nothing yet, and changed by the admin with a compare-and-swap.

The version the form was shown with is ``0`` while the instansi has no row (the
defaults): the first save inserts the row, and two first saves at once meet on its
primary key, so the second one is a lost race (409) like any stale version.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from portal import audit, policy
from portal.concurrency import compare_and_swap
from portal.errors import Conflict
from portal.extensions import db
from portal.models import Employee, Instansi, NotifySettings
from portal.policy import Action

#: The time zones an instansi can be in: WIB, WITA, WIT.
ZONES = (
    ("Asia/Jakarta", _l("WIB (Asia/Jakarta)")),
    ("Asia/Makassar", _l("WITA (Asia/Makassar)")),
    ("Asia/Jayapura", _l("WIT (Asia/Jayapura)")),
)
CHANGED_ELSEWHERE = _l(
    "Ambang pengingat baru saja diubah admin lain. Nilai terbarunya ditampilkan di bawah; "
    "periksa lalu simpan lagi bila perlu."
)


@dataclass(frozen=True)
class Thresholds:
    """The reminder thresholds, in working days, and when the daily digest goes out."""

    timezone: str
    planning_notice_days: int  # before the planning deadline
    monthly_notice_days: int  # before a monthly report's deadline
    verify_remind_days: int  # N: an entry waiting this long reminds the atasan
    verify_escalate_days: int  # M: N + M days escalates to their atasan and the admins
    objection_notice_days: int  # before an objection's decision deadline
    follow_up_notice_days: int  # before a follow-up item's due date
    digest_hour: int  # 0-23, in the instansi's time zone

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))


@dataclass(frozen=True)
class Saved:
    thresholds: Thresholds
    version: int  # 0: no row yet, the defaults


def defaults() -> Thresholds:
    """The model's column defaults: what an instansi without a row has."""
    columns = NotifySettings.__table__.c
    return Thresholds(**{name: columns[name].default.arg for name in Thresholds.names()})


def of_row(row: NotifySettings | None) -> Thresholds:
    if row is None:
        return defaults()
    return Thresholds(**{name: getattr(row, name) for name in Thresholds.names()})


def current(instansi_id: int) -> Saved:
    row = db.session.get(NotifySettings, instansi_id, populate_existing=True)
    return Saved(of_row(row), row.version if row is not None else 0)


def all_instansi() -> dict[int, Thresholds]:
    """Every instansi's thresholds, in one statement (the reminders run reads them)."""
    rows = db.session.execute(
        select(Instansi.id, NotifySettings)
        .outerjoin(NotifySettings, NotifySettings.instansi_id == Instansi.id)
        .order_by(Instansi.id)
    ).all()
    return {instansi_id: of_row(row) for instansi_id, row in rows}


def save(instansi: Instansi, actor: Employee, new: Thresholds, version: int) -> dict:
    """Store ``new`` if the thresholds are still at ``version``; the changes made
    (``{name: [before, after]}``), audited. A stale ``version`` raises :class:`Conflict`."""
    policy.authorize(actor, Action.MANAGE_REMINDERS, instansi)
    saved = current(instansi.id)
    if saved.version != version:
        raise Conflict(str(CHANGED_ELSEWHERE))
    before, after = asdict(saved.thresholds), asdict(new)
    changes = {name: [before[name], after[name]] for name in before if before[name] != after[name]}
    if not changes:
        return {}
    if version == 0:
        try:
            with db.session.begin_nested():
                db.session.add(NotifySettings(instansi_id=instansi.id, version=1, **after))
        except IntegrityError:  # another admin's first save came first
            raise Conflict(str(CHANGED_ELSEWHERE)) from None
    else:
        compare_and_swap(
            update(NotifySettings)
            .where(NotifySettings.instansi_id == instansi.id, NotifySettings.version == version)
            .values(**after, version=version + 1),
            str(CHANGED_ELSEWHERE),
        )
    audit.record("notify_settings.update", instansi, actor=actor, summary={"changes": changes})
    return changes
