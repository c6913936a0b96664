"""The lists behind the figures: employees without an approved plan, late reports,
the verification queues and the open objections, each capped at ``LIST_LIMIT``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import (
    case,
    func,
    select,
)
from sqlalchemy.orm import selectinload

from portal import clock
from portal.extensions import db
from portal.models import (
    Employee,
    Evaluation,
    Period,
    Target,
    TargetBacklog,
)
from portal.monitoring.queries.aggregates import Figures, approved_plan, late_pairs
from portal.monitoring.queries.scope import LIST_LIMIT
from workflows.targets import APPROVED_OR_LATER, STATE_LABELS, STATES


@dataclass
class PlanGap:
    employee: Employee
    targets: int
    furthest: str | None  # the furthest state any of the targets reached

    @property
    def furthest_label(self):
        return STATE_LABELS[self.furthest] if self.furthest else None


def without_plan(group, period_id: int, limit: int | None = LIST_LIMIT) -> list[PlanGap]:
    """Members with no approved plan, by name, with their targets so far and the furthest
    state any of them reached; one statement (and two for the units and supervisors)."""
    order = case({state: i for i, state in enumerate(STATES)}, value=Target.state)
    drafts = (
        select(
            Target.owner_id.label("owner_id"),
            func.count().label("targets"),
            func.max(order).label("furthest"),
        )
        .where(Target.period_id == period_id, Target.state.not_in(APPROVED_OR_LATER))
        .group_by(Target.owner_id)
        .subquery("drafts")
    )
    stmt = (
        select(Employee, drafts.c.targets, drafts.c.furthest)
        .join(group, group.c.employee_id == Employee.id)
        .outerjoin(drafts, drafts.c.owner_id == Employee.id)
        .where(~approved_plan(period_id, Employee.id))
        .options(selectinload(Employee.unit), selectinload(Employee.atasan))
        .order_by(Employee.name, Employee.id)
    )
    if limit is not None:
        stmt = stmt.limit(limit)
    return [
        PlanGap(e, n or 0, STATES[furthest] if furthest is not None else None)
        for e, n, furthest in db.session.execute(stmt)
    ]


@dataclass
class LateReport:
    employee: Employee
    months: list[int]


def late_reports(group, period: Period, today: date, limit: int | None = LIST_LIMIT):
    """Members with late months, by name, with the months."""
    late = late_pairs(group, period, today)
    ranked = (
        select(
            late.c.employee_id,
            late.c.month,
            func.dense_rank().over(order_by=(Employee.name, Employee.id)).label("rank"),
        )
        .join(Employee, Employee.id == late.c.employee_id)
        .subquery()
    )
    stmt = select(ranked.c.employee_id, ranked.c.month).order_by(ranked.c.rank, ranked.c.month)
    if limit is not None:
        stmt = stmt.where(ranked.c.rank <= limit)
    months: dict[int, list[int]] = {}
    for employee_id, month in db.session.execute(stmt):
        months.setdefault(employee_id, []).append(month)
    if not months:
        return []
    people = {
        e.id: e
        for e in db.session.scalars(
            select(Employee)
            .where(Employee.id.in_(list(months)))
            .options(selectinload(Employee.unit), selectinload(Employee.atasan))
        )
    }
    return [LateReport(people[i], m) for i, m in months.items()]


@dataclass
class Backlog:
    evaluator: Employee | None
    pending: int
    oldest: datetime

    def age_days(self, today: date) -> int:
        return max(0, (today - clock.local_date(self.oldest)).days)


@dataclass
class Queue:
    """Pending entries of one bucket's members on the targets of one evaluator."""

    bucket_id: int
    evaluator_id: int | None
    pending: int
    oldest: datetime


def pending_queues(group, period_id: int) -> list[Queue]:
    """The members' pending entries, per bucket and evaluator of their target; one
    statement over the ``target_backlog`` rollup (targets with pending entries, not the
    entries), whose few rows give both the bucket's count and the evaluators' queues."""
    rows = db.session.execute(
        select(
            group.c.bucket_id,
            Target.evaluator_id,
            func.sum(TargetBacklog.pending),
            func.min(TargetBacklog.oldest_pending_at),
        )
        .select_from(TargetBacklog)
        .join(Target, Target.id == TargetBacklog.target_id)
        .join(group, group.c.employee_id == TargetBacklog.owner_id)
        .where(TargetBacklog.period_id == period_id)
        .group_by(group.c.bucket_id, Target.evaluator_id)
    )
    return [
        Queue(bucket, evaluator, n, _as_datetime(oldest)) for bucket, evaluator, n, oldest in rows
    ]


def add_pending(per_bucket: dict[int, Figures], queues: list[Queue]) -> None:
    for queue in queues:
        per_bucket.setdefault(queue.bucket_id, Figures()).pending += queue.pending


def verification_backlog(
    queues: list[Queue], limit: int | None = LIST_LIMIT
) -> tuple[list[Backlog], int]:
    """The evaluators' queues over all buckets, the longest first, and how many evaluators
    have one; one statement for the evaluators shown."""
    merged: dict[int | None, list] = {}
    for queue in queues:
        item = merged.setdefault(queue.evaluator_id, [0, queue.oldest])
        item[0] += queue.pending
        item[1] = min(item[1], queue.oldest)
    ranked = sorted(merged.items(), key=lambda kv: (-kv[1][0], kv[0] is None, kv[0] or 0))
    shown = ranked if limit is None else ranked[:limit]
    ids = [evaluator for evaluator, _ in shown if evaluator is not None]
    people = (
        {
            e.id: e
            for e in db.session.scalars(
                select(Employee).where(Employee.id.in_(ids)).options(selectinload(Employee.unit))
            )
        }
        if ids
        else {}
    )
    items = [Backlog(people.get(evaluator), n, oldest) for evaluator, (n, oldest) in shown]
    return items, len(merged)


def _as_datetime(value) -> datetime:
    """``min()`` of a timestamp comes back as naive text on SQLite, aware on PostgreSQL."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def open_objections(
    instansi_id: int, period_id: int, limit: int = LIST_LIMIT
) -> tuple[list[Evaluation], int]:
    """Evaluations whose objection waits for a decision, the oldest first; two statements."""
    where = (
        Evaluation.instansi_id == instansi_id,
        Evaluation.period_id == period_id,
        Evaluation.objection_status == "open",
    )
    total = db.session.scalar(select(func.count()).select_from(Evaluation).where(*where))
    if not total:
        return [], 0
    evaluations = list(
        db.session.scalars(
            select(Evaluation)
            .where(*where)
            .options(
                selectinload(Evaluation.employee).selectinload(Employee.unit),
                selectinload(Evaluation.evaluator).selectinload(Employee.atasan),
            )
            .order_by(Evaluation.responded_at, Evaluation.id)
            .limit(limit)
        )
    )
    return evaluations, total
