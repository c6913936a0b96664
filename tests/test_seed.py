"""The demo tells the whole rhythm whatever today's date: nothing dated in the future,
history dated plausibly in the past, an objection waiting for its decider, and a second
run that changes nothing."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from flask import current_app
from sqlalchemy import func, select

from portal import clock
from portal.extensions import db
from portal.inbox import queries as inbox
from portal.inbox.evaluations import OBJECTIONS
from portal.models import (
    Employee,
    Evaluation,
    EvaluatorAssignment,
    FollowUpItem,
    Period,
    PeriodicEvaluation,
    Target,
    TargetComment,
    TargetHistory,
    WorkEntry,
    types,
)
from portal.models.monthly import MonthlyReport, MonthlyReportHistory
from portal.models.reports import EntryHistory, MonthlyQuality
from portal.seed.demo import ASISTEN, demo_logins, seed_demo

# Days of the year a demo is made on: the first days of a year and of a month, the middle
# and the very end (the period's last day).
DAYS = [date(2026, 1, 2), date(2026, 3, 1), date(2026, 6, 15), date(2026, 12, 31)]

# (what, the timestamp column) of every history a demo writes.
MOMENTS = [
    ("target created", Target.created_at),
    ("target changed", Target.updated_at),
    ("target history", TargetHistory.occurred_at),
    ("comment", TargetComment.created_at),
    ("evaluator assignment", EvaluatorAssignment.assigned_at),
    ("entry written", WorkEntry.created_at),
    ("entry verified", WorkEntry.verified_at),
    ("entry changed", WorkEntry.updated_at),
    ("entry history", EntryHistory.occurred_at),
    ("monthly rating", MonthlyQuality.rated_at),
    ("evaluation finished", Evaluation.evaluated_at),
    ("employee responded", Evaluation.responded_at),
    ("follow-up planned", FollowUpItem.created_at),
    ("follow-up closed", FollowUpItem.closed_at),
    ("periodic evaluation begun", PeriodicEvaluation.created_at),
    ("periodic evaluation finished", PeriodicEvaluation.finished_at),
    ("periodic result acknowledged", PeriodicEvaluation.acknowledged_at),
    ("monthly report begun", MonthlyReport.created_at),
    ("monthly report changed", MonthlyReport.updated_at),
    ("monthly report history", MonthlyReportHistory.occurred_at),
]


@pytest.fixture
def on_day(monkeypatch):
    """``on_day(day)``: the agency's date and the clock of every timestamp (``utcnow``)
    both at noon of ``day``, so that a demo made then is what a demo made that day is."""

    def _set(day: date) -> None:
        noon = datetime.combine(day, time(12), clock.zone())

        class Frozen(datetime):
            @classmethod
            def now(cls, tz=None):
                return noon.astimezone(tz) if tz else noon.replace(tzinfo=None)

        monkeypatch.setattr(clock, "today", lambda: day)
        monkeypatch.setattr(types, "datetime", Frozen)

    return _set


def _latest(column) -> datetime | None:
    return db.session.scalar(select(func.max(column)))


@pytest.mark.parametrize("today", DAYS, ids=str)
def test_the_demo_is_never_dated_after_today(app, on_day, today, subtests):
    on_day(today)
    created, _ = seed_demo()
    assert created > 0
    latest_entry = db.session.scalar(select(func.max(WorkEntry.entry_date)))
    assert latest_entry is None or latest_entry < today  # today's work is not written yet
    # A month's report goes out once the month is over: at the latest, today.
    latest_report = db.session.scalar(select(func.max(MonthlyReport.submitted_on)))
    assert latest_report is None or latest_report <= today
    for what, column in MOMENTS:
        with subtests.test(what):
            moment = _latest(column)
            if moment is not None:
                assert moment <= types.utcnow(), (what, moment)  # never in the future
                assert clock.local_date(moment) <= today, (what, moment)
    # Last year's evaluation was finished early this year, not on the day of the seed.
    closed = db.session.scalar(
        select(func.min(Evaluation.evaluated_at))
        .join(Period, Period.id == Evaluation.period_id)
        .where(Period.end_date < today)
    )
    if closed is not None:
        assert clock.local_date(closed) <= date(today.year, 1, 20)
    # Planning happened at the start of the period, before the reports.
    approvals = db.session.scalars(
        select(TargetHistory.occurred_at).where(TargetHistory.trigger == "approve")
    ).all()
    assert approvals and all(
        clock.local_date(a) <= max(date(a.year, 2, 28), today - timedelta(days=1))
        for a in approvals
    )


@pytest.mark.parametrize("today", [date(2026, 3, 1), date(2026, 12, 2)], ids=str)
def test_an_objection_waits_in_the_deciders_inbox(app, on_day, today):
    on_day(today)
    seed_demo()
    evaluation = db.session.scalar(select(Evaluation).where(Evaluation.objection_status == "open"))
    assert evaluation is not None
    decider = db.session.get(Employee, evaluation.evaluator.atasan_id)
    assert decider.nip == ASISTEN.nip  # a printed demo login
    assert ASISTEN.nip in [login.nip for login in demo_logins()]
    with current_app.test_request_context():
        waiting = inbox.inbox(decider)
    assert f"objection-{evaluation.id}" in waiting.item_keys(str(OBJECTIONS))
    assert inbox.count(decider) == waiting.count


def test_a_second_run_changes_nothing(app, on_day):
    on_day(date(2026, 6, 15))
    seed_demo()
    before = [_latest(column) for _, column in MOMENTS]
    counts = [db.session.scalar(select(func.count()).select_from(m)) for m in (Target, WorkEntry)]
    created, _ = seed_demo()
    assert created == 0
    assert [_latest(column) for _, column in MOMENTS] == before
    assert [
        db.session.scalar(select(func.count()).select_from(m)) for m in (Target, WorkEntry)
    ] == (counts)
