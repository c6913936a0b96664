"""The evaluation side of the inbox: the subordinates' realisation to evaluate, the
objections an atasan pejabat penilai must decide, one's own results to respond to while
the objection window is open, and follow-up items coming due."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from flask import current_app, url_for
from flask_babel import format_date, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlalchemy.orm import aliased, contains_eager, joinedload

from portal import clock
from portal.extensions import db
from portal.inbox.items import InboxItem
from portal.models import (
    Employee,
    Evaluation,
    EvaluationStatus,
    FollowUpItem,
    Period,
    Target,
)
from portal.models.periods import PeriodStatus
from workflows.states import REPORTED

TO_EVALUATE = _l("Realisasi bawahan untuk dievaluasi")
OBJECTIONS = _l("Keberatan yang harus Anda putuskan")
TO_RESPOND = _l("Hasil evaluasi Anda: tanggapi sebelum batas keberatan")
FOLLOW_UPS = _l("Tindak lanjut yang jatuh tempo")
# Follow-up items show this many days before they are due.
FOLLOW_UP_NOTICE_DAYS = 14

_EVALUATOR = aliased(Employee)


def _days(setting: str) -> int:
    return int(current_app.config.get(setting, 14))


def _local_midnight_utc(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=clock.zone()).astimezone(UTC)


def _to_evaluate(user_id: int):
    return (
        select(Target.owner_id, Target.period_id, func.count().label("n"))
        .join(Period, Period.id == Target.period_id)
        .where(
            Target.evaluator_id == user_id,
            Target.state == REPORTED,
            Period.status == PeriodStatus.OPEN,
        )
        .group_by(Target.owner_id, Target.period_id)
    )


def _objections(user_id: int):
    """Objections decided by the evaluator's own supervisor (as the policy's
    ``DECIDE_OBJECTION``)."""
    return (
        select(Evaluation)
        .join(_EVALUATOR, _EVALUATOR.id == Evaluation.evaluator_id)
        .where(_EVALUATOR.atasan_id == user_id, Evaluation.objection_status == "open")
    )


def _to_respond(user_id: int, today: date):
    window = _days("PORTAL_OBJECTION_DAYS")
    return select(Evaluation).where(
        Evaluation.employee_id == user_id,
        Evaluation.status == EvaluationStatus.FINAL,
        Evaluation.employee_response.is_(None),
        Evaluation.evaluated_at >= _local_midnight_utc(today - timedelta(days=window)),
    )


def _follow_ups(user_id: int, today: date):
    return (
        select(FollowUpItem)
        .join(Evaluation, Evaluation.id == FollowUpItem.evaluation_id)
        .where(
            FollowUpItem.status == "open",
            FollowUpItem.due_date <= today + timedelta(days=FOLLOW_UP_NOTICE_DAYS),
            or_(
                FollowUpItem.responsible_id == user_id,
                FollowUpItem.employee_id == user_id,
                Evaluation.evaluator_id == user_id,
            ),
        )
    )


def _counted(query):
    return query.with_only_columns(func.count()).scalar_subquery()


def count(user: Employee, today: date):
    evaluate = _to_evaluate(user.id).subquery()
    return (
        select(func.coalesce(func.sum(evaluate.c.n), 0)).scalar_subquery()
        + _counted(_objections(user.id))
        + _counted(_to_respond(user.id, today))
        + _counted(_follow_ups(user.id, today))
    )


def items(user: Employee, today: date) -> list[InboxItem]:
    evaluate = _to_evaluate(user.id).subquery()
    plans = db.session.execute(
        select(Employee, Period, evaluate.c.n)
        .join(evaluate, evaluate.c.owner_id == Employee.id)
        .join(Period, Period.id == evaluate.c.period_id)
        .order_by(Employee.name, Employee.id, Period.start_date)
    ).all()
    objections = db.session.scalars(
        _objections(user.id)
        .options(
            joinedload(Evaluation.employee),
            joinedload(Evaluation.period),
            contains_eager(Evaluation.evaluator, alias=_EVALUATOR),
        )
        .order_by(Evaluation.responded_at, Evaluation.id)
    ).all()
    results = db.session.scalars(
        _to_respond(user.id, today)
        .options(joinedload(Evaluation.period))
        .order_by(Evaluation.evaluated_at)
    ).all()
    follow_ups = db.session.scalars(
        _follow_ups(user.id, today)
        .options(
            joinedload(FollowUpItem.employee),
            contains_eager(FollowUpItem.evaluation).joinedload(Evaluation.period),
        )
        .order_by(FollowUpItem.due_date, FollowUpItem.id)
    ).all()
    return [
        *(_evaluate_item(employee, period, n, today) for employee, period, n in plans),
        *(_objection_item(e, today) for e in objections),
        *(_respond_item(e, today) for e in results),
        *(_follow_up_item(f, today) for f in follow_ups),
    ]


def _screen(evaluation_or_period_id, employee_id: int) -> str:
    return url_for("evaluations.screen", period_id=evaluation_or_period_id, employee_id=employee_id)


def _evaluate_item(employee: Employee, period: Period, n: int, today: date) -> InboxItem:
    due = period.evaluation_deadline
    return InboxItem(
        section=str(TO_EVALUATE),
        title=employee.display_name,
        detail=f"{period.name} · "
        + ngettext("%(num)s target dilaporkan", "%(num)s target dilaporkan", n),
        url=_screen(period.id, employee.id),
        action=_("Evaluasi"),
        due=due,
        overdue=due is not None and today > due,
        count=n,
        key=f"evaluate-{employee.id}-{period.id}",
    )


def _objection_item(evaluation: Evaluation, today: date) -> InboxItem:
    due = None
    if evaluation.responded_at is not None:
        due = clock.local_date(evaluation.responded_at) + timedelta(
            days=_days("PORTAL_OBJECTION_DECISION_DAYS")
        )
    return InboxItem(
        section=str(OBJECTIONS),
        title=evaluation.employee.display_name,
        detail=_(
            "%(period)s · predikat %(predikat)s oleh %(evaluator)s",
            period=evaluation.period.name,
            predikat=evaluation.predikat or "—",
            evaluator=evaluation.evaluator.display_name,
        ),
        url=_screen(evaluation.period_id, evaluation.employee_id) + "#response-title",
        action=_("Putuskan keberatan"),
        due=due,
        overdue=due is not None and today > due,
        key=f"objection-{evaluation.id}",
        note=evaluation.response_reason,
    )


def _respond_item(evaluation: Evaluation, today: date) -> InboxItem:
    due = clock.local_date(evaluation.evaluated_at) + timedelta(days=_days("PORTAL_OBJECTION_DAYS"))
    return InboxItem(
        section=str(TO_RESPOND),
        title=_("Evaluasi kinerja %(period)s", period=evaluation.period.name),
        detail=_(
            "Predikat %(predikat)s. Setujui, atau ajukan keberatan paling lambat %(day)s.",
            predikat=evaluation.predikat or "—",
            day=format_date(due, "long"),
        ),
        url=_screen(evaluation.period_id, evaluation.employee_id) + "#response-title",
        action=_("Lihat dan tanggapi"),
        due=due,
        key=f"respond-{evaluation.id}",
    )


def _follow_up_item(item: FollowUpItem, today: date) -> InboxItem:
    return InboxItem(
        section=str(FOLLOW_UPS),
        title=f"{item.kind.label}: {item.description[:100]}",
        detail=f"{item.employee.display_name} · {item.evaluation.period.name}",
        url=_screen(item.evaluation.period_id, item.employee_id) + "#followup-title",
        action=_("Buka tindak lanjut"),
        due=item.due_date,
        overdue=item.due_date < today,
        key=f"follow-up-{item.id}",
    )
