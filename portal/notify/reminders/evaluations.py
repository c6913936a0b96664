"""The reminders about evaluations: periodic and annual ones overdue, objections to
decide, follow-up items coming due."""

from __future__ import annotations

from datetime import date, timedelta

from flask import current_app
from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import aliased, joinedload

from portal import clock, subperiods
from portal.extensions import db
from portal.models import (
    Employee,
    Evaluation,
    EvaluationStatus,
    FollowUpItem,
    Period,
    PeriodicEvaluation,
    Target,
)
from portal.models.periodic import FINISHED
from portal.notify.kinds import a_date
from portal.notify.reminders.common import Reminder, overdue, start_of, window
from portal.notify.thresholds import Thresholds
from workflows.states import APPROVED_OR_LATER


def _waiting_by_evaluator(where, unfinished):
    """(evaluator, period, how many employees) of approved targets matching ``where``
    whose employee's evaluation is ``unfinished``."""
    evaluator = aliased(Employee)
    return db.session.execute(
        select(Target.evaluator_id, Target.period_id, func.count(Target.owner_id.distinct()))
        .join(evaluator, evaluator.id == Target.evaluator_id)
        .where(where, Target.state.in_(APPROVED_OR_LATER), evaluator.active.is_(True), unfinished)
        .group_by(Target.evaluator_id, Target.period_id)
        .order_by(Target.evaluator_id, Target.period_id)
    ).all()


def periodic(periods: list[Period], today: date):
    """The latest sub-period of each period whose periodic evaluations are overdue."""
    due_days = current_app.config.get("PORTAL_PERIODIC_DUE_DAYS", subperiods.DUE_DAYS)
    late: dict[int, tuple[Period, int]] = {}
    for period in periods:
        past_due = [
            n
            for n in subperiods.ended(period, today)
            if overdue(subperiods.due_date(period, n, due_days), today)
        ]
        if past_due:
            late[period.id] = (period, past_due[-1])
    if not late:
        return
    unfinished = or_(
        *(
            and_(
                Target.period_id == period.id,
                ~exists().where(
                    PeriodicEvaluation.employee_id == Target.owner_id,
                    PeriodicEvaluation.period_id == period.id,
                    PeriodicEvaluation.sub_period == n,
                    PeriodicEvaluation.status.in_(FINISHED),
                ),
            )
            for period, n in late.values()
        )
    )
    for evaluator_id, period_id, count in _waiting_by_evaluator(
        Target.period_id.in_(late), unfinished
    ):
        period, n = late[period_id]
        deadline = subperiods.due_date(period, n, due_days)
        yield Reminder(
            evaluator_id,
            "periodic_overdue",
            f"periodic_overdue:{evaluator_id}:{period_id}:{n}:{deadline}",
            period.instansi_id,
            "periodic.team",
            args={"period_id": period_id},
            params={
                "sub_period": str(subperiods.label(period, n)),
                "period": period.name,
                "count": count,
                "deadline": a_date(deadline),
            },
            object_type="Period",
            object_id=period_id,
        )


def annual(periods: list[Period], today: date):
    """The period's evaluation deadline has passed and evaluations are not final."""
    late = {
        p.id: p
        for p in periods
        if p.evaluation_deadline is not None and overdue(p.evaluation_deadline, today)
    }
    if not late:
        return
    unfinished = ~exists().where(
        Evaluation.employee_id == Target.owner_id,
        Evaluation.period_id == Target.period_id,
        Evaluation.status == EvaluationStatus.FINAL,
    )
    for evaluator_id, period_id, count in _waiting_by_evaluator(
        Target.period_id.in_(late), unfinished
    ):
        period = late[period_id]
        yield Reminder(
            evaluator_id,
            "evaluation_overdue",
            f"evaluation_overdue:{evaluator_id}:{period_id}:{period.evaluation_deadline}",
            period.instansi_id,
            "inbox.index",
            params={
                "period": period.name,
                "count": count,
                "deadline": a_date(period.evaluation_deadline),
            },
            object_type="Period",
            object_id=period_id,
        )


def objection_deadline(evaluation: Evaluation) -> date:
    """When the atasan must decide: ``PORTAL_OBJECTION_DECISION_DAYS`` after the
    objection (the date its notification gave)."""
    days = int(current_app.config.get("PORTAL_OBJECTION_DECISION_DAYS", 14))
    return clock.local_date(evaluation.responded_at) + timedelta(days=days)


def objections(settings: dict[int, Thresholds], today: date):
    """Open objections whose decision deadline is near: the evaluator's atasan decides."""
    days = int(current_app.config.get("PORTAL_OBJECTION_DECISION_DAYS", 14))
    evaluator, chief = aliased(Employee), aliased(Employee)
    rows = db.session.scalars(
        select(Evaluation)
        .join(evaluator, evaluator.id == Evaluation.evaluator_id)
        .join(chief, chief.id == evaluator.atasan_id)
        .options(
            joinedload(Evaluation.employee),
            joinedload(Evaluation.evaluator),
            joinedload(Evaluation.period),
        )
        .where(
            Evaluation.instansi_id.in_(settings),
            Evaluation.objection_status == "open",
            Evaluation.responded_at >= start_of(today - timedelta(days=days)),
            chief.active.is_(True),
        )
        .order_by(Evaluation.id)
    ).all()
    for evaluation in rows:
        deadline = objection_deadline(evaluation)
        notice = settings[evaluation.instansi_id].objection_notice_days
        if not window(deadline, notice, today):
            continue
        yield Reminder(
            evaluation.evaluator.atasan_id,
            "objection_due",
            f"objection_due:{evaluation.id}:{deadline}",
            evaluation.instansi_id,
            "evaluations.screen",
            args={
                "period_id": evaluation.period_id,
                "employee_id": evaluation.employee_id,
                "_anchor": "response-title",
            },
            params={
                "owner": evaluation.employee.display_name,
                "period": evaluation.period.name,
                "deadline": a_date(deadline),
            },
            object_type="Evaluation",
            object_id=evaluation.id,
        )


def follow_ups(settings: dict[int, Thresholds], today: date):
    """Open follow-up items coming due: the person responsible."""
    longest = max(t.follow_up_notice_days for t in settings.values())
    # Past ``longest`` working days from today (and a fortnight of holidays) no notice
    # window reaches: the exact window is checked per instansi below.
    horizon = clock.add_working_days(today, longest) + timedelta(days=14)
    responsible = aliased(Employee)
    items = db.session.scalars(
        select(FollowUpItem)
        .join(responsible, responsible.id == FollowUpItem.responsible_id)
        .options(joinedload(FollowUpItem.evaluation))
        .where(
            FollowUpItem.instansi_id.in_(settings),
            FollowUpItem.status == "open",
            FollowUpItem.due_date.between(today, horizon),
            responsible.active.is_(True),
        )
        .order_by(FollowUpItem.id)
    ).all()
    for item in items:
        if not window(item.due_date, settings[item.instansi_id].follow_up_notice_days, today):
            continue
        yield Reminder(
            item.responsible_id,
            "follow_up_due",
            f"follow_up_due:{item.id}:{item.due_date}",
            item.instansi_id,
            "evaluations.screen",
            args={
                "period_id": item.evaluation.period_id,
                "employee_id": item.employee_id,
                "_anchor": "followup-title",
            },
            params={"description": item.description[:200], "deadline": a_date(item.due_date)},
            object_type="FollowUpItem",
            object_id=item.id,
        )
