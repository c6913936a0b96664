"""The reminders about an employee's own work and its verification: the planning
deadline, the monthly reports, and the entries waiting for the atasan."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime

from sqlalchemy import and_, case, exists, func, literal_column, or_, select, union
from sqlalchemy.orm import aliased, joinedload

from portal import clock, months
from portal.extensions import db
from portal.models import (
    Employee,
    MonthlyReport,
    Period,
    Target,
    WorkEntry,
)
from portal.models.evaluations import target_closed
from portal.models.monthly import MONTHLY_ACCEPTED, MONTHLY_SUBMITTED
from portal.models.periods import PeriodStatus
from portal.notify.kinds import a_date, a_month
from portal.notify.reminders.common import Reminder, overdue, start_of, window
from portal.notify.thresholds import Thresholds
from workflows.states import APPROVED_OR_LATER

# -- planning ------------------------------------------------------------------------------


def _approved_plan(employee_id, period_id):
    """An approved plan, as the monitoring counts it: a target of the period in
    ``approved`` or a later state."""
    return exists().where(
        Target.owner_id == employee_id,
        Target.period_id == period_id,
        Target.state.in_(APPROVED_OR_LATER),
    )


def planning(periods: list[Period], settings: dict[int, Thresholds], today: date):
    """Every active employee of the instansi without an approved plan, once per period
    and deadline, from ``planning_notice_days`` working days before it."""
    near = {
        p.id: p
        for p in periods
        if window(p.planning_deadline, settings[p.instansi_id].planning_notice_days, today)
    }
    if not near:
        return
    rows = db.session.execute(
        select(Employee.id, Period.id)
        .join(Period, Period.instansi_id == Employee.instansi_id)
        .where(
            Period.id.in_(near),
            Employee.active.is_(True),
            ~_approved_plan(Employee.id, Period.id),
        )
        .order_by(Period.id, Employee.id)
    ).all()
    for employee_id, period_id in rows:
        period = near[period_id]
        yield Reminder(
            employee_id,
            "planning_due",
            f"planning_due:{period_id}:{employee_id}:{period.planning_deadline}",
            period.instansi_id,
            "plans.plan",
            args={"period_id": period_id, "employee_id": employee_id},
            params={"period": period.name, "deadline": a_date(period.planning_deadline)},
            object_type="Period",
            object_id=period_id,
        )


# -- monthly reports -----------------------------------------------------------------------


def _months_to_remind(period: Period, notice_days: int, today: date) -> list[int]:
    """The ended months whose report deadline is near, and the latest one past it."""
    ended = months.ended_months(period, today)
    near = [
        m
        for m in range(1, ended + 1)
        if window(months.report_deadline(period, m), notice_days, today)
    ]
    late = [m for m in range(1, ended + 1) if overdue(months.report_deadline(period, m), today)]
    return sorted({*near, *late[-1:]})


def _union(parts: list):
    return parts[0] if len(parts) == 1 else union(*parts)


def _number(value: int):
    """A whole number written into the statement (a bound one has no type in a UNION's
    select list for PostgreSQL)."""
    return literal_column(str(int(value)))


def monthly(periods: list[Period], settings: dict[int, Thresholds], today: date):
    """The employees with approved targets whose report of a month is not handed in
    (a draft, a returned one or none): once when it is due, once when it is overdue."""
    wanted = {
        p.id: (p, ms)
        for p in periods
        if (ms := _months_to_remind(p, settings[p.instansi_id].monthly_notice_days, today))
    }
    if not wanted:
        return
    owner = aliased(Employee)
    parts = [
        select(Target.owner_id, Target.period_id, _number(month).label("month"))
        .join(owner, owner.id == Target.owner_id)
        .where(
            Target.period_id == period.id,
            Target.state.in_(APPROVED_OR_LATER),
            owner.active.is_(True),
            ~exists().where(
                MonthlyReport.employee_id == Target.owner_id,
                MonthlyReport.period_id == period.id,
                MonthlyReport.month == month,
                MonthlyReport.state.in_((MONTHLY_SUBMITTED, MONTHLY_ACCEPTED)),
            ),
        )
        .distinct()
        for period, ms in wanted.values()
        for month in ms
    ]
    for employee_id, period_id, month in db.session.execute(_union(parts)).all():
        period = wanted[period_id][0]
        deadline = months.report_deadline(period, month)
        kind = "monthly_due" if today <= deadline else "monthly_overdue"
        yield Reminder(
            employee_id,
            kind,
            f"{kind}:{period_id}:{employee_id}:{month}:{deadline}",
            period.instansi_id,
            "reports.monthly_report_form",
            args={"employee_id": employee_id, "period_id": period_id, "month": month},
            params={
                "month": a_month(months.month_start(period, month)),
                "deadline": a_date(deadline),
            },
            object_type="Period",
            object_id=period_id,
        )


# -- verification of entries ---------------------------------------------------------------


def _waited(days: int, today: date) -> datetime:
    """Entries created before this moment have waited ``days`` working days by ``today``
    (a working day): the days after the one they were sent on, up to today."""
    return start_of(clock.add_working_days(today, 1 - days))


def _by_threshold(settings: dict[int, Thresholds], days_of) -> dict[int, list[int]]:
    groups: dict[int, list[int]] = defaultdict(list)
    for instansi_id, thresholds in settings.items():
        groups[days_of(thresholds)].append(instansi_id)
    return groups


def _waited_since(groups: dict[int, list[int]], today: date):
    return or_(
        *(
            and_(WorkEntry.instansi_id.in_(ids), WorkEntry.created_at < _waited(days, today))
            for days, ids in groups.items()
        )
    )


def verification(settings: dict[int, Thresholds], today: date):
    """Per evaluator: the entries waiting N working days (a reminder to them) and N + M
    (an escalation to their atasan and the admins). Only on working days."""
    if not clock.is_working_day(today):
        return
    remind = _by_threshold(settings, lambda t: t.verify_remind_days)
    escalate = _by_threshold(settings, lambda t: t.verify_remind_days + t.verify_escalate_days)
    evaluator = aliased(Employee)
    rows = db.session.execute(
        select(
            Target.evaluator_id,
            WorkEntry.instansi_id,
            func.count(),
            func.sum(case((_waited_since(escalate, today), 1), else_=0)),
        )
        .select_from(WorkEntry)
        .join(Target, Target.id == WorkEntry.target_id)
        .join(Period, Period.id == WorkEntry.period_id)
        .join(evaluator, evaluator.id == Target.evaluator_id)
        .where(
            WorkEntry.is_pending(),
            _waited_since(remind, today),
            Period.status == PeriodStatus.OPEN,
            evaluator.active.is_(True),
            ~target_closed(Target.id, Target.state),
        )
        .group_by(Target.evaluator_id, WorkEntry.instansi_id)
        .order_by(Target.evaluator_id, WorkEntry.instansi_id)
    ).all()
    late = {}
    for evaluator_id, instansi_id, waiting, escalated in rows:
        yield Reminder(
            evaluator_id,
            "verify_remind",
            f"verify_remind:{evaluator_id}:{instansi_id}:{today}",
            instansi_id,
            "reports.queue",
            params={"count": waiting, "days": settings[instansi_id].verify_remind_days},
            object_type="Employee",
            object_id=evaluator_id,
        )
        if escalated:
            late[evaluator_id, instansi_id] = escalated
    if late:
        yield from _escalations(late, settings, today)


def _escalations(late: dict[tuple[int, int], int], settings, today: date):
    """To each late evaluator's atasan and every admin of the instansi: two statements."""
    evaluators = {
        e.id: e
        for e in db.session.scalars(
            select(Employee)
            .options(joinedload(Employee.atasan))
            .where(Employee.id.in_({evaluator_id for evaluator_id, _ in late}))
        )
    }
    admins: dict[int, list[int]] = defaultdict(list)
    for admin_id, instansi_id in db.session.execute(
        select(Employee.id, Employee.instansi_id)
        .where(
            Employee.instansi_id.in_({instansi_id for _, instansi_id in late}),
            Employee.is_admin.is_(True),
            Employee.active.is_(True),
        )
        .order_by(Employee.id)
    ):
        admins[instansi_id].append(admin_id)
    for (evaluator_id, instansi_id), count in late.items():
        evaluator = evaluators[evaluator_id]
        chief = evaluator.atasan
        recipients = [chief.id] if chief is not None and chief.active else []
        recipients += [a for a in admins[instansi_id] if a not in recipients]
        t = settings[instansi_id]
        for recipient_id in recipients:
            if recipient_id == evaluator_id:
                continue  # an admin who is the late evaluator has had the reminder
            yield Reminder(
                recipient_id,
                "verify_escalate",
                f"verify_escalate:{recipient_id}:{evaluator_id}:{today}",
                instansi_id,
                "people.profile",
                args={"employee_id": evaluator_id},
                params={
                    "count": count,
                    "evaluator": evaluator.display_name,
                    "days": t.verify_remind_days + t.verify_escalate_days,
                },
                object_type="Employee",
                object_id=evaluator_id,
            )
