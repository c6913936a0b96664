"""Read models for the home pages: each a fixed number of statements, whatever the size."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, func, select
from sqlalchemy.orm import contains_eager, joinedload

from portal.extensions import db
from portal.models import Employee, Evaluation, FollowUpItem, Period, Target, Unit
from portal.routing import current_period  # noqa: F401  (home's callers read it here)


def plan_state_counts(employee_id: int, period_id: int) -> dict[str, int]:
    """How many of the employee's targets in the period are in each state."""
    rows = db.session.execute(
        select(Target.state, func.count())
        .where(Target.owner_id == employee_id, Target.period_id == period_id)
        .group_by(Target.state)
    )
    return dict(rows.all())


def subordinates(employee_id: int) -> list[Employee]:
    return list(
        db.session.scalars(
            select(Employee)
            .where(Employee.atasan_id == employee_id, Employee.active.is_(True))
            .options(joinedload(Employee.unit))
            .order_by(Employee.name)
        )
    )


@dataclass
class UnitCount:
    unit: Unit
    employees: int
    active: int


@dataclass
class InstansiOverview:
    units: list[UnitCount]
    unit_total: int
    employee_total: int
    active_total: int
    admins: int
    without_supervisor: int
    periods: list[Period]


def instansi_overview(instansi_id: int) -> InstansiOverview:
    counts = (
        select(
            Employee.unit_id,
            func.count().label("employees"),
            func.sum(case((Employee.active.is_(True), 1), else_=0)).label("active"),
        )
        .where(Employee.instansi_id == instansi_id)
        .group_by(Employee.unit_id)
        .subquery()
    )
    rows = db.session.execute(
        select(Unit, func.coalesce(counts.c.employees, 0), func.coalesce(counts.c.active, 0))
        .outerjoin(counts, counts.c.unit_id == Unit.id)
        .where(Unit.instansi_id == instansi_id)
        .order_by(Unit.code)
    ).all()
    totals = db.session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(case((Employee.active.is_(True), 1), else_=0)), 0),
            func.coalesce(func.sum(case((Employee.is_admin.is_(True), 1), else_=0)), 0),
            func.coalesce(
                func.sum(
                    case((Employee.atasan_id.is_(None) & Employee.active.is_(True), 1), else_=0)
                ),
                0,
            ),
        ).where(Employee.instansi_id == instansi_id)
    ).one()
    periods = list(
        db.session.scalars(
            select(Period)
            .where(Period.instansi_id == instansi_id)
            .order_by(Period.start_date.desc())
        )
    )
    return InstansiOverview(
        units=[UnitCount(unit, n, a) for unit, n, a in rows],
        unit_total=len(rows),
        employee_total=totals[0],
        active_total=totals[1],
        admins=totals[2],
        without_supervisor=totals[3],
        periods=periods,
    )


def open_follow_ups(employee_id: int) -> list[FollowUpItem]:
    """Open follow-up items about or for this person, from any period: they carry over
    until closed."""
    return list(
        db.session.scalars(
            select(FollowUpItem)
            .join(Evaluation, Evaluation.id == FollowUpItem.evaluation_id)
            .where(
                FollowUpItem.status == "open",
                (FollowUpItem.employee_id == employee_id)
                | (FollowUpItem.responsible_id == employee_id)
                | (Evaluation.evaluator_id == employee_id),
            )
            # One statement: the item's people and period are single rows, joined.
            .options(
                joinedload(FollowUpItem.employee),
                joinedload(FollowUpItem.responsible),
                contains_eager(FollowUpItem.evaluation).joinedload(Evaluation.period),
            )
            .order_by(FollowUpItem.due_date, FollowUpItem.id)
        )
    )
