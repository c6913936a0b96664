"""The monthly views: an employee's monthly report with the evaluator's quality
rating of each month, and the supervisor's team progress."""

from __future__ import annotations

from flask import abort, flash, g, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from portal import clock, policy
from portal.errors import InvalidInput
from portal.extensions import db
from portal.forms import validate_or_raise
from portal.models import Employee, Period, Target
from portal.months import month_label, month_of
from portal.policy import Action, PlanRef
from portal.reports import bp, monthly, queries, verification
from portal.reports.forms import QualityForm
from portal.routing import current_period_required, load_or_404
from portal.web import current_employee, is_fragment_request, render, whole_number


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


@bp.route("/target/<int:target_id>/kualitas/<int:month>", methods=["POST"])
@login_required
def rate_month(target_id: int, month: int):
    me = current_employee()
    target = load_or_404(Target, target_id, Action.VIEW_TARGET)
    if not 1 <= month <= target.period.month_count:
        abort(404)  # no such month: there is no fragment to answer with either
    report = url_for(
        "reports.monthly_report",
        employee_id=target.owner_id,
        period_id=target.period_id,
        bulan=month,
    )
    form = QualityForm()
    try:
        verification.ensure_rateable(target, month, me)
        validate_or_raise(form)
        verification.rate_month(target, month, me, form.quality_rating())
    except InvalidInput as exc:
        db.session.rollback()
        if not is_fragment_request():  # a bare fragment is no page to land on
            flash(exc.message, "error")
            return redirect(report, code=303)
        errors = exc.errors or {"rating": exc.message}
        return _rating_fragment(target_id, month, form=form, errors=errors, status=422)
    db.session.commit()
    if not is_fragment_request():
        flash(_("Nilai kualitas bulanan tersimpan."), "success")
        return redirect(report, code=303)
    return _rating_fragment(target_id, month, saved=True)


def _rating_fragment(
    target_id: int, month: int, *, form=None, errors=None, saved=False, status=200
):
    return render(
        "reports/_rating.html",
        partial="reports/_rating.html",
        status=status,
        r=monthly.month_rating(target_id, month, current_employee()),
        form=form,
        errors=errors or {},
        saved=saved,
    )


@bp.route("/tim")
@login_required
@current_period_required
def team():
    period = g.period
    month = _period_month(period)
    return render(
        "reports/team.html",
        period=period,
        month=month,
        rows=queries.team_progress(current_employee().id, period, month),
        label=month_label(period, month),
    )
