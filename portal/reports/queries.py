"""Read models of the reporting screens; fixed statement counts whatever the volume.

The screens' decisions are made here, not in the templates: which entry may be edited
or decided by the viewer and how its status is tagged (the monthly report's are in
``reports.monthly``).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, select
from sqlalchemy.orm import contains_eager, selectinload

from portal import clock, policy
from portal.extensions import db
from portal.models import (
    Employee,
    EntryStatus,
    Evidence,
    MonthlyTarget,
    Period,
    Target,
    WorkEntry,
)
from portal.models.evaluations import (
    CLOSED_STATES,
    excluded_by_final_evaluation,
    target_closed,
)
from portal.models.periods import PeriodStatus
from portal.models.plans import target_card_options
from portal.months import elapsed_months, report_deadline
from portal.policy import Action
from workflows.targets import APPROVED, EVALUATED, FOLLOWED_UP, REPORTED

QUEUE_LIMIT = 300
# A target the evaluation closed: its entries are read-only, whatever their status.
TARGET_EVALUATED = _l("Target ini sudah dievaluasi; laporan harian tidak dapat diubah lagi.")
TARGET_EXCLUDED = _l(
    "Target ini dikecualikan dari evaluasi yang sudah selesai; laporan harian tidak dapat "
    "diubah lagi."
)
REJECTED_CANNOT_BE_FIXED = _l(
    "Laporan ini ditolak, tetapi targetnya sudah dievaluasi; laporan tidak dapat "
    "diperbaiki atau diajukan ulang lagi."
)


def closed_reason(target: Target) -> str | None:
    """Why the target's entries can no longer change (it was evaluated, or excluded by a
    final evaluation: ``Target.excluded`` is loaded with the target), or None."""
    if target.state in CLOSED_STATES:
        return str(TARGET_EVALUATED)
    if target.excluded:
        return str(TARGET_EXCLUDED)
    return None


def entry_options():
    return (
        selectinload(WorkEntry.evidence),
        selectinload(WorkEntry.target),
        selectinload(WorkEntry.owner),
    )


def day_entries(owner_id: int, day: date) -> list[WorkEntry]:
    return list(
        db.session.scalars(
            select(WorkEntry)
            .where(WorkEntry.owner_id == owner_id, WorkEntry.entry_date == day)
            .options(*entry_options())
            .order_by(WorkEntry.created_at, WorkEntry.id)
        )
    )


def recent_first(owner_id: int, targets: dict[int, Target]) -> list[Target]:
    """The reportable targets, the most recently used first (fast entry on a phone)."""
    if not targets:
        return []
    last_used = dict(
        db.session.execute(
            select(WorkEntry.target_id, func.max(WorkEntry.created_at))
            .where(WorkEntry.owner_id == owner_id, WorkEntry.target_id.in_(list(targets)))
            .group_by(WorkEntry.target_id)
        ).all()
    )
    return sorted(
        targets.values(),
        key=lambda t: (
            t.id not in last_used,
            -(last_used[t.id].timestamp()) if t.id in last_used else 0,
            t.position,
            t.id,
        ),
    )


@dataclass
class CalendarDay:
    day: date | None
    entries: int = 0
    minutes: int = 0
    holiday: str | None = None

    @property
    def weekend(self) -> bool:
        return self.day is not None and self.day.weekday() >= 5


def month_calendar(owner_id: int, year: int, month: int) -> list[list[CalendarDay]]:
    """Weeks (Monday first) of the month with each day's entry count and minutes."""
    first = date(year, month, 1)
    last = date(year, month, calendar.monthrange(year, month)[1])
    counts = {
        day: (n, minutes)
        for day, n, minutes in db.session.execute(
            select(WorkEntry.entry_date, func.count(), func.sum(WorkEntry.minutes))
            .where(
                WorkEntry.owner_id == owner_id,
                WorkEntry.entry_date.between(first, last),
                WorkEntry.status != EntryStatus.REJECTED,
            )
            .group_by(WorkEntry.entry_date)
        ).all()
    }
    holidays = clock.holidays()
    weeks = []
    for week in calendar.Calendar(firstweekday=0).monthdatescalendar(year, month):
        row = []
        for day in week:
            if day.month != month:
                row.append(CalendarDay(None))
                continue
            n, minutes = counts.get(day, (0, 0))
            row.append(CalendarDay(day, n, minutes or 0, holidays.get(day)))
        weeks.append(row)
    return weeks


def targets_for_report(owner_id: int, period_id: int) -> list[Target]:
    return list(
        db.session.scalars(
            select(Target)
            .where(
                Target.owner_id == owner_id,
                Target.period_id == period_id,
                Target.state.in_((APPROVED, REPORTED, EVALUATED, FOLLOWED_UP)),
            )
            .options(*target_card_options())
            .order_by(Target.position, Target.id)
        )
    )


def late_months(owner_id: int, period: Period, targets: list[Target], today: date) -> list[int]:
    """Months with planned work whose deadline passed with no entry reported by then."""
    planned = {m.month for t in targets for m in t.months if m.quantity}
    first_entry = dict(
        db.session.execute(
            select(WorkEntry.month, func.min(WorkEntry.created_at))
            .where(WorkEntry.owner_id == owner_id, WorkEntry.period_id == period.id)
            .group_by(WorkEntry.month)
        ).all()
    )
    late = []
    for month in range(1, elapsed_months(period, today) + 1):
        deadline = report_deadline(period, month)
        if month not in planned or deadline >= today:
            continue
        first = first_entry.get(month)
        if first is None or clock.local_date(first) > deadline:
            late.append(month)
    return late


@dataclass
class TeamRow:
    employee: Employee
    planned: int
    accepted: int
    pending: int
    entries: int
    last_entry: date | None

    @property
    def percent(self) -> float | None:
        return 100 * self.accepted / self.planned if self.planned else None


def team_progress(supervisor_id: int, period: Period, month: int) -> list[TeamRow]:
    """Every direct subordinate's progress in one month: three statements in all."""
    people = list(
        db.session.scalars(
            select(Employee)
            .where(Employee.atasan_id == supervisor_id, Employee.active.is_(True))
            .order_by(Employee.name)
        )
    )
    ids = [p.id for p in people]
    planned = (
        dict(
            db.session.execute(
                select(Target.owner_id, func.coalesce(func.sum(MonthlyTarget.quantity), 0))
                .join(MonthlyTarget, MonthlyTarget.target_id == Target.id)
                .where(
                    Target.owner_id.in_(ids),
                    Target.period_id == period.id,
                    Target.state.in_((APPROVED, REPORTED)),
                    MonthlyTarget.month == month,
                )
                .group_by(Target.owner_id)
            ).all()
        )
        if ids
        else {}
    )
    stats = (
        {
            owner: (accepted, pending, n, last)
            for owner, accepted, pending, n, last in db.session.execute(
                select(
                    WorkEntry.owner_id,
                    func.coalesce(
                        func.sum(
                            case(
                                (WorkEntry.status == EntryStatus.ACCEPTED, WorkEntry.quantity),
                                else_=0,
                            )
                        ),
                        0,
                    ),
                    func.coalesce(
                        func.sum(case((WorkEntry.status == EntryStatus.PENDING, 1), else_=0)), 0
                    ),
                    func.count(),
                    func.max(WorkEntry.entry_date),
                )
                .where(
                    WorkEntry.owner_id.in_(ids),
                    WorkEntry.period_id == period.id,
                    WorkEntry.month == month,
                )
                .group_by(WorkEntry.owner_id)
            ).all()
        }
        if ids
        else {}
    )
    return [
        TeamRow(
            p,
            int(planned.get(p.id, 0)),
            *(
                (int(stats[p.id][0]), int(stats[p.id][1]), stats[p.id][2], stats[p.id][3])
                if p.id in stats
                else (0, 0, 0, None)
            ),
        )
        for p in people
    ]


def reportable_targets(owner_id: int) -> list[Target]:
    """The owner's approved targets in open periods, but those a final evaluation
    excluded: the only ones a day's work may go to, the most recently used first."""
    rows = db.session.scalars(
        select(Target)
        .join(Period, Period.id == Target.period_id)
        .where(
            Target.owner_id == owner_id,
            Target.state == APPROVED,
            Period.status == PeriodStatus.OPEN,
            ~excluded_by_final_evaluation(Target.id),
        )
    )
    return recent_first(owner_id, {t.id: t for t in rows})


def minutes_logged(owner_id: int, day: date, *, excluding: int | None = None) -> int:
    """Minutes the owner has logged on ``day``, leaving out the entry being edited."""
    query = select(func.coalesce(func.sum(WorkEntry.minutes), 0)).where(
        WorkEntry.owner_id == owner_id, WorkEntry.entry_date == day
    )
    if excluding is not None:
        query = query.where(WorkEntry.id != excluding)
    return db.session.scalar(query)


STATUS_TAGS = {
    EntryStatus.ACCEPTED: "tag--ok",
    EntryStatus.REJECTED: "tag--err",
    EntryStatus.PENDING: "tag--warn",
}


@dataclass(frozen=True)
class EntryCard:
    """A work entry as a list shows it to ``viewer``: what it may do with the entry.
    ``closed`` says why nothing can change any more (the target was evaluated or
    excluded), or is None."""

    entry: WorkEntry
    may_edit: bool
    may_decide: bool
    closed: str | None = None

    @property
    def rejected(self) -> bool:
        return self.entry.status == EntryStatus.REJECTED

    @property
    def tag(self) -> str:
        return STATUS_TAGS[self.entry.status]


def entry_card(entry: WorkEntry, viewer: Employee) -> EntryCard:
    closed = closed_reason(entry.target)
    if closed is not None and entry.status == EntryStatus.REJECTED:
        closed = str(REJECTED_CANNOT_BE_FIXED)  # rather than a dead end: say it
    return EntryCard(
        entry,
        may_edit=closed is None and policy.can(viewer, Action.EDIT_ENTRY, entry),
        may_decide=closed is None
        and entry.status == EntryStatus.PENDING
        and policy.can(viewer, Action.VERIFY_ENTRY, entry),
        closed=closed,
    )


def has_closed_targets(owner_id: int) -> bool:
    """Whether the owner has targets in open periods that the evaluation closed: the
    daily log then says why there is nothing left to report on, rather than "no target
    approved yet"."""
    return db.session.scalar(
        select(
            select(Target.id)
            .join(Period, Period.id == Target.period_id)
            .where(
                Target.owner_id == owner_id,
                Period.status == PeriodStatus.OPEN,
                target_closed(Target.id, Target.state),
            )
            .exists()
        )
    )


def day_cards(owner: Employee, day: date) -> list[EntryCard]:
    """The owner's entries on ``day``, as their daily log lists them."""
    return [entry_card(e, owner) for e in day_entries(owner.id, day)]


def load_entry(entry_id: int) -> WorkEntry | None:
    return db.session.scalar(
        select(WorkEntry).where(WorkEntry.id == entry_id).options(*entry_options())
    )


@dataclass
class QueueGroup:
    owner: Employee
    target: Target
    entries: list[EntryCard] = field(default_factory=list)


def _pending_for(evaluator_id: int):
    return (
        select(WorkEntry)
        .join(Target, Target.id == WorkEntry.target_id)
        .join(Employee, Employee.id == WorkEntry.owner_id)
        .where(Target.evaluator_id == evaluator_id, WorkEntry.is_pending())
    )


def pending_count(evaluator_id: int) -> int:
    """How many entries wait for this user's verification (the queue's heading)."""
    return db.session.scalar(
        select(func.count()).select_from(_pending_for(evaluator_id).subquery())
    )


def verification_queue(evaluator_id: int) -> tuple[list[QueueGroup], int]:
    """Pending entries on targets this user evaluates, grouped by person and target."""
    evaluator = db.session.get(Employee, evaluator_id)
    base = _pending_for(evaluator_id)
    total = pending_count(evaluator_id)
    # The target, its period (which the policy asks of each entry) and the owner ride
    # along as the joins already made; only the evidence takes a statement of its own.
    entries = db.session.scalars(
        base.options(
            selectinload(WorkEntry.evidence),
            contains_eager(WorkEntry.target).joinedload(Target.period),
            contains_eager(WorkEntry.owner),
        )
        .order_by(
            Employee.name,
            Employee.id,
            Target.position,
            Target.id,
            WorkEntry.entry_date,
            WorkEntry.id,
        )
        .limit(QUEUE_LIMIT)
    ).all()
    groups: dict[tuple[int, int], QueueGroup] = {}
    for entry in entries:
        key = (entry.owner_id, entry.target_id)
        group = groups.setdefault(key, QueueGroup(entry.owner, entry.target))
        group.entries.append(entry_card(entry, evaluator))
    return list(groups.values()), total


def entry_of_evidence(evidence_id: int) -> WorkEntry | None:
    """The entry an evidence file belongs to: who may see it may download the file."""
    return db.session.scalar(
        select(WorkEntry)
        .join(Evidence, Evidence.entry_id == WorkEntry.id)
        .where(Evidence.id == evidence_id)
    )
