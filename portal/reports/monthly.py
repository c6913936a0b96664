"""An employee's month as its page shows it: per target the month's figures, the
cumulative chart and the quality rating (given in the monthly report's review, see
``monthly_reports``).

A read model like ``queries``, built on its calendar and late-month queries.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from portal import clock
from portal.models import Employee, Period, Target
from portal.months import elapsed_months, month_label, month_start, report_deadline
from portal.realisation import MonthFigures, Realisation, realisations
from portal.reports import charts
from portal.reports.queries import CalendarDay, late_months, month_calendar, targets_for_report


@dataclass
class ReportTarget:
    target: Target
    realisation: Realisation
    month: MonthFigures
    chart: charts.Chart


@dataclass
class MonthlyReport:
    """The monthly report (laporan bulanan) of one employee in one period."""

    employee: Employee
    period: Period
    month: int
    labels: list[str]
    deadline: date
    weeks: list[list[CalendarDay]]
    late: list[int]
    targets: list[ReportTarget]
    is_owner: bool


def monthly_report(
    employee: Employee, period: Period, month: int, viewer: Employee
) -> MonthlyReport:
    today = clock.today()
    targets = targets_for_report(employee.id, period.id)
    figures = realisations(targets)
    labels = [month_label(period, m) for m in range(1, period.month_count + 1)]
    elapsed = elapsed_months(period, today)
    start = month_start(period, month)
    return MonthlyReport(
        employee=employee,
        period=period,
        month=month,
        labels=labels,
        deadline=report_deadline(period, month),
        weeks=month_calendar(employee.id, start.year, start.month),
        late=late_months(employee.id, period, targets, today),
        targets=[
            ReportTarget(
                t,
                figures[t.id],
                figures[t.id].months[month - 1],
                charts.cumulative_chart(figures[t.id].cumulative(), labels, elapsed),
            )
            for t in targets
        ],
        is_owner=employee.id == viewer.id,
    )
