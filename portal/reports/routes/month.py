"""The monthly views: an employee's month (calendar, figures, charts and the quality
ratings the monthly report's review gave), and the supervisor's team progress."""

from __future__ import annotations

from flask import abort, g, redirect, request, url_for
from flask_login import login_required

from portal import clock, policy
from portal.extensions import db
from portal.models import Employee, Period
from portal.months import month_label, month_of
from portal.policy import Action, PlanRef
from portal.reports import bp, monthly, monthly_reports, queries
from portal.routing import current_period_required
from portal.web import current_employee, render, whole_number


def _period_month(period: Period) -> int:
    month = whole_number(request.args.get("bulan"))
    if month is not None and 1 <= month <= period.month_count:
        return month
    return month_of(period, clock.today())


@bp.route("/laporan/bulan")
@login_required
@current_period_required
def my_month():
    return redirect(
        url_for(
            "reports.monthly_report",
            employee_id=current_employee().id,
            period_id=g.period.id,
            bulan=_period_month(g.period),
        )
    )


@bp.route("/laporan/pegawai/<int:employee_id>/periode/<int:period_id>")
@login_required
def monthly_report(employee_id: int, period_id: int):
    me = current_employee()
    period = db.session.get(Period, period_id)
    employee = db.session.get(Employee, employee_id)
    if period is None or employee is None or employee.instansi_id != period.instansi_id:
        abort(404)
    policy.authorize(me, Action.VIEW_PLAN, PlanRef(employee, period))
    report = monthly.monthly_report(employee, period, _period_month(period), me)
    return render("reports/monthly.html", report=report)


@bp.route("/tim")
@login_required
@current_period_required
def team():
    period = g.period
    month = _period_month(period)
    rows = queries.team_progress(current_employee().id, period, month)
    return render(
        "reports/team.html",
        period=period,
        month=month,
        rows=rows,
        reports=monthly_reports.month_statuses([r.employee for r in rows], period, month),
        label=month_label(period, month),
    )
