"""The monthly reports in the "Perlu tindakan" inbox.

The employee: the months that are over and whose report is not submitted (with the
deadline, and overdue once it passed), and the reports returned to them (with the
reason). The supervisor: the reports submitted by the employees whose targets they
evaluate, waiting for review. A fixed number of statements however many subordinates
(:func:`items`), and one scalar subquery for the badge (:func:`count`).
"""

from __future__ import annotations

from datetime import date

from flask import url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, case, exists, extract, func, literal, select

from portal.extensions import db
from portal.inbox.items import InboxItem
from portal.models import Employee, MonthlyReport, Period, Target
from portal.models.periods import PeriodStatus
from portal.months import ended_months, month_label, report_deadline
from portal.reports import monthly_reports
from workflows.monthly import ACCEPTED, DRAFT, RETURNED, SUBMITTED
from workflows.states import APPROVED_OR_LATER

DUE = _l("Laporan bulanan yang perlu dikirim")
RETURNED_TO_YOU = _l("Laporan bulanan dikembalikan atasan")
TO_REVIEW = _l("Laporan bulanan menunggu tinjauan")


def _owns_work(user_id, period_id) -> ColumnElement[bool]:
    """The employee has an approved (or later) target in the period: their months call
    for monthly reports."""
    return exists().where(
        Target.owner_id == user_id,
        Target.period_id == period_id,
        Target.state.in_(APPROVED_OR_LATER),
    )


def _report_url(report_or_ids, endpoint: str = "reports.monthly_report_form") -> str:
    employee_id, period_id, month = report_or_ids
    return url_for(endpoint, employee_id=employee_id, period_id=period_id, month=month)


def items(user: Employee, today: date) -> list[InboxItem]:
    """Three statements: the open periods the user has work in, their reports there, and
    the reports waiting for their review."""
    periods = list(
        db.session.scalars(
            select(Period)
            .where(
                Period.instansi_id == user.instansi_id,
                Period.status == PeriodStatus.OPEN,
                _owns_work(user.id, Period.id),
            )
            .order_by(Period.start_date)
        )
    )
    reports = {}
    if periods:
        reports = {
            (r.period_id, r.month): r
            for r in db.session.scalars(
                select(MonthlyReport).where(
                    MonthlyReport.employee_id == user.id,
                    MonthlyReport.period_id.in_([p.id for p in periods]),
                )
            )
        }
    due_section, returned_section = str(DUE), str(RETURNED_TO_YOU)
    result = []
    for period in periods:
        for month in range(1, ended_months(period, today) + 1):
            report = reports.get((period.id, month))
            label = month_label(period, month)
            url = _report_url((user.id, period.id, month))
            key = f"monthly-{period.id}-{month}"
            if report is not None and report.state == RETURNED:
                result.append(
                    InboxItem(
                        returned_section,
                        _("Laporan bulanan %(month)s", month=label),
                        period.name,
                        url,
                        _("Perbaiki dan kirim ulang"),
                        key=key,
                        note=_("Alasan: %(reason)s", reason=report.return_reason),
                    )
                )
            elif report is None or report.state == DRAFT:
                deadline = report_deadline(period, month)
                result.append(
                    InboxItem(
                        due_section,
                        _("Laporan bulanan %(month)s", month=label),
                        _("Batas pengiriman %(date)s", date=format_date(deadline, "long")),
                        url,
                        _("Isi laporan bulanan"),
                        due=deadline,
                        overdue=today > deadline,
                        key=key,
                    )
                )
    review_section = str(TO_REVIEW)
    for report in monthly_reports.waiting_for_review(user):
        label = month_label(report.period, report.month)
        result.append(
            InboxItem(
                review_section,
                _(
                    "%(name)s — %(month)s",
                    name=report.employee.display_name,
                    month=label,
                ),
                _("Dikirim %(date)s", date=format_date(report.submitted_on, "long"))
                + (" · " + _("terlambat") if report.late else ""),
                _report_url(
                    (report.employee_id, report.period_id, report.month),
                    "reports.monthly_report_review",
                ),
                _("Tinjau laporan"),
                key=f"monthly-review-{report.id}",
            )
        )
    return result


def _months_between(later_year, later_month, earlier_year, earlier_month):
    return (later_year - earlier_year) * 12 + later_month - earlier_month


def count(user: Employee, today: date) -> ColumnElement[int]:
    """How many items :func:`items` lists, as one scalar subquery for the badge."""
    start_year, start_month = (
        extract("year", Period.start_date),
        extract("month", Period.start_date),
    )
    month_count = (
        _months_between(
            extract("year", Period.end_date),
            extract("month", Period.end_date),
            start_year,
            start_month,
        )
        + 1
    )
    before_today = _months_between(
        literal(today.year), literal(today.month), start_year, start_month
    )
    ended = case(
        (Period.end_date < today, month_count),
        (before_today < 0, 0),
        else_=before_today,
    )
    handed_in = (
        select(func.count(MonthlyReport.id))
        .where(
            MonthlyReport.employee_id == user.id,
            MonthlyReport.period_id == Period.id,
            MonthlyReport.month <= ended,
            MonthlyReport.state.in_((SUBMITTED, ACCEPTED)),
        )
        .correlate(Period)
        .scalar_subquery()
    )
    due = (
        select(func.coalesce(func.sum(ended - handed_in), 0))
        .where(
            Period.instansi_id == user.instansi_id,
            Period.status == PeriodStatus.OPEN,
            _owns_work(user.id, Period.id),
        )
        .scalar_subquery()
    )
    waiting = (
        select(func.count(MonthlyReport.id))
        .join(Period, Period.id == MonthlyReport.period_id)
        .where(*monthly_reports.waiting_for(user.id))
        .scalar_subquery()
    )
    return due + waiting
