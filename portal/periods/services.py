"""Operations on periods (periode penilaian): create, change, open, close, reopen.

A period is prepared as ``draft`` (nobody can plan in it yet), opened by the admin,
and closed when its evaluations are done; closing freezes every change to its plans,
reports and evaluations (``policy.PERIOD_BOUND``). An admin may reopen a closed period
to correct a mistake, with a reason.

Periods of one instansi that are not closed may not overlap: an agency runs one
period at a time (one year, or one quarter after another), and "the current period"
of an employee (``home.queries.current_period``) must be unambiguous. The previous
year may stay open for its evaluations while the new year's period is open.

Each operation validates, changes, writes the audit log and flushes; the request
commits once. Status changes are compare-and-swaps on the status they start from.
The rules of the settings themselves (dates, weights, what a lock fixes) are the
validators of :mod:`portal.periods.forms`, which hands over a checked
:class:`PeriodInput`; the counts shown before closing and in the admin's list are in
:mod:`portal.periods.queries`.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, fields
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from portal import audit, clock
from portal.concurrency import compare_and_swap
from portal.errors import Conflict, InvalidInput
from portal.extensions import db
from portal.models import Cadence, Employee, Instansi, Period, Scheme
from portal.models.periods import PeriodStatus
from portal.models.types import utcnow
from portal.periods.queries import CloseSummary, close_summary

CHANGED_ELSEWHERE = _l("Periode ini baru saja diubah admin lain. Periksa data terbaru lalu ulangi.")
# What a closed period refuses: whole sentences (translations need them whole), filled
# with ``%(closed)s``, who closed the period and when.
_REFUSED_WHEN_CLOSED = {
    "change": _l(
        "%(closed)s; tidak dapat diubah. Buka kembali periode itu dulu bila memang perlu "
        "diperbaiki."
    ),
    "open": _l(
        "%(closed)s; tidak dapat dibuka dengan cara ini. Buka kembali periode itu dulu bila "
        "memang perlu diperbaiki."
    ),
    "close": _l(
        "%(closed)s; tidak dapat ditutup lagi. Buka kembali periode itu dulu bila memang perlu "
        "diperbaiki."
    ),
}


@dataclass(frozen=True)
class PeriodInput:
    """A period's settings as the admin's form checked them."""

    name: str
    start_date: date
    end_date: date
    scheme: Scheme
    weight_skp: int
    weight_perilaku: int
    planning_deadline: date
    report_deadline_day: int
    evaluation_deadline: date | None
    cadence: Cadence = Cadence.TRIWULANAN

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))


FIELDS = PeriodInput.names()


def fingerprint(period: Period) -> str:
    """A short digest of the period's settings and status, posted back by the edit form:
    a change by someone else since the form was shown is then a conflict, not lost."""
    values = [str(getattr(period, name)) for name in (*FIELDS, "status")]
    return hashlib.sha256("|".join(values).encode()).hexdigest()[:16]


def _lock_instansi(instansi_id: int) -> None:
    """Serialise the period changes of one instansi (PostgreSQL; SQLite's write requests
    are serial already), so two admins cannot both pass the overlap check."""
    db.session.execute(select(Instansi.id).where(Instansi.id == instansi_id).with_for_update())


def _overlapping(instansi_id: int, start: date, end: date, exclude: int | None) -> Period | None:
    return db.session.scalar(
        select(Period)
        .where(
            Period.instansi_id == instansi_id,
            Period.status != PeriodStatus.CLOSED,
            Period.start_date <= end,
            Period.end_date >= start,
            Period.id != (exclude or -1),
        )
        .order_by(Period.start_date)
        .limit(1)
    )


def _check_unique(data: PeriodInput, instansi_id: int, exclude: int | None) -> None:
    errors = {}
    same_name = db.session.scalar(
        select(Period.id).where(
            Period.instansi_id == instansi_id,
            func.lower(Period.name) == data.name.lower(),
            Period.id != (exclude or -1),
        )
    )
    if same_name is not None:
        errors["name"] = _("Nama ini sudah dipakai periode lain di instansi Anda.")
    other = _overlapping(instansi_id, data.start_date, data.end_date, exclude)
    if other is not None:
        errors["start_date"] = overlap_message(other)
    if errors:
        raise InvalidInput(errors=errors)


def overlap_message(other: Period) -> str:
    return _(
        "Tanggalnya tumpang tindih dengan periode %(name)s (%(start)s s.d. %(end)s, "
        "%(status)s). Satu instansi menjalankan satu periode pada satu waktu; tutup periode "
        "itu dulu atau pilih tanggal lain.",
        name=other.name,
        start=f"{other.start_date:%d-%m-%Y}",
        end=f"{other.end_date:%d-%m-%Y}",
        status=str(other.status.label).lower(),
    )


def create_period(data: PeriodInput, instansi: Instansi, actor: Employee) -> tuple[Period, bool]:
    """Prepare a period (``draft``); return it and whether it is new.

    The same period posted twice (a double click: same name and dates, not closed)
    yields the first one.
    """
    _lock_instansi(instansi.id)
    twin = db.session.scalar(
        select(Period).where(
            Period.instansi_id == instansi.id,
            Period.name == data.name,
            Period.start_date == data.start_date,
            Period.end_date == data.end_date,
            Period.status != PeriodStatus.CLOSED,
        )
    )
    if twin is not None:
        return twin, False
    _check_unique(data, instansi.id, None)
    period = Period(instansi_id=instansi.id, status=PeriodStatus.DRAFT, **asdict(data))
    db.session.add(period)
    db.session.flush()
    audit.record("period.create", period, actor=actor, summary=_public(asdict(data)))
    return period, True


def update_period(period: Period, data: PeriodInput, actor: Employee, seen: str) -> dict:
    """Apply ``data`` to a period that is not closed; return ``{field: [old, new]}``.

    ``seen`` is the :func:`fingerprint` the form was shown with.
    """
    if period.status == PeriodStatus.CLOSED:
        raise Conflict(closed_message(period, "change"))
    if seen != fingerprint(period):
        raise Conflict(CHANGED_ELSEWHERE)
    _lock_instansi(period.instansi_id)
    _check_unique(data, period.instansi_id, period.id)
    old = {name: getattr(period, name) for name in FIELDS}
    new = asdict(data)
    changes = {name: [old[name], new[name]] for name in FIELDS if old[name] != new[name]}
    if not changes:
        return {}
    # Compare-and-swap on every setting as it was read, and the status.
    compare_and_swap(
        update(Period)
        .where(
            Period.id == period.id,
            Period.status == period.status,
            *(getattr(Period, name) == value for name, value in old.items()),
        )
        .values(**{name: new[name] for name in changes}),
        CHANGED_ELSEWHERE,
    )
    audit.record("period.update", period, actor=actor, summary={"changes": _public(changes)})
    db.session.flush()
    db.session.expire(period)
    return changes


def closed_message(period: Period, refused: str) -> str:
    """Why a closed period refuses ``refused`` (``change``, ``open`` or ``close``)."""
    who = period.closed_by.display_name if period.closed_by else _("admin")
    if period.closed_at:
        closed = _(
            "Periode %(name)s sudah ditutup pada %(date)s oleh %(who)s",
            name=period.name,
            date=f"{clock.local_date(period.closed_at):%d-%m-%Y}",
            who=who,
        )
    else:
        closed = _("Periode %(name)s sudah ditutup oleh %(who)s", name=period.name, who=who)
    return str(_REFUSED_WHEN_CLOSED[refused]) % {"closed": closed}


def _swap_status(period: Period, source: PeriodStatus, lost: str, **values) -> None:
    compare_and_swap(
        update(Period).where(Period.id == period.id, Period.status == source).values(**values),
        lost,
    )
    db.session.expire(period)


def open_period(period: Period, actor: Employee) -> None:
    """Open a prepared period: employees may now plan in it."""
    if period.status == PeriodStatus.OPEN:
        raise Conflict(_("Periode %(name)s sudah dibuka sebelumnya.", name=period.name))
    if period.status == PeriodStatus.CLOSED:
        raise Conflict(closed_message(period, "open"))
    _lock_instansi(period.instansi_id)
    other = _overlapping(period.instansi_id, period.start_date, period.end_date, period.id)
    if other is not None:
        raise Conflict(overlap_message(other))
    _swap_status(
        period,
        PeriodStatus.DRAFT,
        _("Periode %(name)s baru saja diubah admin lain. Periksa statusnya.", name=period.name),
        status=PeriodStatus.OPEN,
    )
    audit.record("period.open", period, actor=actor, summary={"name": period.name})
    db.session.flush()


def close_period(period: Period, actor: Employee) -> CloseSummary:
    """Close an open period: from now on nothing in it changes (``policy.PERIOD_BOUND``).

    Two admins closing at once: the compare-and-swap on ``status = open`` lets one win;
    the other gets a :class:`Conflict` and nothing changes twice.
    """
    if period.status == PeriodStatus.CLOSED:
        raise Conflict(closed_message(period, "close"))
    if period.status == PeriodStatus.DRAFT:
        raise Conflict(
            _(
                "Periode %(name)s belum dibuka; tidak ada yang perlu ditutup. "
                "Ubah datanya bila periode ini tidak jadi dipakai.",
                name=period.name,
            )
        )
    summary = close_summary(period)
    _swap_status(
        period,
        PeriodStatus.OPEN,
        _("Periode %(name)s baru saja ditutup atau diubah admin lain.", name=period.name),
        status=PeriodStatus.CLOSED,
        closed_at=utcnow(),
        closed_by_id=actor.id,
    )
    audit.record("period.close", period, actor=actor, summary=asdict(summary))
    db.session.flush()
    return summary


def reopen_period(period: Period, actor: Employee, reason: str) -> None:
    """Open a closed period again, to correct a mistake; the reason (checked by
    ``forms.ReasonForm``) is audited."""
    if period.status != PeriodStatus.CLOSED:
        raise Conflict(_("Periode %(name)s tidak sedang ditutup.", name=period.name))
    _lock_instansi(period.instansi_id)
    other = _overlapping(period.instansi_id, period.start_date, period.end_date, period.id)
    if other is not None:
        raise Conflict(overlap_message(other))
    before = {
        "closed_at": period.closed_at.isoformat() if period.closed_at else None,
        "closed_by_id": period.closed_by_id,
    }
    _swap_status(
        period,
        PeriodStatus.CLOSED,
        _(
            "Periode %(name)s baru saja dibuka kembali atau diubah admin lain.",
            name=period.name,
        ),
        status=PeriodStatus.OPEN,
        closed_at=None,
        closed_by_id=None,
    )
    audit.record("period.reopen", period, actor=actor, summary={"reason": reason, **before})
    db.session.flush()


def _public(values: dict) -> dict:
    def plain(value):
        if isinstance(value, list):
            return [plain(v) for v in value]
        if isinstance(value, date):
            return value.isoformat()
        return value.value if hasattr(value, "value") else value

    return {key: plain(value) for key, value in values.items()}
