"""Read models of the reassignment screens: a fixed number of statements each."""

from __future__ import annotations

from dataclasses import dataclass

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


def _like(query: str) -> str:
    """What was typed, matched as typed: % and _ are not wildcards."""
    typed = query.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{typed}%"


def _matching(query: str):
    conditions = [func.lower(Employee.name).like(_like(query), escape="\\")]
    digits = normalise(query)
    if digits.isdigit():
        conditions.append(Employee.nip.like(f"{digits}%"))
    return or_(*conditions)


def supervisors(instansi_id: int, query: str, page: int) -> tuple[list[SupervisorRow], int, int]:
    """Everyone who supervises someone or holds in-flight work, with their counts, one page:
    (rows, total, page). Inactive people still holding work come first: their work is
    stuck until it is handed over."""
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
    stmt = (
        select(
            Employee,
            func.coalesce(team.c.n, zero),
            func.coalesce(targets.c.in_flight, zero),
            func.coalesce(targets.c.to_approve, zero),
            func.coalesce(targets.c.to_evaluate, zero),
            func.coalesce(entries.c.n, zero),
            func.coalesce(drafts.c.n, zero),
        )
        .outerjoin(team, team.c.eid == Employee.id)
        .outerjoin(targets, targets.c.eid == Employee.id)
        .outerjoin(entries, entries.c.eid == Employee.id)
        .outerjoin(drafts, drafts.c.eid == Employee.id)
        .where(
            Employee.instansi_id == instansi_id,
            or_(
                team.c.eid.is_not(None),
                targets.c.eid.is_not(None),
                entries.c.eid.is_not(None),
                drafts.c.eid.is_not(None),
            ),
        )
    )
    if query:
        stmt = stmt.where(_matching(query))
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    page = min(max(page, 1), pages)
    rows = db.session.execute(
        stmt.options(selectinload(Employee.unit))
        .order_by(Employee.active, Employee.name, Employee.id)
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    ).all()
    return [SupervisorRow(e, *(int(n) for n in counts)) for e, *counts in rows], total, page


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
