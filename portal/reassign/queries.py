"""Read models of the reassignment screens: a fixed number of statements each."""

from __future__ import annotations

from dataclasses import dataclass

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import selectinload

from portal.extensions import db
from portal.models import (
    Employee,
    Evaluation,
    EvaluationStatus,
    Period,
    Target,
    WorkEntry,
)
from portal.models.periods import PeriodStatus
from portal.nip import normalise
from portal.pagination import paginate
from portal.reassign.work import IN_FLIGHT
from workflows.targets import DISCUSSED, REPORTED

PAGE_SIZE = 25
PICKER_LIMIT = 8


@dataclass
class SupervisorRow:
    """A supervisor with the work that would move if they left."""

    employee: Employee
    subordinates: int
    in_flight: int
    to_approve: int
    to_evaluate: int
    to_verify: int
    evaluations: int

    @property
    def pending(self) -> int:
        return self.in_flight + self.to_verify + self.evaluations


def _matching(query: str):
    """A name containing what was typed, as typed (``%`` and ``_`` are no wildcards), or
    a NIP starting with its digits."""
    conditions = [Employee.name.icontains(query, autoescape=True)]
    digits = normalise(query)
    if digits.isdigit():
        conditions.append(Employee.nip.startswith(digits))
    return or_(*conditions)


def supervisors(instansi_id: int, query: str, page: int | None) -> Pagination:
    """Everyone who supervises someone or holds in-flight work, one page of
    :class:`SupervisorRow` with their counts (three statements). Inactive people still
    holding work come first: their work is stuck until it is handed over."""
    open_period = Period.status == PeriodStatus.OPEN
    targets = (
        select(
            Target.evaluator_id.label("eid"),
            func.count().label("in_flight"),
            func.sum(case((Target.state == DISCUSSED, 1), else_=0)).label("to_approve"),
            func.sum(case((Target.state == REPORTED, 1), else_=0)).label("to_evaluate"),
        )
        .join(Period, Period.id == Target.period_id)
        .where(Target.instansi_id == instansi_id, Target.state.in_(IN_FLIGHT), open_period)
        .group_by(Target.evaluator_id)
        .subquery()
    )
    entries = (
        select(Target.evaluator_id.label("eid"), func.count().label("n"))
        .select_from(WorkEntry)
        .join(Target, Target.id == WorkEntry.target_id)
        .join(Period, Period.id == Target.period_id)
        .where(
            WorkEntry.instansi_id == instansi_id,
            WorkEntry.is_pending(),
            Target.state.in_(IN_FLIGHT),
            open_period,
        )
        .group_by(Target.evaluator_id)
        .subquery()
    )
    drafts = (
        select(Evaluation.evaluator_id.label("eid"), func.count().label("n"))
        .join(Period, Period.id == Evaluation.period_id)
        .where(
            Evaluation.instansi_id == instansi_id,
            Evaluation.status == EvaluationStatus.DRAFT,
            open_period,
        )
        .group_by(Evaluation.evaluator_id)
        .subquery()
    )
    team = (
        select(Employee.atasan_id.label("eid"), func.count().label("n"))
        .where(Employee.instansi_id == instansi_id, Employee.active.is_(True))
        .group_by(Employee.atasan_id)
        .subquery()
    )
    zero = 0
    counts = (
        func.coalesce(team.c.n, zero),
        func.coalesce(targets.c.in_flight, zero),
        func.coalesce(targets.c.to_approve, zero),
        func.coalesce(targets.c.to_evaluate, zero),
        func.coalesce(entries.c.n, zero),
        func.coalesce(drafts.c.n, zero),
    )

    def with_work(*columns):
        return (
            select(*columns)
            .outerjoin(team, team.c.eid == Employee.id)
            .outerjoin(targets, targets.c.eid == Employee.id)
            .outerjoin(entries, entries.c.eid == Employee.id)
            .outerjoin(drafts, drafts.c.eid == Employee.id)
            .where(Employee.instansi_id == instansi_id)
        )

    stmt = with_work(Employee).where(
        or_(
            team.c.eid.is_not(None),
            targets.c.eid.is_not(None),
            entries.c.eid.is_not(None),
            drafts.c.eid.is_not(None),
        )
    )
    if query:
        stmt = stmt.where(_matching(query))
    pager = paginate(
        stmt.options(selectinload(Employee.unit)).order_by(
            Employee.active, Employee.name, Employee.id
        ),
        page,
        PAGE_SIZE,
    )
    shown = {e.id: e for e in pager.items}
    figures = {
        employee_id: [int(n) for n in numbers]
        for employee_id, *numbers in db.session.execute(
            with_work(Employee.id, *counts).where(Employee.id.in_(shown))
        )
    }
    pager.items = [SupervisorRow(e, *figures[e.id]) for e in pager.items]
    return pager


def candidates(instansi_id: int, query: str, exclude: set[int]) -> list[Employee]:
    """Active employees of the instansi matching a NIP or a name, for the person picker."""
    query = query.strip()[:100]
    if len(query) < 2:
        return []
    stmt = (
        select(Employee)
        .where(Employee.instansi_id == instansi_id, Employee.active.is_(True), _matching(query))
        .options(selectinload(Employee.unit))
        .order_by(Employee.name, Employee.id)
        .limit(PICKER_LIMIT)
    )
    if exclude:
        stmt = stmt.where(Employee.id.not_in(exclude))
    return list(db.session.scalars(stmt))
