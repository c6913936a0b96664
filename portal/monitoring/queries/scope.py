"""Whom the monitoring counts and where: the scope (instansi or a unit subtree), the
members selectable each aggregate takes, the units listed, and the periods to choose."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import (
    func,
    literal,
    or_,
    select,
)
from sqlalchemy.orm import aliased

from portal.extensions import db
from portal.models import (
    Employee,
    Period,
    Unit,
)

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
