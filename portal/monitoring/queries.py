"""The monitoring read model: every figure of the dashboard, the period progress page and
the XLSX export, aggregated in SQL with a fixed number of statements whatever the size.

Each aggregate takes *members*: a selectable of ``(employee_id, bucket_id)`` rows for the
active employees being counted, and answers per bucket. The bucket says what a figure is
grouped by: a listed unit with its whole subtree (the dashboard's rows), the employee's own
unit (the export), one employee (a unit's direct staff) or the instansi (the period page).
Subtrees are walked with a recursive CTE on ``unit.parent_id``.

Definitions (shared by the three pages):

- *approved plan*: at least one target of the period in ``approved`` or a later state.
- *late month*: as in the monthly report (``portal.reports.queries.late_months``): a month
  of the period, begun and with its report deadline (``report_deadline_day`` of the next
  month) already past, with planned quantity on an approved-or-later target, for which the
  employee had created no work entry (of any status) by the end of the deadline day in the
  portal's time zone. Read from the ``report_month`` rollup (``portal.models.rollups``).
- *verification backlog*: pending work entries of the period, per evaluator of their
  target. Read from the ``target_backlog`` rollup.
- *organisation rating* of a unit (PermenPANRB 6/2022): the evaluator records it on each
  evaluation ("Predikat kinerja organisasi (unit)"); a unit's rating is the one recorded
  most often on the final evaluations of the employees placed directly in that unit, the
  most recently evaluated one breaking a tie. The distribution check then applies it to the
  predikat of the unit's whole subtree.
"""

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
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import aliased, selectinload

from portal import clock
from portal.extensions import db
from portal.models import (
    Employee,
    Evaluation,
    EvaluationStatus,
    Period,
    ReportMonth,
    Target,
    TargetBacklog,
    Unit,
)
from portal.months import elapsed_months, report_deadline
from workflows.targets import APPROVED_OR_LATER, REPORTED, STATES

LIST_LIMIT = 50


@dataclass(frozen=True)
class Scope:
    """What is monitored: an instansi in a period, whole or one unit's subtree."""

    instansi_id: int
    period: Period
    today: date
    unit: Unit | None = None


# --- who is counted, grouped how ---------------------------------------------------------


def _tree(scope: Scope, *, per_unit: bool = False):
    """``(unit_id, bucket_id)`` for every unit of the scope's subtree.

    By default the bucket is the listed unit the row descends from: the top-level units
    for the whole instansi; the unit's children and the unit itself (its direct staff) for
    a unit. With ``per_unit`` every unit is its own bucket.
    """
    instansi_id = scope.instansi_id
    if scope.unit is None:
        anchor = select(Unit.id.label("unit_id"), Unit.id.label("bucket_id")).where(
            Unit.instansi_id == instansi_id, Unit.parent_id.is_(None)
        )
    else:
        anchor = select(Unit.id.label("unit_id"), Unit.id.label("bucket_id")).where(
            Unit.instansi_id == instansi_id,
            or_(Unit.id == scope.unit.id, Unit.parent_id == scope.unit.id),
        )
    tree = anchor.cte("unit_tree", recursive=True)
    child = aliased(Unit)
    step = (
        select(child.id, child.id if per_unit else tree.c.bucket_id)
        .join(tree, child.parent_id == tree.c.unit_id)
        .where(child.instansi_id == instansi_id)
    )
    if scope.unit is not None:
        step = step.where(tree.c.unit_id != scope.unit.id)
    # UNION, not UNION ALL: a (corrupt) cycle in the tree then ends instead of looping.
    return tree.union(step)


def members(scope: Scope, *, per_unit: bool = False):
    """Active employees of the scope, bucketed by listed unit (or by their own unit).

    The subtree's units are read first (one statement; a few for a unit, about a thousand
    for an instansi) and the employees are then chosen by that list of ids, which
    PostgreSQL's planner can estimate: it probes the indexes for a small unit and hashes
    for the whole instansi. Chosen through the recursive CTE in the same statement, it
    guessed thousands of units whatever the unit, and hashed every row of the period for
    a unit of eighty people. (A VALUES list of the pairs would be estimated too, but
    SQLAlchemy takes ~0.2 s to compile one of a thousand rows, every time.)
    """
    tree = _tree(scope, per_unit=per_unit)
    unit_ids = list(db.session.scalars(select(tree.c.unit_id)))
    return (
        select(Employee.id.label("employee_id"), tree.c.bucket_id)
        .join(tree, Employee.unit_id == tree.c.unit_id)
        .where(Employee.unit_id.in_(unit_ids), Employee.active.is_(True))
        .cte("members")
        # Computed once per statement: SQLite would otherwise fold it into the join and,
        # without statistics, walk it for every target of the period.
        .prefix_with("MATERIALIZED")
    )


def employee_members(employee_ids: list[int]):
    """The given employees, each their own bucket."""
    return (
        select(Employee.id.label("employee_id"), Employee.id.label("bucket_id"))
        .where(Employee.id.in_(employee_ids))
        .cte("members")
    )


def instansi_members(instansi_id: int):
    """Every active employee of the instansi, in one bucket (the instansi's id)."""
    return (
        select(Employee.id.label("employee_id"), Employee.instansi_id.label("bucket_id"))
        .where(Employee.instansi_id == instansi_id, Employee.active.is_(True))
        .cte("members")
    )


# --- aggregates per bucket ---------------------------------------------------------------


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


def _approved(period_id: int, employee_id):
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


# --- the units ---------------------------------------------------------------------------


@dataclass
class UnitRow:
    unit: Unit
    sub_units: int


def listed_units(scope: Scope) -> list[UnitRow]:
    """The dashboard's rows: top-level units, or the unit's children; one statement."""
    child = aliased(Unit)
    sub_units = (
        select(func.count()).where(child.parent_id == Unit.id).correlate(Unit).scalar_subquery()
    )
    parent = Unit.parent_id.is_(None) if scope.unit is None else Unit.parent_id == scope.unit.id
    rows = db.session.execute(
        select(Unit, sub_units)
        .where(Unit.instansi_id == scope.instansi_id, parent)
        .order_by(Unit.code, Unit.id)
    )
    return [UnitRow(unit, n) for unit, n in rows]


def ancestors(unit: Unit) -> list[Unit]:
    """The unit's ancestors, the top-level one first (for breadcrumbs); one statement."""
    up = (
        select(Unit.parent_id.label("id"), literal(1).label("depth"))
        .where(Unit.id == unit.id, Unit.parent_id.is_not(None))
        .cte("up", recursive=True)
    )
    parent = aliased(Unit)
    up = up.union(
        select(parent.parent_id, up.c.depth + 1)
        .join(up, parent.id == up.c.id)
        .where(parent.parent_id.is_not(None), up.c.depth < 64)
    )
    rows = db.session.execute(
        select(Unit, up.c.depth).join(up, Unit.id == up.c.id).order_by(up.c.depth.desc())
    )
    return [row[0] for row in rows]


def subtree_units(scope: Scope) -> list[Unit]:
    """Every unit of the scope (all of the instansi's, or the unit's subtree), in code
    order; one statement."""
    tree = _tree(scope, per_unit=True)
    return list(
        db.session.scalars(
            select(Unit).where(Unit.id.in_(select(tree.c.unit_id))).order_by(Unit.code, Unit.id)
        )
    )


# --- lists -------------------------------------------------------------------------------


def direct_staff(unit: Unit, limit: int = LIST_LIMIT) -> tuple[list[Employee], int]:
    """The active employees placed directly in the unit (the first ``limit``) and how many;
    one statement."""
    rows = db.session.execute(
        select(Employee, func.count().over())
        .where(Employee.unit_id == unit.id, Employee.active.is_(True))
        .order_by(Employee.name, Employee.id)
        .limit(limit)
    ).all()
    return [row[0] for row in rows], (rows[0][1] if rows else 0)


@dataclass
class PlanGap:
    employee: Employee
    targets: int
    furthest: str | None


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
        .where(~_approved(period_id, Employee.id))
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


def periods(instansi_id: int) -> list[Period]:
    return list(
        db.session.scalars(
            select(Period)
            .where(Period.instansi_id == instansi_id)
            .order_by(Period.start_date.desc(), Period.id.desc())
        )
    )


def default_period(choices: list[Period]) -> Period | None:
    """The open period that started last, else the latest."""
    return next((p for p in choices if p.is_open), choices[0] if choices else None)
