"""Demo history dated as it would have happened: the seed runs in seconds, but a plan is
discussed in January, an entry is verified a day or two after it was written, and last
year's evaluation was finished early this year. Only rows this seed run wrote move, and
never to a day after yesterday, so the demo reads right whatever today's date."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select

from portal import clock
from portal.extensions import db
from portal.models import (
    Evaluation,
    EvaluatorAssignment,
    FollowUpItem,
    Period,
    Target,
    TargetComment,
    TargetHistory,
    WorkEntry,
)
from portal.models.monthly import MonthlyReport, MonthlyReportHistory
from portal.models.reports import EntryHistory, MonthlyQuality
from portal.months import month_end

# The planning triggers happen at the start of the period; the others where the work is.
PLANNING = frozenset({"submit", "request_revision", "approve", "reopen"})


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), clock.zone())


def backdate(instansi_id: int, since: datetime) -> None:
    """Move the timestamps of the rows written since ``since`` to plausible moments."""
    yesterday = clock.today() - timedelta(days=1)
    ceiling = _at(yesterday, 17)

    def cap(moment: datetime) -> datetime:
        return min(moment, ceiling)

    periods = {
        p.id: p for p in db.session.scalars(select(Period).where(Period.instansi_id == instansi_id))
    }
    targets = db.session.scalars(
        select(Target).where(Target.instansi_id == instansi_id, Target.created_at >= since)
    ).all()
    by_target = {t.id: t for t in targets}
    for target in targets:
        period = periods[target.period_id]
        planned = _at(period.start_date + timedelta(days=3 + target.position % 5), 9)
        target.created_at = cap(planned)
        target.updated_at = target.created_at
    history = db.session.scalars(
        select(TargetHistory)
        .where(TargetHistory.target_id.in_(by_target), TargetHistory.occurred_at >= since)
        .order_by(TargetHistory.target_id, TargetHistory.version)
    ).all()
    step: dict[int, int] = {}
    for row in history:
        target = by_target[row.target_id]
        period = periods[target.period_id]
        n = step[row.target_id] = step.get(row.target_id, 0) + 1
        if row.trigger in PLANNING:
            moment = target.created_at + timedelta(days=2 * n, hours=n)
        elif period.end_date < clock.today():  # last year's closing steps, early this year
            moment = _at(period.end_date + timedelta(days=10 + n), 10)
        else:  # reporting and evaluation this year: as recent as the seed made them
            moment = row.occurred_at
        row.occurred_at = cap(moment)
        target.updated_at = max(target.updated_at, row.occurred_at)
    for model, column in (
        (TargetComment, TargetComment.created_at),
        (EvaluatorAssignment, EvaluatorAssignment.assigned_at),
    ):
        for row in db.session.scalars(
            select(model).where(model.target_id.in_(by_target), column >= since)
        ):
            target = by_target[row.target_id]
            setattr(row, column.key, cap(target.created_at + timedelta(days=1, hours=2)))
    _entries(instansi_id, since, cap)
    for rating in db.session.scalars(
        select(MonthlyQuality).where(
            MonthlyQuality.target_id.in_(by_target), MonthlyQuality.rated_at >= since
        )
    ):
        period = periods[by_target[rating.target_id].period_id]
        rating.rated_at = cap(_at(month_end(period, rating.month) + timedelta(days=3), 10))
    _closed_evaluations(instansi_id, since, periods, cap)
    _monthly_reports(instansi_id, since, periods, cap)
    db.session.flush()


def _monthly_reports(instansi_id: int, since: datetime, periods, cap) -> None:
    """A monthly report is begun the day after its month ends; it last changed with its
    last move (whose dates the monthly seed chose)."""
    reports = db.session.scalars(
        select(MonthlyReport).where(
            MonthlyReport.instansi_id == instansi_id, MonthlyReport.created_at >= since
        )
    ).all()
    last_moves = dict(
        db.session.execute(
            select(MonthlyReportHistory.report_id, func.max(MonthlyReportHistory.occurred_at))
            .where(MonthlyReportHistory.report_id.in_([r.id for r in reports]))
            .group_by(MonthlyReportHistory.report_id)
        ).all()
    )
    for report in reports:
        period = periods[report.period_id]
        begun = _at(month_end(period, report.month) + timedelta(days=1), 8)
        report.created_at = min(begun, last_moves.get(report.id, begun))
        report.updated_at = cap(
            max(report.created_at, last_moves.get(report.id, report.created_at))
        )


def _entries(instansi_id: int, since: datetime, cap) -> None:
    """An entry is written at the end of its day and verified one or two days later."""
    entries = {
        e.id: e
        for e in db.session.scalars(
            select(WorkEntry).where(
                WorkEntry.instansi_id == instansi_id, WorkEntry.updated_at >= since
            )
        )
    }
    for entry in entries.values():
        entry.updated_at = entry.created_at
        if entry.verified_at is not None:
            entry.verified_at = cap(entry.created_at + timedelta(days=1 + entry.id % 2))
            entry.updated_at = entry.verified_at
    if not entries:
        return
    rows = db.session.scalars(
        select(EntryHistory)
        .where(EntryHistory.entry_id.in_(entries), EntryHistory.occurred_at >= since)
        .order_by(EntryHistory.entry_id, EntryHistory.id)
    ).all()
    step: dict[int, int] = {}
    for row in rows:
        entry = entries[row.entry_id]
        n = step[row.entry_id] = step.get(row.entry_id, 0)
        step[row.entry_id] = n + 1
        row.occurred_at = cap(entry.created_at + timedelta(hours=20 * n))


def _closed_evaluations(instansi_id: int, since: datetime, periods, cap) -> None:
    """Last year's evaluations were finished, answered and followed up early this year."""
    evaluations = db.session.scalars(
        select(Evaluation).where(
            Evaluation.instansi_id == instansi_id, Evaluation.evaluated_at >= since
        )
    ).all()
    for evaluation in evaluations:
        period = periods[evaluation.period_id]
        if period.end_date >= clock.today():  # this year's: recent, but never tomorrow
            for name in ("evaluated_at", "responded_at", "objection_decided_at"):
                if getattr(evaluation, name) is not None:
                    setattr(evaluation, name, cap(getattr(evaluation, name)))
            continue
        evaluation.evaluated_at = cap(_at(period.end_date + timedelta(days=11), 10))
        for item in db.session.scalars(
            select(FollowUpItem).where(FollowUpItem.evaluation_id == evaluation.id)
        ):
            item.created_at = evaluation.evaluated_at
            if item.closed_at is not None:
                item.closed_at = cap(evaluation.evaluated_at + timedelta(days=1))
