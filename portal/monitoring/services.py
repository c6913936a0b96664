"""The monitoring pages' view models, built from :mod:`portal.monitoring.queries`.

No Flask request here: the routes parse and authorise, these assemble what is shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

from portal import scoring
from portal.models import Employee, Period, Scheme, Unit
from portal.monitoring import queries
from portal.monitoring.queries import Backlog, Figures, LateReport, PlanGap, Scope
from workflows.targets import STATE_LABELS, STATES

# The dashboard is an overview: its lists show the first few, the export has them all.
DASHBOARD_LIST = 10


def predikat_names(period: Period) -> tuple[str, ...]:
    return scoring.PREDIKAT_PP46 if period.scheme == Scheme.PP46 else scoring.PREDIKAT_2022


def distribution_warnings(period: Period, rating: str | None, predikats) -> list[str]:
    """The 6/2022 distribution check for a unit's predikat counts (scheme B only)."""
    if period.scheme != Scheme.PERMENPANRB_6_2022 or not rating:
        return []
    given = [p for p in scoring.PREDIKAT_2022 for _ in range(predikats.get(p, 0))]
    return scoring.distribution_warnings(rating, given)


@dataclass
class StateBar:
    """One segment of the stacked bar of target states (SVG units out of 100)."""

    state: str
    label: str
    count: int
    x: float
    width: float


def state_bar(figures: Figures) -> list[StateBar]:
    total = figures.targets
    bars, x = [], 0.0
    for state in STATES:
        count = figures.states.get(state, 0)
        width = 100 * count / total if total else 0.0
        bars.append(StateBar(state, STATE_LABELS[state], count, round(x, 3), round(width, 3)))
        x += width
    return bars


@dataclass
class Row:
    unit: Unit
    sub_units: int
    figures: Figures
    organisation_rating: str | None = None
    warnings: list[str] = field(default_factory=list)

    @cached_property
    def bar(self) -> list[StateBar]:
        return state_bar(self.figures)


@dataclass
class StaffRow:
    employee: Employee
    figures: Figures

    @cached_property
    def bar(self) -> list[StateBar]:
        return state_bar(self.figures)


@dataclass
class Dashboard:
    scope: Scope
    periods: list[Period]
    trail: list[Unit]
    rows: list[Row]
    total: Figures
    direct: Row | None
    staff: list[StaffRow]
    staff_total: int
    without_plan: list[PlanGap]
    late: list[LateReport]
    backlog: list[Backlog]
    backlog_total: int
    predikats: tuple[str, ...]

    @property
    def period(self) -> Period:
        return self.scope.period

    @property
    def unit(self) -> Unit | None:
        return self.scope.unit

    @cached_property
    def total_bar(self) -> list[StateBar]:
        return state_bar(self.total)

    @property
    def shows_organisation_rating(self) -> bool:
        """PermenPANRB 6/2022 rates each unit (the organisation's predikat); PP 46 does not."""
        return self.period.scheme == Scheme.PERMENPANRB_6_2022


def dashboard(scope: Scope, periods: list[Period]) -> Dashboard:
    """Everything on one level of the dashboard (the instansi, or one unit)."""
    period, unit = scope.period, scope.unit
    listed = queries.listed_units(scope)
    group = queries.members(scope)
    per_bucket = queries.figures(group, period, scope.today)
    queues = queries.pending_queues(group, period.id)
    queries.add_pending(per_bucket, queues)
    rated = [r.unit.id for r in listed] + ([unit.id] if unit else [])
    ratings = queries.organisation_ratings(rated, period.id)
    rows = []
    for item in listed:
        f = per_bucket.get(item.unit.id, Figures())
        rating = ratings.get(item.unit.id)
        rows.append(
            Row(
                item.unit,
                item.sub_units,
                f,
                rating,
                distribution_warnings(period, rating, f.predikats),
            )
        )
    total = Figures()
    for row in rows:
        total.add(row.figures)
    direct = None
    staff: list[StaffRow] = []
    staff_total = 0
    if unit is not None:
        own = per_bucket.get(unit.id, Figures())
        total.add(own)
        rating = ratings.get(unit.id)
        direct = Row(unit, len(listed), own, rating)
        direct.warnings = distribution_warnings(period, rating, total.predikats)
        people, staff_total = queries.direct_staff(unit)
        if people:
            each_group = queries.employee_members([p.id for p in people])
            each = queries.figures(each_group, period, scope.today)
            queries.add_pending(each, queries.pending_queues(each_group, period.id))
            staff = [StaffRow(p, each.get(p.id, Figures())) for p in people]
    backlog, backlog_total = queries.verification_backlog(queues, DASHBOARD_LIST)
    return Dashboard(
        scope=scope,
        periods=periods,
        trail=queries.ancestors(unit) if unit else [],
        rows=rows,
        total=total,
        direct=direct,
        staff=staff,
        staff_total=staff_total,
        without_plan=(
            queries.without_plan(group, period.id, DASHBOARD_LIST) if total.without_plan else []
        ),
        late=(
            queries.late_reports(group, period, scope.today, DASHBOARD_LIST)
            if total.late_employees
            else []
        ),
        backlog=backlog,
        backlog_total=backlog_total,
        predikats=predikat_names(period),
    )


@dataclass
class Progress:
    period: Period
    today: date
    figures: Figures
    without_plan: list[PlanGap]
    late: list[LateReport]
    objections: list
    objection_total: int

    @property
    def planning_overdue(self) -> bool:
        return self.today > self.period.planning_deadline

    @property
    def evaluation_overdue(self) -> bool:
        deadline = self.period.evaluation_deadline
        return deadline is not None and self.today > deadline


def progress(period: Period, today: date) -> Progress:
    """The period's progress over the whole instansi."""
    group = queries.instansi_members(period.instansi_id)
    figures = queries.figures(group, period, today).get(period.instansi_id, Figures())
    objections, objection_total = queries.open_objections(period.instansi_id, period.id)
    return Progress(
        period=period,
        today=today,
        figures=figures,
        without_plan=queries.without_plan(group, period.id) if figures.without_plan else [],
        late=queries.late_reports(group, period, today) if figures.late_employees else [],
        objections=objections,
        objection_total=objection_total,
    )
