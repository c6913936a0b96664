"""The monthly report (laporan bulanan) of an employee: its draft built from the month's
entries, the employee's words per target, submission, and the supervisor's review.

The figures per target (quantity accepted and pending, minutes, evidence files) are
computed from the month's daily entries each time, in one statement that also gives a
*fingerprint* of those entries: the review form carries it, and a review posted after an
entry of the month was created, edited, verified or deleted ends with a 409 instead of
judging figures that are no longer true. The workflow itself (states, roles, guards,
compare-and-swap, history, audit) is :mod:`workflows.monthly`; the quality rating and
feedback per target are written by ``verification.rate_month``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, exists, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager

from portal import audit, clock, policy
from portal.concurrency import compare_and_swap
from portal.errors import Conflict, InvalidInput
from portal.extensions import db
from portal.models import (
    Employee,
    EntryStatus,
    Evidence,
    MonthlyQuality,
    MonthlyReport,
    MonthlyReportTarget,
    Period,
    Target,
    WorkEntry,
)
from portal.models.periods import PeriodStatus
from portal.models.types import utcnow
from portal.months import ended_months, month_end, month_label, report_deadline
from portal.policy import Action, MonthRef
from portal.reports import month_lock, queries, verification
from portal.reports.verification import QualityRating
from workflows import monthly as workflow
from workflows.monthly import DRAFT, RETURNED, SUBMITTED
from workflows.states import APPROVED, REPORTED

ENTRIES_CHANGED = _l(
    "Laporan harian bulan ini berubah setelah Anda membuka halaman ini (ada laporan baru, "
    "diubah atau diverifikasi). Angka sudah diperbarui; periksa lalu ulangi."
)
NOT_EDITABLE = _l("Laporan bulanan berstatus “%(state)s” tidak dapat diubah lagi.")
CHANGED_ELSEWHERE = _l(
    "Laporan bulanan ini baru saja disimpan atau dikirim dari tempat lain. Muat ulang halaman."
)
RATING_REQUIRED = _l("Beri nilai kualitas (0–100) untuk setiap target sebelum menerima laporan.")
UNKNOWN_TARGET = _l("Formulir memuat target yang bukan bagian laporan ini. Muat ulang halaman.")
EDITABLE = (DRAFT, RETURNED)


@dataclass
class TargetFigures:
    """A target's month from its daily entries."""

    accepted: int = 0  # quantity accepted by the supervisor
    pending: int = 0  # quantity waiting for verification
    entries: int = 0  # entries not rejected
    minutes: int = 0
    evidence: int = 0  # evidence files of those entries


@dataclass(frozen=True)
class TargetWords:
    """The employee's words on one target, checked by ``MonthlyReportForm``."""

    target_id: int
    capaian: str
    kendala: str
    rencana: str


@dataclass(frozen=True)
class TargetReview:
    """The supervisor's rating of one target, checked by ``ReviewForm`` (``rating`` None
    when left empty)."""

    target_id: int
    rating: int | None
    note: str


@dataclass
class ReportRow:
    target: Target
    planned: int
    figures: TargetFigures
    words: MonthlyReportTarget | None
    rating: MonthlyQuality | None
    rateable_by_viewer: bool


@dataclass
class MonthStatus:
    """A month of the employee's period as the list shows it."""

    month: int
    label: str
    deadline: date
    report: MonthlyReport | None
    ended: bool
    today: date

    @property
    def state(self) -> str:
        return self.report.state if self.report else DRAFT

    @property
    def state_label(self) -> str:
        return workflow.STATE_LABELS[self.state] if self.report else str(NOT_STARTED)

    @property
    def overdue(self) -> bool:
        """Past the deadline and never submitted (a returned report counts as submitted)."""
        return self.state == DRAFT and self.today > self.deadline

    @property
    def late(self) -> bool:
        return bool(self.report and self.report.late)


NOT_STARTED = _l("Belum dibuat")


@dataclass
class MonthlyReportView:
    employee: Employee
    period: Period
    status: MonthStatus
    rows: list[ReportRow]
    fingerprint: str
    may_write: bool
    may_review: bool

    @property
    def report(self) -> MonthlyReport | None:
        return self.status.report

    @property
    def month(self) -> int:
        return self.status.month

    @property
    def version(self) -> int:
        return self.report.version if self.report else 0


def month_figures(employee_id: int, period_id: int, month: int) -> tuple[dict, str]:
    """Each target's figures of the month, and the fingerprint of the month's entries (all
    of them, rejected too), in one statement."""
    evidence = (
        select(func.count(Evidence.id)).where(Evidence.entry_id == WorkEntry.id).scalar_subquery()
    )
    rows = db.session.execute(
        select(
            WorkEntry.target_id,
            WorkEntry.status,
            func.count(),
            func.coalesce(func.sum(WorkEntry.quantity), 0),
            func.coalesce(func.sum(WorkEntry.minutes), 0),
            func.coalesce(func.sum(evidence), 0),
            func.coalesce(func.sum(WorkEntry.version), 0),
            func.max(WorkEntry.id),
            func.max(WorkEntry.updated_at),
        )
        .where(
            WorkEntry.owner_id == employee_id,
            WorkEntry.period_id == period_id,
            WorkEntry.month == month,
        )
        .group_by(WorkEntry.target_id, WorkEntry.status)
        .order_by(WorkEntry.target_id, WorkEntry.status)
    ).all()
    figures: dict[int, TargetFigures] = {}
    digest = hashlib.sha256()
    for target_id, status, count, quantity, minutes, files, versions, last_id, updated in rows:
        digest.update(f"{target_id}|{status}|{count}|{versions}|{last_id}|{updated};".encode())
        if status == EntryStatus.REJECTED:
            continue
        f = figures.setdefault(target_id, TargetFigures())
        f.entries += count
        f.minutes += int(minutes)
        f.evidence += int(files)
        if status == EntryStatus.ACCEPTED:
            f.accepted += int(quantity)
        else:
            f.pending += int(quantity)
    return figures, digest.hexdigest()


def find_report(employee_id: int, period_id: int, month: int) -> MonthlyReport | None:
    return db.session.scalar(
        select(MonthlyReport).where(
            MonthlyReport.employee_id == employee_id,
            MonthlyReport.period_id == period_id,
            MonthlyReport.month == month,
        )
    )


def month_ref(employee: Employee, period: Period, month: int) -> MonthRef:
    return MonthRef(employee, period, month, find_report(employee.id, period.id, month))


def month_status(ref: MonthRef, today: date | None = None) -> MonthStatus:
    today = today or clock.today()
    period, month = ref.period, ref.month
    return MonthStatus(
        month,
        month_label(period, month),
        report_deadline(period, month),
        ref.report,
        today > month_end(period, month),
        today,
    )


def months_of(employee: Employee, period: Period) -> list[MonthStatus]:
    """Every month of the period that has begun, newest first, with its report (one
    statement)."""
    today = clock.today()
    reports = {
        r.month: r
        for r in db.session.scalars(
            select(MonthlyReport).where(
                MonthlyReport.employee_id == employee.id, MonthlyReport.period_id == period.id
            )
        )
    }
    begun = min(period.month_count, ended_months(period, today) + 1)
    if today < period.start_date:
        begun = 0
    return [
        month_status(MonthRef(employee, period, m, reports.get(m)), today)
        for m in range(begun, 0, -1)
    ]


def month_statuses(employees: list[Employee], period: Period, month: int) -> dict[int, MonthStatus]:
    """Each employee's report of one month (the team page's column), in one statement."""
    today = clock.today()
    reports = {}
    if employees:
        reports = {
            r.employee_id: r
            for r in db.session.scalars(
                select(MonthlyReport).where(
                    MonthlyReport.employee_id.in_([e.id for e in employees]),
                    MonthlyReport.period_id == period.id,
                    MonthlyReport.month == month,
                )
            )
        }
    return {
        e.id: month_status(MonthRef(e, period, month, reports.get(e.id)), today) for e in employees
    }


def waiting_for(user_id) -> list[ColumnElement[bool]]:
    """The conditions of a report waiting for ``user_id``'s review: submitted, in an open
    period (joined), by someone else whose targets there the user evaluates."""
    return [
        MonthlyReport.state == SUBMITTED,
        Period.status == PeriodStatus.OPEN,
        MonthlyReport.employee_id != user_id,
        exists().where(
            Target.owner_id == MonthlyReport.employee_id,
            Target.period_id == MonthlyReport.period_id,
            Target.evaluator_id == user_id,
        ),
    ]


def waiting_for_review(user: Employee) -> list[MonthlyReport]:
    """The submitted reports the user reviews, oldest month first, with their employee
    and period (one statement)."""
    return list(
        db.session.scalars(
            select(MonthlyReport)
            .join(MonthlyReport.employee)
            .join(MonthlyReport.period)
            .options(contains_eager(MonthlyReport.employee), contains_eager(MonthlyReport.period))
            .where(*waiting_for(user.id))
            .order_by(Period.start_date, MonthlyReport.month, Employee.name, MonthlyReport.id)
        ).unique()
    )


def report_view(ref: MonthRef, viewer: Employee) -> MonthlyReportView:
    """The report as its form and its review screen show it."""
    employee, period, month = ref.employee, ref.period, ref.month
    targets = queries.targets_for_report(employee.id, period.id)
    figures, fingerprint = month_figures(employee.id, period.id, month)
    words = {w.target_id: w for w in (ref.report.targets if ref.report else [])}
    ratings = (
        {
            r.target_id: r
            for r in db.session.scalars(
                select(MonthlyQuality).where(
                    MonthlyQuality.target_id.in_([t.id for t in targets]),
                    MonthlyQuality.month == month,
                )
            )
        }
        if targets
        else {}
    )
    rows = []
    for t in targets:
        planned = next((m.quantity for m in t.months if m.month == month), 0)
        rows.append(
            ReportRow(
                t,
                planned,
                figures.get(t.id, TargetFigures()),
                words.get(t.id),
                ratings.get(t.id),
                _rateable(t, viewer),
            )
        )
    state = ref.report.state if ref.report else DRAFT
    return MonthlyReportView(
        employee,
        period,
        month_status(ref),
        rows,
        fingerprint,
        may_write=state in EDITABLE and policy.can(viewer, Action.WRITE_MONTHLY_REPORT, ref),
        may_review=state == SUBMITTED and policy.can(viewer, Action.REVIEW_MONTHLY_REPORT, ref),
    )


def _rateable(target: Target, viewer: Employee) -> bool:
    return target.state in (APPROVED, REPORTED) and target.evaluator_id == viewer.id


# --- the employee's side -------------------------------------------------------------


def _create(ref: MonthRef) -> MonthlyReport:
    """The report's row, created as a draft; a twin created at the same moment (a double
    submit) wins, and this answers with it."""
    report = MonthlyReport(
        employee_id=ref.employee.id,
        instansi_id=ref.employee.instansi_id,
        period_id=ref.period.id,
        month=ref.month,
        state=DRAFT,
        version=1,
    )
    try:
        with db.session.begin_nested():
            db.session.add(report)
    except IntegrityError:
        existing = find_report(ref.employee.id, ref.period.id, ref.month)
        if existing is None:
            raise
        raise Conflict(str(CHANGED_ELSEWHERE)) from None
    audit.record("monthly_report.create", report, actor=ref.employee, summary={"month": ref.month})
    return report


def save(
    ref: MonthRef,
    actor: Employee,
    words: list[TargetWords],
    version: int,
    *,
    submit: bool = False,
) -> MonthlyReport:
    """Keep the employee's words (creating the draft on the first save), and submit the
    report when ``submit``. ``version`` is the report's as the form showed it (0: none
    yet); anything else is a 409."""
    policy.authorize(actor, Action.WRITE_MONTHLY_REPORT, ref)
    allowed = {t.id for t in queries.targets_for_report(ref.employee.id, ref.period.id)}
    if any(w.target_id not in allowed for w in words):
        raise InvalidInput(str(UNKNOWN_TARGET))
    report = ref.report
    if report is None:
        if version != 0:
            raise Conflict(str(CHANGED_ELSEWHERE))
        report = _create(ref)
    elif report.state not in EDITABLE:
        raise Conflict(str(NOT_EDITABLE) % {"state": workflow.STATE_LABELS[report.state]})
    else:
        compare_and_swap(
            update(MonthlyReport)
            .where(
                MonthlyReport.id == report.id,
                MonthlyReport.version == version,
                MonthlyReport.state.in_(EDITABLE),
            )
            .values(version=version + 1, updated_at=utcnow()),
            str(CHANGED_ELSEWHERE),
        )
        db.session.refresh(report)
    existing = {w.target_id: w for w in report.targets}
    for w in words:
        row = existing.get(w.target_id)
        if row is None:
            row = MonthlyReportTarget(report=report, target_id=w.target_id)
            db.session.add(row)
        row.capaian, row.kendala, row.rencana = w.capaian, w.kendala, w.rencana
    audit.record(
        "monthly_report.save",
        report,
        actor=actor,
        summary={"month": report.month, "targets": len(words)},
    )
    db.session.flush()
    if submit:
        workflow.fire(report, "submit", actor, expected_version=report.version)
    return report


# --- the supervisor's side ------------------------------------------------------------


def review(
    ref: MonthRef,
    actor: Employee,
    reviews: list[TargetReview],
    *,
    accept: bool,
    reason: str,
    version: int,
    fingerprint: str,
) -> MonthlyReport:
    """Rate each target the reviewer evaluates and accept the report, or return it with
    ``reason`` (the ratings given are kept). Refused with a 409 when the month's entries
    changed since the screen was loaded (``fingerprint``) or the report moved on."""
    policy.authorize(actor, Action.REVIEW_MONTHLY_REPORT, ref)
    report = ref.report
    if report is None:
        raise Conflict(str(workflow.NOT_IN_THIS_STATE) % {"state": str(NOT_STARTED)})
    if report.version != version:
        raise Conflict(str(workflow.STALE_VERSION) % {"state": workflow.STATE_LABELS[report.state]})
    if report.state != SUBMITTED:
        raise Conflict(
            str(workflow.NOT_IN_THIS_STATE) % {"state": workflow.STATE_LABELS[report.state]}
        )
    month_lock.hold(ref.employee.id, ref.period.id, {ref.month}, exclusive=True)
    _figures, current = month_figures(ref.employee.id, ref.period.id, ref.month)
    if current != fingerprint:
        raise Conflict(str(ENTRIES_CHANGED))
    targets = {
        t.id: t
        for t in queries.targets_for_report(ref.employee.id, ref.period.id)
        if _rateable(t, actor)
    }
    given = {r.target_id: r for r in reviews}
    if set(given) - set(targets):
        raise InvalidInput(str(UNKNOWN_TARGET))
    if accept:
        missing = [
            i for i, t in enumerate(targets) if given.get(t) is None or given[t].rating is None
        ]
        if missing:
            raise InvalidInput(
                str(RATING_REQUIRED),
                errors={f"targets-{i}-rating": str(RATING_REQUIRED) for i in missing},
            )
    for target_id, r in given.items():
        if r.rating is not None:
            verification.rate_month(
                targets[target_id], ref.month, actor, QualityRating(r.rating, r.note)
            )
    workflow.fire(
        report,
        "accept" if accept else "return_report",
        actor,
        reason=reason,
        expected_version=version,
    )
    return report
