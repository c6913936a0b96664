"""Reminders and escalation (``flask --app wsgi reminders``, every 15 minutes).

Each run looks at the work of every instansi on ``today`` and writes the reminders that
are due, as notifications (the delivery worker mails them). Thresholds are counted in
working days (weekends and ``clock.holidays()`` are not) and set per instansi
(:mod:`portal.notify.thresholds`):

- the planning deadline is near: the employees without an approved plan;
- a monthly report is due (the notice days before its deadline), then overdue (the
  first working day after it): its employee, until the report is submitted;
- entries have waited for verification N working days: the evaluator is reminded, and
  at N + M working days their own atasan and the instansi's admins are told (each
  working day while entries still wait: being blocked is what must not go unseen);
- the periodic or annual evaluations are overdue: the evaluator, with how many wait;
- an objection's decision deadline is near: the atasan who decides it;
- a follow-up item comes due: the person responsible.

Idempotent: every reminder has a ``dedup_key`` ("kind:object:day", the day being the
deadline the reminder is about, or today for the daily ones), unique in the table, and
is inserted with ``ON CONFLICT DO NOTHING``; a second run, even one running at the same
moment, writes nothing again. A run costs a fixed number of statements, however many
employees: set-based queries, then one insert per :data:`CHUNK` reminders.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, exists, func, literal_column, or_, select, union
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import aliased, joinedload

from portal import clock, months, subperiods
from portal.extensions import db
from portal.models import (
    Employee,
    Evaluation,
    EvaluationStatus,
    FollowUpItem,
    MonthlyReport,
    Notification,
    Period,
    PeriodicEvaluation,
    Target,
    WorkEntry,
)
from portal.models.evaluations import target_closed
from portal.models.monthly import MONTHLY_ACCEPTED, MONTHLY_SUBMITTED
from portal.models.notifications import MAIL_UNDECIDED
from portal.models.periodic import FINISHED
from portal.models.periods import PeriodStatus
from portal.models.types import utcnow
from portal.notify.kinds import KINDS, Kind, a_date, a_month, register
from portal.notify.thresholds import Thresholds, all_instansi
from workflows.states import APPROVED_OR_LATER

register(
    Kind(
        "planning_due",
        "reminders",
        _l("Batas penyusunan SKP %(period)s: %(deadline)s"),
        _l("Belum ada target Anda yang disetujui. Susun dan ajukan target sebelum batasnya."),
    ),
    Kind(
        "monthly_due",
        "reminders",
        _l("Laporan bulanan %(month)s jatuh tempo %(deadline)s"),
        _l("Isi dan kirim laporan bulanan Anda kepada atasan."),
    ),
    Kind(
        "monthly_overdue",
        "reminders",
        _l("Laporan bulanan %(month)s terlambat"),
        _l("Batasnya %(deadline)s. Kirim laporan bulanan Anda secepatnya."),
    ),
    Kind(
        "verify_remind",
        "reminders",
        _l("%(count)s laporan harian menunggu verifikasi Anda"),
        _l("Sudah %(days)s hari kerja atau lebih. Terima atau tolak agar pegawai tidak tertahan."),
    ),
    Kind(
        "verify_escalate",
        "reminders",
        _l("Eskalasi: %(count)s laporan harian menunggu verifikasi %(evaluator)s"),
        _l("Sudah %(days)s hari kerja atau lebih tanpa verifikasi."),
    ),
    Kind(
        "periodic_overdue",
        "reminders",
        _l("Evaluasi periodik %(sub_period)s terlambat: %(count)s bawahan"),
        _l("%(period)s · batas %(deadline)s."),
    ),
    Kind(
        "evaluation_overdue",
        "reminders",
        _l("Evaluasi kinerja %(period)s terlambat: %(count)s bawahan"),
        _l("Batas evaluasi %(deadline)s."),
    ),
    Kind(
        "objection_due",
        "reminders",
        _l("Keberatan %(owner)s perlu diputuskan paling lambat %(deadline)s"),
        _l("Evaluasi %(period)s."),
    ),
    Kind(
        "follow_up_due",
        "reminders",
        _l("Tindak lanjut jatuh tempo %(deadline)s"),
        _l("%(description)s"),
    ),
)

#: Reminders per INSERT statement.
CHUNK = 500


@dataclass(frozen=True)
class Reminder:
    recipient_id: int
    kind: str
    dedup_key: str  # "kind:object:day"
    instansi_id: int
    endpoint: str
    args: dict = field(default_factory=dict)
    params: dict = field(default_factory=dict)
    object_type: str | None = None
    object_id: int | None = None


def run(today: date) -> int:
    """Write the reminders due on ``today``; how many were new."""
    return write(due(today))


def due(today: date) -> list[Reminder]:
    """Every reminder due on ``today``, written before or not."""
    settings = all_instansi()
    if not settings:
        return []
    periods = list(
        db.session.scalars(
            select(Period)
            .where(Period.status == PeriodStatus.OPEN, Period.instansi_id.in_(settings))
            .order_by(Period.id)
        )
    )
    return [
        *planning(periods, settings, today),
        *monthly(periods, settings, today),
        *verification(settings, today),
        *periodic(periods, today),
        *annual(periods, today),
        *objections(settings, today),
        *follow_ups(settings, today),
    ]


def _window(deadline: date, notice_days: int, today: date) -> bool:
    """Whether ``today`` is within ``notice_days`` working days before ``deadline``."""
    return clock.add_working_days(deadline, -notice_days) <= today <= deadline


def _overdue(deadline: date, today: date) -> bool:
    """From the first working day after ``deadline`` on."""
    return today >= clock.add_working_days(deadline, 1)


# -- planning ------------------------------------------------------------------------------


def _approved_plan(employee_id, period_id):
    return exists().where(
        Target.owner_id == employee_id,
        Target.period_id == period_id,
        Target.state.in_(APPROVED_OR_LATER),
    )


def planning(periods: list[Period], settings: dict[int, Thresholds], today: date):
    near = {
        p.id: p
        for p in periods
        if _window(p.planning_deadline, settings[p.instansi_id].planning_notice_days, today)
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
            "plans.my_plan",
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
        if _window(months.report_deadline(period, m), notice_days, today)
    ]
    late = [m for m in range(1, ended + 1) if _overdue(months.report_deadline(period, m), today)]
    return sorted({*near, *late[-1:]})


def _union(parts: list):
    return parts[0] if len(parts) == 1 else union(*parts)


def _number(value: int):
    """A whole number written into the statement (a bound one has no type in a UNION's
    select list for PostgreSQL)."""
    return literal_column(str(int(value)))


def monthly(periods: list[Period], settings: dict[int, Thresholds], today: date):
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


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, clock.zone()).astimezone(UTC)


def _waited(days: int, today: date) -> datetime:
    """Entries created before this moment have waited ``days`` working days by ``today``
    (a working day): the days after the one they were sent on, up to today."""
    return _start_of(clock.add_working_days(today, 1 - days))


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


# -- evaluations ---------------------------------------------------------------------------


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
        overdue = [
            n
            for n in subperiods.ended(period, today)
            if _overdue(subperiods.due_date(period, n, due_days), today)
        ]
        if overdue:
            late[period.id] = (period, overdue[-1])
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
        if p.evaluation_deadline is not None and _overdue(p.evaluation_deadline, today)
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
            Evaluation.responded_at >= _start_of(today - timedelta(days=days)),
            chief.active.is_(True),
        )
        .order_by(Evaluation.id)
    ).all()
    for evaluation in rows:
        deadline = objection_deadline(evaluation)
        notice = settings[evaluation.instansi_id].objection_notice_days
        if not _window(deadline, notice, today):
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
        if not _window(item.due_date, settings[item.instansi_id].follow_up_notice_days, today):
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


# -- writing -------------------------------------------------------------------------------


def _chunks(rows: list[dict]) -> Iterator[list[dict]]:
    for start in range(0, len(rows), CHUNK):
        yield rows[start : start + CHUNK]


def write(reminders: Iterable[Reminder]) -> int:
    """Insert the reminders not written before; how many were new. A key already in the
    table (an earlier run, or one running now) is skipped by the database itself."""
    now = utcnow()
    rows = []
    for r in {r.dedup_key: r for r in reminders}.values():
        if r.kind not in KINDS:
            raise ValueError(f"unknown notification kind {r.kind!r}")
        rows.append(
            {
                "recipient_id": r.recipient_id,
                "instansi_id": r.instansi_id,
                "kind": r.kind,
                "object_type": r.object_type,
                "object_id": r.object_id,
                "params": r.params,
                "endpoint": r.endpoint,
                "endpoint_args": r.args,
                "dedup_key": r.dedup_key,
                "created_at": now,
                "mail_decision": MAIL_UNDECIDED,
            }
        )
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    written = 0
    for chunk in _chunks(rows):
        statement = (
            dialect.insert(Notification)
            .values(chunk)
            .on_conflict_do_nothing(index_elements=["dedup_key"])
            .returning(Notification.id)
        )
        written += len(db.session.execute(statement).all())
    return written
