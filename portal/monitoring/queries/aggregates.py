"""The figures per bucket: approved plans, late months, backlog, and the organisation
rating of a unit, each aggregated in SQL in a fixed number of statements."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import (
    and_,
    case,
    distinct,
    exists,
    false,
    func,
    literal,
    select,
    union_all,
)
from sqlalchemy.orm import aliased

from portal import clock
from portal.extensions import db
from portal.models import (
    Employee,
    Evaluation,
    EvaluationStatus,
    Period,
    ReportMonth,
    Target,
)
from portal.months import elapsed_months, report_deadline
from workflows.targets import APPROVED_OR_LATER, REPORTED, STATES


@dataclass
class Figures:
    """The aggregates of one bucket."""

    employees: int = 0
    without_plan: int = 0
    states: Counter = field(default_factory=Counter)
    late_employees: int = 0
    late_months: int = 0
    pending: int = 0
    evaluated: int = 0
    awaiting_evaluation: int = 0
    predikats: Counter = field(default_factory=Counter)

    @property
    def targets(self) -> int:
        return sum(self.states.values())

    @property
    def not_yet_evaluated(self) -> int:
        return self.employees - self.evaluated - self.awaiting_evaluation

    def add(self, other: Figures) -> None:
        for name in (
            "employees",
            "without_plan",
            "late_employees",
            "late_months",
            "pending",
            "evaluated",
            "awaiting_evaluation",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.states.update(other.states)
        self.predikats.update(other.predikats)


def approved_plan(period_id: int, employee_id):
    """``employee_id`` has an approved plan: a target in ``approved`` or a later state. A
    correlated EXISTS, which both databases answer through ``ix_target_owner_period`` (and
    PostgreSQL plans as a semi- or anti-join sized to the members)."""
    return exists().where(
        Target.owner_id == employee_id,
        Target.period_id == period_id,
        Target.state.in_(APPROVED_OR_LATER),
    )


def _one(flag):
    return func.coalesce(func.sum(case((flag, 1), else_=0)), 0)


def due_months(period: Period, today: date) -> dict[int, datetime]:
    """The months whose report deadline has passed, each with the first moment (UTC) after
    its deadline day ended in the portal's time zone: an entry created before it is on time."""
    due = {}
    for month in range(1, elapsed_months(period, today) + 1):
        deadline = report_deadline(period, month)
        if deadline < today:
            cutoff = datetime.combine(deadline + timedelta(days=1), time(), clock.zone())
            due[month] = cutoff.astimezone(UTC)
    return due


def late_pairs(group, period: Period, today: date):
    """``(employee_id, bucket_id, month)`` of every late month of the members.

    Read from the ``report_month`` rollup the triggers keep: per due month, the planned
    rows whose first entry is missing or came at or after the month's cutoff — two ranges
    of ``ix_report_month_due``, so the cost follows the late months, not the employees.
    """
    due = due_months(period, today)
    if not due:
        return (
            select(group.c.employee_id, group.c.bucket_id, literal(0).label("month"))
            .where(false())
            .cte("late")
        )
    first = ReportMonth.first_entry_at
    month_rows = select(ReportMonth.owner_id, ReportMonth.month).where(
        ReportMonth.period_id == period.id, ReportMonth.planned.is_(True)
    )
    # Written as a union of ranges: an OR of them makes both databases read every planned
    # row of the period instead.
    late = union_all(
        *(
            month_rows.where(ReportMonth.month == month, reported)
            for month, cutoff in due.items()
            for reported in (first.is_(None), first >= cutoff)
        )
    ).subquery("late_months")
    return (
        select(group.c.employee_id, group.c.bucket_id, late.c.month)
        .select_from(late)
        .join(group, group.c.employee_id == late.c.owner_id)
        .cte("late")
    )


def figures(group, period: Period, today: date) -> dict[int, Figures]:
    """The aggregates of every bucket of ``group`` but the pending entries (see
    :func:`pending_queues`): three statements."""
    out: dict[int, Figures] = {}

    def of(bucket: int) -> Figures:
        return out.setdefault(bucket, Figures())

    period_id = period.id
    # Each member with the number of their targets in each state (a join the planner
    # sizes: index probes for a unit, hashing for the instansi), then per bucket.
    per_member = (
        select(
            group.c.bucket_id,
            group.c.employee_id,
            *(_one(Target.state == state).label(state) for state in STATES),
        )
        .select_from(group)
        .outerjoin(
            Target, and_(Target.owner_id == group.c.employee_id, Target.period_id == period_id)
        )
        .group_by(group.c.bucket_id, group.c.employee_id)
        .subquery("per_member")
    )
    approved = sum(per_member.c[state] for state in APPROVED_OR_LATER)
    # At most one evaluation per employee and period (one per plan).
    final = aliased(Evaluation)
    evaluated = final.id.is_not(None)
    people = db.session.execute(
        select(
            per_member.c.bucket_id,
            func.count(),
            _one(approved == 0),
            _one(evaluated),
            _one(~evaluated & (per_member.c[REPORTED] > 0)),
            *(func.sum(per_member.c[state]) for state in STATES),
        )
        .select_from(per_member)
        .outerjoin(
            final,
            and_(
                final.employee_id == per_member.c.employee_id,
                final.period_id == period_id,
                final.status == EvaluationStatus.FINAL,
            ),
        )
        .group_by(per_member.c.bucket_id)
    )
    for bucket, employees, without_plan, evaluated_n, awaiting, *counts in people:
        f = of(bucket)
        f.employees, f.without_plan = employees, int(without_plan)
        f.evaluated, f.awaiting_evaluation = int(evaluated_n), int(awaiting)
        f.states.update({s: int(n) for s, n in zip(STATES, counts, strict=True) if n})
    late = late_pairs(group, period, today)
    for bucket, employees, months in db.session.execute(
        select(late.c.bucket_id, func.count(distinct(late.c.employee_id)), func.count()).group_by(
            late.c.bucket_id
        )
    ):
        f = of(bucket)
        f.late_employees, f.late_months = employees, months
    predikats = db.session.execute(
        select(group.c.bucket_id, Evaluation.predikat, func.count())
        .join(Evaluation, Evaluation.employee_id == group.c.employee_id)
        .where(
            Evaluation.period_id == period_id,
            Evaluation.status == EvaluationStatus.FINAL,
            Evaluation.predikat.is_not(None),
        )
        .group_by(group.c.bucket_id, Evaluation.predikat)
    )
    for bucket, predikat, n in predikats:
        of(bucket).predikats[predikat] = n
    return out


def organisation_ratings(unit_ids: list[int], period_id: int) -> dict[int, str]:
    """Each unit's organisation rating (see the module's docstring); one statement."""
    if not unit_ids:
        return {}
    rows = db.session.execute(
        select(
            Employee.unit_id,
            Evaluation.organisation_rating,
            func.count(),
            func.max(Evaluation.evaluated_at),
        )
        .join(Evaluation, Evaluation.employee_id == Employee.id)
        .where(
            Employee.unit_id.in_(unit_ids),
            Employee.active.is_(True),
            Evaluation.period_id == period_id,
            Evaluation.status == EvaluationStatus.FINAL,
            Evaluation.organisation_rating.is_not(None),
            Evaluation.organisation_rating != "",
        )
        .group_by(Employee.unit_id, Evaluation.organisation_rating)
    ).all()
    best: dict[int, tuple] = {}
    for unit_id, rating, n, latest in rows:
        key = (n, latest or datetime.min.replace(tzinfo=UTC))
        if unit_id not in best or key > best[unit_id][0]:
            best[unit_id] = (key, rating)
    return {unit_id: rating for unit_id, (_, rating) in best.items()}
