"""What the periodic screens read: one employee's sub-period (:class:`Context`), the
evaluator's team per sub-period, the employee's own results, and the finished results
the annual evaluation shows (:func:`annual_results`, one statement)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import aliased, joinedload

from portal import clock, scoring, subperiods
from portal.extensions import db
from portal.models import (
    Employee,
    Evidence,
    Period,
    PeriodicEvaluation,
    PeriodicTarget,
    Plan,
    Target,
    WorkEntry,
)
from portal.models.periodic import FINISHED
from portal.models.plans import target_card_options
from portal.periodic.scores import TargetFigure, target_figure
from portal.realisation import realisations
from workflows.states import APPROVED_OR_LATER


def due_days() -> int:
    return current_app.config.get("PORTAL_PERIODIC_DUE_DAYS", subperiods.DUE_DAYS)


@dataclass
class Context:
    plan: Plan
    sub_period: int
    evaluation: PeriodicEvaluation | None
    figures: list[TargetFigure]

    @property
    def period(self) -> Period:
        return self.plan.period

    @property
    def label(self) -> str:
        return subperiods.label(self.period, self.sub_period)

    @property
    def last_month(self) -> int:
        return subperiods.last_month(self.period, self.sub_period)

    @property
    def end(self) -> date:
        return subperiods.end(self.period, self.sub_period)

    @property
    def due(self) -> date:
        return subperiods.due_date(self.period, self.sub_period, due_days())

    def open_for_evaluation(self, today: date) -> bool:
        """The sub-period has ended and its evaluation is not finished."""
        finished = self.evaluation is not None and self.evaluation.is_finished
        return not finished and subperiods.has_ended(self.period, self.sub_period, today)

    def overdue(self, today: date) -> bool:
        finished = self.evaluation is not None and self.evaluation.is_finished
        return not finished and subperiods.is_overdue(
            self.period, self.sub_period, today, due_days()
        )

    @property
    def finished_late(self) -> bool:
        """Finished after its due date (shown in its history)."""
        finished = self.evaluation.finished_at if self.evaluation is not None else None
        return finished is not None and clock.local_date(finished) > self.due

    @property
    def evaluator_ids(self) -> set[int]:
        return {f.target.evaluator_id for f in self.figures if f.target.evaluator_id}


def approved_targets(plan: Plan) -> list[Target]:
    return list(
        db.session.scalars(
            select(Target)
            .where(Target.plan_id == plan.id, Target.state.in_(APPROVED_OR_LATER))
            .options(*target_card_options())
            .order_by(Target.position, Target.id)
        )
    )


def evidence_counts(target_ids: list[int], last_month: int) -> dict[int, int]:
    """Evidence files of the accepted entries up to ``last_month``, per target."""
    if not target_ids:
        return {}
    rows = db.session.execute(
        select(WorkEntry.target_id, func.count(Evidence.id))
        .join(Evidence, Evidence.entry_id == WorkEntry.id)
        .where(
            WorkEntry.target_id.in_(target_ids),
            WorkEntry.status == "accepted",
            WorkEntry.month <= last_month,
        )
        .group_by(WorkEntry.target_id)
    )
    return dict(rows.all())


def find(plan: Plan, sub_period: int) -> PeriodicEvaluation | None:
    return db.session.scalar(
        select(PeriodicEvaluation)
        .where(
            PeriodicEvaluation.employee_id == plan.employee_id,
            PeriodicEvaluation.period_id == plan.period_id,
            PeriodicEvaluation.sub_period == sub_period,
        )
        .options(joinedload(PeriodicEvaluation.targets).joinedload(PeriodicTarget.target))
    )


def context(plan: Plan, sub_period: int) -> Context:
    period = plan.period
    last = subperiods.last_month(period, sub_period)
    targets = approved_targets(plan)
    figures = realisations(targets)
    counts = evidence_counts([t.id for t in targets], last)
    rows = [
        target_figure(t, figures[t.id], last, period.scheme, counts.get(t.id, 0)) for t in targets
    ]
    return Context(plan, sub_period, find(plan, sub_period), rows)


def saved_inputs(ctx: Context) -> dict:
    """The saved evaluation's inputs, by the names the form posts them under."""
    evaluation = ctx.evaluation
    if evaluation is None:
        return {}
    data = {
        "version": evaluation.version,
        "rating_hasil_kerja": evaluation.rating_hasil_kerja or "",
        "rating_perilaku": evaluation.rating_perilaku or "",
        "departure_reason": evaluation.departure_reason,
    }
    for index, value in enumerate(scoring.BERAKHLAK):
        saved = evaluation.behaviour.get(value) or {}
        data[f"rating_{index}"] = saved.get("rating", "")
        data[f"behaviour_{index}"] = saved.get("feedback", "")
    for row in evaluation.targets:
        data[f"feedback_{row.target_id}"] = row.feedback
    return data


# -- the evaluator's team --------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    sub_period: int
    label: str
    evaluation: PeriodicEvaluation | None
    ended: bool
    overdue: bool

    @property
    def status(self) -> str:
        """``pending`` (ended, not finished), ``draft``, ``final``, ``acknowledged`` or
        ``later`` (not ended yet)."""
        if self.evaluation is not None:
            return self.evaluation.status.value
        return "pending" if self.ended else "later"


@dataclass(frozen=True)
class TeamRow:
    employee: Employee
    cells: list[Cell]


def evaluated_employees(evaluator_id: int, period: Period) -> list[Employee]:
    """The employees whose approved targets in ``period`` ``evaluator_id`` evaluates."""
    owners = (
        select(Target.owner_id)
        .where(
            Target.evaluator_id == evaluator_id,
            Target.period_id == period.id,
            Target.state.in_(APPROVED_OR_LATER),
        )
        .distinct()
    )
    return list(
        db.session.scalars(
            select(Employee).where(Employee.id.in_(owners)).order_by(Employee.name, Employee.id)
        )
    )


def team(evaluator: Employee, period: Period, today: date) -> list[TeamRow]:
    """One row per evaluated employee, one cell per sub-period: two statements."""
    people = evaluated_employees(evaluator.id, period)
    ids = [p.id for p in people]
    found = (
        {
            (e.employee_id, e.sub_period): e
            for e in db.session.scalars(
                select(PeriodicEvaluation).where(
                    PeriodicEvaluation.period_id == period.id,
                    PeriodicEvaluation.employee_id.in_(ids),
                )
            )
        }
        if ids
        else {}
    )
    days = due_days()
    rows = []
    for person in people:
        cells = []
        for n in range(1, subperiods.count(period) + 1):
            evaluation = found.get((person.id, n))
            finished = evaluation is not None and evaluation.is_finished
            cells.append(
                Cell(
                    n,
                    subperiods.label(period, n),
                    evaluation,
                    subperiods.has_ended(period, n, today),
                    not finished and subperiods.is_overdue(period, n, today, days),
                )
            )
        rows.append(TeamRow(person, cells))
    return rows


# -- the employee's own results, and the annual screen ------------------------------------------


def finished_results(employee_id: int, period_id: int) -> list[PeriodicEvaluation]:
    """The employee's finished periodic evaluations in the period, in order, with their
    targets: one statement."""
    return list(
        db.session.scalars(
            select(PeriodicEvaluation)
            .where(
                PeriodicEvaluation.employee_id == employee_id,
                PeriodicEvaluation.period_id == period_id,
                PeriodicEvaluation.status.in_(FINISHED),
            )
            .options(
                joinedload(PeriodicEvaluation.targets).joinedload(PeriodicTarget.target),
                joinedload(PeriodicEvaluation.evaluator),
            )
            .order_by(PeriodicEvaluation.sub_period)
        ).unique()
    )


def annual_results(plan: Plan) -> list[PeriodicEvaluation]:
    """What the annual evaluation screen shows and its suggestion weighs (see
    ``scoring.explain_with_periodic``): every finished periodic result of the plan."""
    return finished_results(plan.employee_id, plan.period_id)


@dataclass(frozen=True)
class LateRow:
    employee: Employee
    evaluator: Employee | None
    sub_period: int
    label: str
    due: date


def late(period: Period, today: date) -> list[LateRow]:
    """The instansi's periodic evaluations past their due date and not finished, for the
    admin: two statements."""
    days = due_days()
    overdue = [
        n for n in subperiods.ended(period, today) if subperiods.is_overdue(period, n, today, days)
    ]
    if not overdue:
        return []
    evaluator = aliased(Employee)
    pairs = db.session.execute(
        select(Employee, evaluator)
        .join(Target, Target.owner_id == Employee.id)
        .outerjoin(evaluator, evaluator.id == Target.evaluator_id)
        .where(Target.period_id == period.id, Target.state.in_(APPROVED_OR_LATER))
        .distinct()
        .order_by(Employee.name, Employee.id)
    ).all()
    finished = set(
        db.session.execute(
            select(PeriodicEvaluation.employee_id, PeriodicEvaluation.sub_period).where(
                PeriodicEvaluation.period_id == period.id,
                PeriodicEvaluation.status.in_(FINISHED),
            )
        ).all()
    )
    seen: set[tuple[int, int]] = set()
    rows = []
    for n in overdue:
        for person, by in pairs:
            if (person.id, n) in finished or (person.id, n) in seen:
                continue
            seen.add((person.id, n))
            rows.append(
                LateRow(
                    person, by, n, subperiods.label(period, n), subperiods.due_date(period, n, days)
                )
            )
    return rows
