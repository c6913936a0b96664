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
"""

from __future__ import annotations

import calendar
import hashlib
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from datetime import date

from sqlalchemy import func, select, update
from sqlalchemy.orm import selectinload

from portal import audit, clock
from portal.concurrency import compare_and_swap
from portal.errors import Conflict, InvalidInput
from portal.extensions import db
from portal.models import (
    Employee,
    Evaluation,
    FollowUpItem,
    Instansi,
    Period,
    Plan,
    Scheme,
    Target,
    WorkEntry,
)
from portal.models.evaluations import EvaluationStatus
from portal.models.periods import PeriodStatus
from portal.models.types import utcnow
from portal.numbers import parse_whole
from workflows.targets import APPROVED, DISCUSSED, DRAFTED, REPORTED

NAME_MAX = 100
REASON_MAX = 2000
MAX_MONTHS = 12
# Evaluations are finished after the period ends: allow up to this many months after it.
EVALUATION_MONTHS_AFTER = 3
DEFAULT_WEIGHTS = (60, 40)  # PP 46/2011; PP 30/2019 used 70/30

CHANGED_ELSEWHERE = "Periode ini baru saja diubah admin lain. Periksa data terbaru lalu ulangi."
_DAY_FIRST = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$")


@dataclass
class PeriodInput:
    """What the admin says about a period."""

    name: str
    start_date: date
    end_date: date
    scheme: Scheme
    weight_skp: int
    weight_perilaku: int
    planning_deadline: date
    report_deadline_day: int
    evaluation_deadline: date | None


FIELDS = tuple(f.name for f in fields(PeriodInput))


@dataclass(frozen=True)
class Locks:
    """What already hangs on a period, and so which of its settings are fixed.

    Monthly targets are laid out over the period's months and scored by its scheme:
    once a target exists, the dates and the scheme stay. Final scores were computed
    with the weights: once an evaluation exists, the weights stay.
    """

    targets: int = 0
    evaluations: int = 0

    @property
    def dates(self) -> bool:
        return self.targets > 0

    @property
    def weights(self) -> bool:
        return self.evaluations > 0

    def locked(self, name: str) -> bool:
        if name in ("start_date", "end_date", "scheme"):
            return self.dates
        if name in ("weight_skp", "weight_perilaku"):
            return self.weights
        return False

    def reason(self, name: str) -> str | None:
        if name in ("start_date", "end_date", "scheme") and self.dates:
            return (
                f"Tidak dapat diubah: sudah ada {self.targets} target pada periode ini "
                "(rincian bulanan dan penilaiannya bergantung pada tanggal dan skema)."
            )
        if name in ("weight_skp", "weight_perilaku") and self.weights:
            return (
                f"Tidak dapat diubah: sudah ada {self.evaluations} evaluasi yang nilainya "
                "dihitung dengan bobot ini."
            )
        return None


def locks_of(period: Period) -> Locks:
    row = db.session.execute(
        select(
            select(func.count())
            .select_from(Target)
            .where(Target.period_id == period.id)
            .scalar_subquery(),
            select(func.count())
            .select_from(Evaluation)
            .where(Evaluation.period_id == period.id)
            .scalar_subquery(),
        )
    ).one()
    return Locks(targets=row[0], evaluations=row[1])


def fingerprint(period: Period) -> str:
    """A short digest of the period's settings and status, posted back by the edit form:
    a change by someone else since the form was shown is then a conflict, not lost."""
    values = [str(getattr(period, name)) for name in (*FIELDS, "status")]
    return hashlib.sha256("|".join(values).encode()).hexdigest()[:16]


def _date(raw: str | None) -> date | None:
    """``2026-01-31`` (what a date input posts) or ``31-01-2026`` (typed by hand)."""
    raw = (raw or "").strip()
    try:
        if match := _DAY_FIRST.match(raw):
            day, month, year = (int(part) for part in match.groups())
            return date(year, month, day)
        return date.fromisoformat(raw)
    except ValueError:
        return None


def _month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def _months_later(day: date, months: int) -> date:
    """The last day of the month ``months`` after ``day``'s month."""
    index = day.month - 1 + months
    return _month_end(date(day.year + index // 12, index % 12 + 1, 1))


def month_span(start: date, end: date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month + 1


def parse_period_input(
    form: Mapping, current: Period | None = None, locks: Locks = Locks()
) -> PeriodInput:
    """Read and check the period form; raise :class:`InvalidInput` with every error.

    A locked setting (see :class:`Locks`) may be left out of the form (a disabled
    input posts nothing) and keeps its value; posted with another value, it is an error.
    """
    errors: dict[str, str] = {}

    def raw(name: str) -> str | None:
        value = form.get(name)
        if value is None and current is not None and locks.locked(name):
            return None
        return value

    name = " ".join((form.get("name") or "").split())
    if not name:
        errors["name"] = "Nama periode wajib diisi, misalnya “Tahun 2027”."
    elif len(name) > NAME_MAX:
        errors["name"] = f"Nama periode paling banyak {NAME_MAX} karakter."

    def a_date(field: str, label: str, required: bool = True) -> date | None:
        text = raw(field)
        if text is None and current is not None and locks.locked(field):
            return getattr(current, field)
        if not (text or "").strip():
            if required:
                errors[field] = f"{label} wajib diisi."
            return None
        value = _date(text)
        if value is None:
            errors[field] = f"{label} tidak valid; gunakan format tanggal-bulan-tahun."
        return value

    start = a_date("start_date", "Tanggal mulai")
    end = a_date("end_date", "Tanggal selesai")
    if start is not None and start.day != 1:
        errors["start_date"] = (
            "Periode dimulai pada tanggal 1 suatu bulan (rincian target bulanan)."
        )
    if end is not None and end != _month_end(end):
        errors["end_date"] = "Periode berakhir pada tanggal terakhir suatu bulan."
    if start is not None and end is not None and "end_date" not in errors:
        if end <= start:
            errors["end_date"] = "Tanggal selesai harus sesudah tanggal mulai."
        elif month_span(start, end) > MAX_MONTHS:
            errors["end_date"] = (
                f"Periode paling lama {MAX_MONTHS} bulan (terisi {month_span(start, end)} bulan)."
            )
    dates_ok = (
        start is not None and end is not None and not {"start_date", "end_date"} & set(errors)
    )

    scheme_raw = raw("scheme")
    scheme = None
    if scheme_raw is None and current is not None and locks.locked("scheme"):
        scheme = current.scheme
    else:
        try:
            scheme = Scheme(scheme_raw or "")
        except ValueError:
            errors["scheme"] = "Pilih skema penilaian: PP 46/2011 atau PermenPANRB 6/2022."

    def number(field: str, label: str, minimum: int, maximum: int) -> int | None:
        text = raw(field)
        if text is None and current is not None and locks.locked(field):
            return getattr(current, field)
        try:
            return parse_whole(text, label, minimum=minimum, maximum=maximum)
        except ValueError as exc:
            errors[field] = str(exc)
            return None

    weight_skp = number("weight_skp", "Bobot SKP", 0, 100)
    weight_perilaku = number("weight_perilaku", "Bobot perilaku", 0, 100)
    if (
        weight_skp is not None
        and weight_perilaku is not None
        and weight_skp + weight_perilaku != 100
    ):
        errors["weight_perilaku"] = (
            f"Bobot SKP dan bobot perilaku harus berjumlah 100 (sekarang "
            f"{weight_skp} + {weight_perilaku} = {weight_skp + weight_perilaku})."
        )
    report_day = number("report_deadline_day", "Tanggal batas laporan bulanan", 1, 28)
    if report_day is None and "report_deadline_day" in errors:
        errors["report_deadline_day"] = (
            "Tanggal batas laporan bulanan harus bilangan 1 sampai 28 (ada di setiap bulan)."
        )

    planning = a_date("planning_deadline", "Batas penyusunan SKP")
    if planning is not None and dates_ok and not start <= planning <= end:
        errors["planning_deadline"] = (
            f"Batas penyusunan SKP harus di dalam periode ({start:%d-%m-%Y} s.d. {end:%d-%m-%Y})."
        )
    evaluation = a_date("evaluation_deadline", "Batas evaluasi", required=False)
    if evaluation is not None and dates_ok:
        latest = _months_later(end, EVALUATION_MONTHS_AFTER)
        earliest = planning if planning is not None and start <= planning <= end else start
        if not earliest < evaluation <= latest:
            errors["evaluation_deadline"] = (
                f"Batas evaluasi harus sesudah batas penyusunan SKP dan paling lambat "
                f"{EVALUATION_MONTHS_AFTER} bulan setelah periode berakhir "
                f"({earliest:%d-%m-%Y} s.d. {latest:%d-%m-%Y})."
            )

    values = {
        "name": name,
        "start_date": start,
        "end_date": end,
        "scheme": scheme,
        "weight_skp": weight_skp,
        "weight_perilaku": weight_perilaku,
        "planning_deadline": planning,
        "report_deadline_day": report_day,
        "evaluation_deadline": evaluation,
    }
    if current is not None:
        for field, value in values.items():
            why = locks.reason(field)
            if why and value is not None and value != getattr(current, field):
                errors[field] = why
    if errors:
        raise InvalidInput(errors=errors)
    return PeriodInput(**values)


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
        errors["name"] = "Nama ini sudah dipakai periode lain di instansi Anda."
    other = _overlapping(instansi_id, data.start_date, data.end_date, exclude)
    if other is not None:
        errors["start_date"] = overlap_message(other)
    if errors:
        raise InvalidInput(errors=errors)


def overlap_message(other: Period) -> str:
    return (
        f"Tanggalnya tumpang tindih dengan periode {other.name} "
        f"({other.start_date:%d-%m-%Y} s.d. {other.end_date:%d-%m-%Y}, "
        f"{other.status.label.lower()}). Satu instansi menjalankan satu periode pada satu "
        "waktu; tutup periode itu dulu atau pilih tanggal lain."
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
        raise Conflict(closed_message(period, "diubah"))
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


def closed_message(period: Period, verb: str) -> str:
    who = period.closed_by.display_name if period.closed_by else "admin"
    when = f" pada {clock.local_date(period.closed_at):%d-%m-%Y}" if period.closed_at else ""
    return (
        f"Periode {period.name} sudah ditutup{when} oleh {who}; tidak dapat {verb}. "
        "Buka kembali periode itu dulu bila memang perlu diperbaiki."
    )


def _swap_status(period: Period, source: PeriodStatus, lost: str, **values) -> None:
    compare_and_swap(
        update(Period).where(Period.id == period.id, Period.status == source).values(**values),
        lost,
    )
    db.session.expire(period)


def open_period(period: Period, actor: Employee) -> None:
    """Open a prepared period: employees may now plan in it."""
    if period.status == PeriodStatus.OPEN:
        raise Conflict(f"Periode {period.name} sudah dibuka sebelumnya.")
    if period.status == PeriodStatus.CLOSED:
        raise Conflict(closed_message(period, "dibuka dengan cara ini"))
    _lock_instansi(period.instansi_id)
    other = _overlapping(period.instansi_id, period.start_date, period.end_date, period.id)
    if other is not None:
        raise Conflict(overlap_message(other))
    _swap_status(
        period,
        PeriodStatus.DRAFT,
        f"Periode {period.name} baru saja diubah admin lain. Periksa statusnya.",
        status=PeriodStatus.OPEN,
    )
    audit.record("period.open", period, actor=actor, summary={"name": period.name})
    db.session.flush()


@dataclass(frozen=True)
class CloseSummary:
    """What is still unfinished in a period, shown before closing it."""

    plans: int
    targets: int
    drafted: int  # drafted or in discussion: never approved
    approved: int  # approved, realisation not yet sent for evaluation
    reported: int  # sent, not yet evaluated
    pending_entries: int
    draft_evaluations: int
    open_objections: int
    open_follow_ups: int

    @property
    def not_evaluated(self) -> int:
        return self.drafted + self.approved + self.reported

    @property
    def anything_open(self) -> bool:
        return bool(
            self.not_evaluated
            or self.pending_entries
            or self.draft_evaluations
            or self.open_objections
            or self.open_follow_ups
        )


def close_summary(period: Period) -> CloseSummary:
    """Counted in the database, in two statements whatever the size of the period."""

    def count(model, *where):
        return select(func.count()).select_from(model).where(*where).scalar_subquery()

    in_period = Evaluation.period_id == period.id
    row = db.session.execute(
        select(
            count(Plan, Plan.period_id == period.id),
            count(
                WorkEntry,
                WorkEntry.period_id == period.id,
                WorkEntry.is_pending(),
            ),
            count(Evaluation, in_period, Evaluation.status == EvaluationStatus.DRAFT),
            count(Evaluation, in_period, Evaluation.objection_status == "open"),
            select(func.count())
            .select_from(FollowUpItem)
            .join(Evaluation, Evaluation.id == FollowUpItem.evaluation_id)
            .where(in_period, FollowUpItem.status == "open")
            .scalar_subquery(),
        )
    ).one()
    states = dict(
        db.session.execute(
            select(Target.state, func.count())
            .where(Target.period_id == period.id)
            .group_by(Target.state)
        ).all()
    )
    return CloseSummary(
        plans=row[0],
        targets=sum(states.values()),
        drafted=states.get(DRAFTED, 0) + states.get(DISCUSSED, 0),
        approved=states.get(APPROVED, 0),
        reported=states.get(REPORTED, 0),
        pending_entries=row[1],
        draft_evaluations=row[2],
        open_objections=row[3],
        open_follow_ups=row[4],
    )


def close_period(period: Period, actor: Employee) -> CloseSummary:
    """Close an open period: from now on nothing in it changes (``policy.PERIOD_BOUND``).

    Two admins closing at once: the compare-and-swap on ``status = open`` lets one win;
    the other gets a :class:`Conflict` and nothing changes twice.
    """
    if period.status == PeriodStatus.CLOSED:
        raise Conflict(closed_message(period, "ditutup lagi"))
    if period.status == PeriodStatus.DRAFT:
        raise Conflict(
            f"Periode {period.name} belum dibuka; tidak ada yang perlu ditutup. "
            "Ubah datanya bila periode ini tidak jadi dipakai."
        )
    summary = close_summary(period)
    _swap_status(
        period,
        PeriodStatus.OPEN,
        f"Periode {period.name} baru saja ditutup atau diubah admin lain.",
        status=PeriodStatus.CLOSED,
        closed_at=utcnow(),
        closed_by_id=actor.id,
    )
    audit.record("period.close", period, actor=actor, summary=asdict(summary))
    db.session.flush()
    return summary


def reopen_period(period: Period, actor: Employee, reason: str) -> None:
    """Open a closed period again, to correct a mistake; the reason is audited."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(
            "Tuliskan alasan membuka kembali periode ini (dicatat di log audit).", field="reason"
        )
    if len(reason) > REASON_MAX:
        raise InvalidInput(f"Alasan paling banyak {REASON_MAX} karakter.", field="reason")
    if period.status != PeriodStatus.CLOSED:
        raise Conflict(f"Periode {period.name} tidak sedang ditutup.")
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
        f"Periode {period.name} baru saja dibuka kembali atau diubah admin lain.",
        status=PeriodStatus.OPEN,
        closed_at=None,
        closed_by_id=None,
    )
    audit.record("period.reopen", period, actor=actor, summary={"reason": reason, **before})
    db.session.flush()


@dataclass
class PeriodRow:
    period: Period
    plans: int
    targets: int


def instansi_periods(instansi_id: int) -> list[PeriodRow]:
    """The instansi's periods, newest first, with their plan and target counts (three
    statements, however many periods)."""
    periods = db.session.scalars(
        select(Period)
        .where(Period.instansi_id == instansi_id)
        .options(selectinload(Period.closed_by))
        .order_by(Period.start_date.desc(), Period.id.desc())
    ).all()
    counts = {
        period_id: (plans, targets)
        for period_id, plans, targets in db.session.execute(
            select(
                Plan.period_id,
                func.count(func.distinct(Plan.id)),
                func.count(Target.id),
            )
            .outerjoin(Target, Target.plan_id == Plan.id)
            .where(Plan.instansi_id == instansi_id)
            .group_by(Plan.period_id)
        )
    }
    return [PeriodRow(p, *counts.get(p.id, (0, 0))) for p in periods]


def _public(values: dict) -> dict:
    def plain(value):
        if isinstance(value, list):
            return [plain(v) for v in value]
        if isinstance(value, date):
            return value.isoformat()
        return value.value if hasattr(value, "value") else value

    return {key: plain(value) for key, value in values.items()}
