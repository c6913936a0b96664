"""``seed-scale``'s rhythm: the monthly reports and periodic evaluations of every
supervised employee, bulk-inserted like the rest of the scale data, in every state the
demo shows: the months before last accepted (one in twenty late), last month's submitted
or returned or not yet sent, the sub-periods before the last evaluated and mostly
acknowledged, the last ended one still due for a share of the supervisors."""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta

from sqlalchemy import select

from portal import clock, subperiods
from portal.extensions import db
from portal.models import MonthlyReport, Period, PeriodicEvaluation, Target
from portal.models.monthly import MonthlyReportHistory
from portal.models.periodic import PeriodicStatus
from portal.months import ended_months, month_end, report_deadline
from portal.seed.scale_work import bulk_insert
from workflows.states import APPROVED_OR_LATER


def _at(day, hour: int) -> datetime:
    return datetime.combine(day, time(hour), clock.zone())


def seed_rhythm(instansi_id: int, seed: int = 11) -> int:
    """The monthly reports and periodic evaluations of everyone with approved targets in
    the instansi's first period; returns the rows made."""
    period = db.session.scalar(
        select(Period).where(Period.instansi_id == instansi_id).order_by(Period.start_date)
    )
    supervised = db.session.execute(
        select(Target.owner_id, Target.evaluator_id, Target.plan_id)
        .where(
            Target.period_id == period.id,
            Target.state.in_(APPROVED_OR_LATER),
            Target.evaluator_id.is_not(None),
        )
        .distinct()
        .order_by(Target.owner_id)
    ).all()
    rng = random.Random(seed)
    today = clock.today()
    yesterday = today - timedelta(days=1)
    ended = ended_months(period, today)
    reports, moves = [], []
    for employee_id, evaluator_id, _plan_id in supervised:
        for month in range(1, ended + 1):
            deadline = report_deadline(period, month)
            opens = month_end(period, month) + timedelta(days=1)
            newest = month == ended
            roll = rng.random()
            if newest and roll < 0.3:
                continue  # not sent yet: due, or overdue
            late = roll > 0.95
            sent = min(max(opens, deadline + timedelta(days=3) if late else deadline), today)
            state = "accepted"
            if newest:
                state = "returned" if roll > 0.9 else "submitted"
            reports.append(
                {
                    "employee_id": employee_id,
                    "instansi_id": period.instansi_id,
                    "period_id": period.id,
                    "month": month,
                    "state": state,
                    "version": 3 if state != "submitted" else 2,
                    "submitted_on": sent,
                    "late": sent > deadline,
                    "return_reason": "Lengkapi capaian per target." if state == "returned" else "",
                    "reviewed_by_id": evaluator_id if state != "submitted" else None,
                    "created_at": _at(opens, 8),
                    "updated_at": _at(min(sent + timedelta(days=1), yesterday), 10),
                }
            )
            moves.append((employee_id, evaluator_id, sent, state))
    ids = bulk_insert(MonthlyReport, reports, returning=True)
    history = []
    for report_id, (employee_id, evaluator_id, sent, state) in zip(ids, moves, strict=True):
        history.append(_move(report_id, employee_id, "submit", "draft", "submitted", 2, sent, 9))
        if state in ("accepted", "returned"):
            trigger = "accept" if state == "accepted" else "return_report"
            reviewed = min(sent + timedelta(days=1), yesterday)
            history.append(
                _move(report_id, evaluator_id, trigger, "submitted", state, 3, reviewed, 10)
            )
    bulk_insert(MonthlyReportHistory, history)
    return len(reports) + len(history) + _periodic(period, supervised, rng, today)


def _move(report_id, actor_id, trigger, source, dest, version, day, hour) -> dict:
    return {
        "report_id": report_id,
        "actor_id": actor_id,
        "trigger": trigger,
        "from_state": source,
        "to_state": dest,
        "reason": "Lengkapi capaian per target." if dest == "returned" else "",
        "version": version,
        "occurred_at": _at(day, hour),
    }


def _periodic(period: Period, supervised, rng: random.Random, today) -> int:
    ended = subperiods.ended(period, today)
    rows = []
    for employee_id, evaluator_id, plan_id in supervised:
        # A share of the supervisors has not evaluated the last ended sub-period yet.
        behind = evaluator_id % 4 == 0
        for sub_period in ended:
            last = sub_period == ended[-1]
            if last and behind:
                continue
            finished = min(
                subperiods.end(period, sub_period) + timedelta(days=rng.randint(3, 20)), today
            )
            acknowledged = not last or rng.random() < 0.5
            rows.append(
                {
                    "instansi_id": period.instansi_id,
                    "period_id": period.id,
                    "employee_id": employee_id,
                    "plan_id": plan_id,
                    "evaluator_id": evaluator_id,
                    "sub_period": sub_period,
                    "status": (
                        PeriodicStatus.ACKNOWLEDGED if acknowledged else PeriodicStatus.FINAL
                    ).value,
                    "behaviour": {},
                    "suggested_hasil_kerja": "sesuai ekspektasi",
                    "suggested_perilaku": "sesuai ekspektasi",
                    "rating_hasil_kerja": "sesuai ekspektasi",
                    "rating_perilaku": "sesuai ekspektasi",
                    "predikat": "Baik",
                    "steps": [],
                    "version": 3 if acknowledged else 2,
                    "created_at": _at(finished, 9),
                    "finished_at": _at(finished, 11),
                    "acknowledged_at": _at(min(finished + timedelta(days=2), today), 9)
                    if acknowledged
                    else None,
                }
            )
    bulk_insert(PeriodicEvaluation, rows)
    db.session.commit()
    return len(rows)
