"""The monthly report (laporan bulanan): the employee's list of months and report form,
and the supervisor's review screen and queue.

A refused form comes back re-rendered with its errors (422); a lost race (the report
moved on, or the month's entries changed under the review) comes back as the fresh
screen with the reason (409).
"""

from __future__ import annotations

from flask import abort, flash, g, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from portal import policy
from portal.errors import Conflict, InvalidInput
from portal.extensions import db
from portal.models import Employee, Period
from portal.policy import Action, MonthRef
from portal.reports import bp, monthly_reports
from portal.reports.monthly_forms import MonthlyReportForm, ReviewForm
from portal.routing import current_period_required
from portal.web import current_employee, render
from workflows.monthly import TRIGGER_DONE


def _month_ref(employee_id: int, period_id: int, month: int, action: Action) -> MonthRef:
    employee = db.session.get(Employee, employee_id)
    period = db.session.get(Period, period_id)
    if employee is None or period is None or employee.instansi_id != period.instansi_id:
        abort(404)
    if not 1 <= month <= period.month_count:
        abort(404)
    ref = monthly_reports.month_ref(employee, period, month)
    policy.authorize(current_employee(), action, ref)
    return ref


def _report_url(ref: MonthRef, endpoint: str = "reports.monthly_report_form") -> str:
    return url_for(endpoint, employee_id=ref.employee.id, period_id=ref.period.id, month=ref.month)


@bp.route("/laporan-bulanan")
@login_required
@current_period_required
def monthly_reports_list():
    me = current_employee()
    return render(
        "reports/monthly_list.html",
        period=g.period,
        months=monthly_reports.months_of(me, g.period),
    )


def _words_form(view) -> MonthlyReportForm:
    rows = [
        {
            "target_id": row.target.id,
            "capaian": row.words.capaian if row.words else "",
            "kendala": row.words.kendala if row.words else "",
            "rencana": row.words.rencana if row.words else "",
        }
        for row in view.rows
    ]
    return MonthlyReportForm(formdata=None, data={"version": view.version, "targets": rows})


def _render_report(ref: MonthRef, form=None, *, status: int = 200, message=None):
    view = monthly_reports.report_view(ref, current_employee())
    if form is None or status == 409:
        form = _words_form(view) if view.may_write else None
    return render(
        "reports/monthly_form.html",
        view=view,
        form=form,
        message=message,
        status=status,
    )


@bp.route(
    "/pegawai/<int:employee_id>/laporan-bulanan/<int:period_id>/<int:month>",
    methods=["GET", "POST"],
)
@login_required
def monthly_report_form(employee_id: int, period_id: int, month: int):
    ref = _month_ref(employee_id, period_id, month, Action.VIEW_MONTHLY_REPORT)
    if request.method != "POST":
        return _render_report(ref)
    me = current_employee()
    policy.authorize(me, Action.WRITE_MONTHLY_REPORT, ref)
    form = MonthlyReportForm()
    if not form.validate():
        return _render_report(ref, form, status=422)
    try:
        report = monthly_reports.save(
            ref, me, form.words(), form.version.data, submit=form.submitting
        )
    except InvalidInput as exc:
        db.session.rollback()
        _add_errors(form, exc)
        return _render_report(ref, form, status=422, message=exc.message)
    except Conflict as exc:
        db.session.rollback()
        return _render_report(_fresh(ref), status=409, message=exc.message)
    db.session.commit()
    if form.submitting:
        message = TRIGGER_DONE["submit"]
        if report.late:
            message += " " + _("Laporan ini dikirim setelah batas waktu dan ditandai terlambat.")
        flash(message, "success")
    else:
        flash(_("Draf laporan bulanan tersimpan."), "success")
    return redirect(_report_url(ref), code=303)


def _review_form(view) -> ReviewForm:
    rows = [
        {
            "target_id": row.target.id,
            "rating": row.rating.rating if row.rating else None,
            "note": row.rating.note if row.rating else "",
        }
        for row in view.rows
        if row.rateable_by_viewer
    ]
    return ReviewForm(
        formdata=None,
        data={"version": view.version, "fingerprint": view.fingerprint, "targets": rows},
    )


def _render_review(ref: MonthRef, form=None, *, status: int = 200, message=None):
    view = monthly_reports.report_view(ref, current_employee())
    if form is None or status == 409:
        form = _review_form(view)
    return render(
        "reports/monthly_review.html",
        view=view,
        form=form,
        rateable=[row for row in view.rows if row.rateable_by_viewer],
        message=message,
        status=status,
    )


@bp.route(
    "/pegawai/<int:employee_id>/laporan-bulanan/<int:period_id>/<int:month>/review",
    methods=["GET", "POST"],
)
@login_required
def monthly_report_review(employee_id: int, period_id: int, month: int):
    ref = _month_ref(employee_id, period_id, month, Action.REVIEW_MONTHLY_REPORT)
    if request.method != "POST":
        return _render_review(ref)
    me = current_employee()
    form = ReviewForm()
    if not form.validate():
        return _render_review(ref, form, status=422)
    try:
        monthly_reports.review(
            ref,
            me,
            form.reviews(),
            accept=form.accept,
            reason=form.reason.data or "",
            version=form.version.data,
            fingerprint=form.fingerprint.data,
        )
    except InvalidInput as exc:
        db.session.rollback()
        _add_errors(form, exc)
        return _render_review(ref, form, status=422, message=exc.message)
    except Conflict as exc:
        db.session.rollback()
        return _render_review(_fresh(ref), status=409, message=exc.message)
    db.session.commit()
    flash(TRIGGER_DONE["accept" if form.accept else "return_report"], "success")
    return redirect(url_for("reports.monthly_review_queue"), code=303)


@bp.route("/tim/laporan-bulanan")
@login_required
def monthly_review_queue():
    me = current_employee()
    return render("reports/monthly_queue.html", items=monthly_reports.waiting_for_review(me))


def _fresh(ref: MonthRef) -> MonthRef:
    db.session.expire_all()
    return monthly_reports.month_ref(
        db.session.get(Employee, ref.employee.id), db.session.get(Period, ref.period.id), ref.month
    )


def _add_errors(form, exc: InvalidInput) -> None:
    """Put the service's refusals beside their fields (a row's by its id)."""
    fields = {sub.id: sub for entry in form.targets.entries for sub in entry.form}
    fields.update(form._fields)
    for name, message in exc.errors.items():
        field = fields.get(name)
        if field is not None:
            field.errors = [*field.errors, message]
