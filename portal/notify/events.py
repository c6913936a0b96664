"""Which audited changes tell whom: the audit log is where every state change passes, so
a notification is written in the same transaction as the change and the audit row, and
rolls back with them.

Each handler receives the audit event (not flushed yet) and the object it is about, and
adds notifications through :func:`portal.notify.outbox.notify`. The texts' parameters
hold only what the recipient may see in the portal: names in their own chain, their own
targets' titles, a reason addressed to them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from flask import current_app
from sqlalchemy import select

from portal import audit, clock, months, subperiods
from portal.extensions import db
from portal.models import (
    AuditEvent,
    Employee,
    Evaluation,
    FollowUpItem,
    MonthlyReport,
    PeriodicEvaluation,
    Target,
    WorkEntry,
)
from portal.notify import evaluator_reports
from portal.notify.kinds import a_date, a_month
from portal.notify.outbox import notify

Handler = Callable[[AuditEvent, Any], None]
HANDLERS: dict[str, Handler] = {}

TITLE_LIMIT = 200  # characters of a title or a reason quoted in a notification


def on(*actions: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        for action in actions:
            HANDLERS[action] = handler
        return handler

    return register


@audit.recorded.connect
def _dispatch(event: AuditEvent, obj: Any = None, **_) -> None:
    handler = HANDLERS.get(event.action)
    if handler is not None and obj is not None:
        handler(event, obj)


def _short(value: str | None) -> str:
    value = (value or "").strip()
    return value if len(value) <= TITLE_LIMIT else value[: TITLE_LIMIT - 1] + "…"


def _days(setting: str) -> int:
    return int(current_app.config.get(setting, 14))


# -- targets -------------------------------------------------------------------------------

_TARGET_KINDS = {
    # trigger: (kind, who is told)
    "submit": ("target_submitted", "evaluator"),
    "request_revision": ("target_returned", "owner"),
    "approve": ("target_approved", "owner"),
    "submit_report": ("target_reported", "evaluator"),
    "return_report": ("report_returned", "owner"),
}


@on(*(f"target.{trigger}" for trigger in _TARGET_KINDS))
def _target_moved(event: AuditEvent, target: Target) -> None:
    kind, who = _TARGET_KINDS[event.action.removeprefix("target.")]
    params = {"title": _short(target.title), "reason": _short(event.summary.get("reason"))}
    if who == "evaluator":
        params["owner"] = target.owner.display_name
    notify(
        target.evaluator_id if who == "evaluator" else target.owner_id,
        kind,
        endpoint="plans.target",
        args={"target_id": target.id},
        params=params,
        obj=target,
        actor_id=event.actor_id,
    )
    if event.action == "target.submit" and target.assigned_by_id:
        # The ketua tim of a penugasan follows the discussion beside the evaluator.
        notify(
            target.assigned_by_id,
            "target_assigned_submitted",
            endpoint="plans.target",
            args={"target_id": target.id},
            params={"title": params["title"], "owner": target.owner.display_name},
            obj=target,
            actor_id=event.actor_id,
        )


@on("target.reassign")
def _target_handed_over(event: AuditEvent, target: Target) -> None:
    notify(
        event.summary.get("to"),
        "handover_targets",
        endpoint="inbox.index",
        obj=target,
        actor_id=event.actor_id,
        coalesce=True,
    )


# -- daily entries -------------------------------------------------------------------------


@on("entry.reject")
def _entry_rejected(event: AuditEvent, entry: WorkEntry) -> None:
    notify(
        entry.owner_id,
        "entry_rejected",
        endpoint="reports.edit_entry",
        args={"entry_id": entry.id},
        params={
            "day": a_date(entry.entry_date),
            "title": _short(entry.target.title),
            "reason": _short(event.summary.get("reason")),
        },
        obj=entry,
        actor_id=event.actor_id,
        instansi_id=entry.target.instansi_id,
    )


# -- monthly reports -----------------------------------------------------------------------


def _month_args(report: MonthlyReport) -> dict:
    return {"employee_id": report.employee_id, "period_id": report.period_id, "month": report.month}


@on("monthly_report.submit")
def _monthly_submitted(event: AuditEvent, report: MonthlyReport) -> None:
    evaluators = db.session.scalars(
        select(Target.evaluator_id)
        .where(
            Target.owner_id == report.employee_id,
            Target.period_id == report.period_id,
            Target.evaluator_id.is_not(None),
        )
        .distinct()
    ).all()
    params = {
        "owner": report.employee.display_name,
        "month": a_month(months.month_start(report.period, report.month)),
    }
    for evaluator_id in sorted(evaluators):
        notify(
            evaluator_id,
            "monthly_submitted",
            endpoint="reports.monthly_report_review",
            args=_month_args(report),
            params=params,
            obj=report,
            actor_id=event.actor_id,
        )


@on("monthly_report.return_report", "monthly_report.accept")
def _monthly_decided(event: AuditEvent, report: MonthlyReport) -> None:
    returned = event.action.endswith("return_report")
    notify(
        report.employee_id,
        "monthly_returned" if returned else "monthly_accepted",
        endpoint="reports.monthly_report_form",
        args=_month_args(report),
        params={
            "month": a_month(months.month_start(report.period, report.month)),
            "reason": _short(event.summary.get("reason")),
        },
        obj=report,
        actor_id=event.actor_id,
    )


# -- evaluations ---------------------------------------------------------------------------


@on("periodic.finish")
def _periodic_finished(event: AuditEvent, evaluation: PeriodicEvaluation) -> None:
    notify(
        evaluation.employee_id,
        "periodic_finished",
        endpoint="periodic.mine",
        args={"period_id": evaluation.period_id},
        params={
            "sub_period": str(subperiods.label(evaluation.period, evaluation.sub_period)),
            "predikat": evaluation.predikat or "—",
        },
        obj=evaluation,
        actor_id=event.actor_id,
    )


def _screen(evaluation: Evaluation) -> dict:
    return {
        "period_id": evaluation.period_id,
        "employee_id": evaluation.employee_id,
        "_anchor": "response-title",
    }


@on("evaluation.finish")
def _evaluation_finished(event: AuditEvent, evaluation: Evaluation) -> None:
    finished = clock.local_date(evaluation.evaluated_at) if evaluation.evaluated_at else None
    deadline = (finished or clock.today()) + timedelta(days=_days("PORTAL_OBJECTION_DAYS"))
    notify(
        evaluation.employee_id,
        "evaluation_finished",
        endpoint="evaluations.screen",
        args=_screen(evaluation),
        params={
            "period": evaluation.period.name,
            "predikat": evaluation.predikat or "—",
            "deadline": a_date(deadline),
        },
        obj=evaluation,
        actor_id=event.actor_id,
    )


@on("evaluation.object")
def _objection_filed(event: AuditEvent, evaluation: Evaluation) -> None:
    deadline = clock.today() + timedelta(days=_days("PORTAL_OBJECTION_DECISION_DAYS"))
    notify(
        evaluation.evaluator.atasan_id,
        "objection_filed",
        endpoint="evaluations.screen",
        args=_screen(evaluation),
        params={
            "owner": evaluation.employee.display_name,
            "period": evaluation.period.name,
            "deadline": a_date(deadline),
        },
        obj=evaluation,
        actor_id=event.actor_id,
    )


DECISIONS = {"upheld": "predikat tetap", "changed": "predikat diubah"}


@on("evaluation.objection_decided")
def _objection_decided(event: AuditEvent, evaluation: Evaluation) -> None:
    decision = event.summary.get("decision")
    params = {
        "period": evaluation.period.name,
        "decision": f"{evaluation.predikat or '—'}",
        "reason": _short(event.summary.get("reason")),
        "changed": decision == "changed",
    }
    for recipient in (evaluation.employee_id, evaluation.evaluator_id):
        notify(
            recipient,
            "objection_decided",
            endpoint="evaluations.screen",
            args=_screen(evaluation),
            params=params,
            obj=evaluation,
            actor_id=event.actor_id,
        )


@on("evaluation.reassign")
def _evaluation_handed_over(event: AuditEvent, evaluation: Evaluation) -> None:
    notify(
        event.summary.get("to"),
        "handover_evaluations",
        endpoint="inbox.index",
        obj=evaluation,
        actor_id=event.actor_id,
        coalesce=True,
    )


@on("follow_up.add")
def _follow_up_assigned(event: AuditEvent, evaluation: Evaluation) -> None:
    item = db.session.get(FollowUpItem, event.summary.get("item_id"))
    if item is None:
        return
    args = {
        "period_id": evaluation.period_id,
        "employee_id": evaluation.employee_id,
        "_anchor": "followup-title",
    }
    for recipient in dict.fromkeys((item.responsible_id, item.employee_id)):
        notify(
            recipient,
            "follow_up_assigned",
            endpoint="evaluations.screen",
            args=args,
            params={"description": _short(item.description), "due": a_date(item.due_date)},
            obj=evaluation,
            actor_id=event.actor_id,
        )


# -- people --------------------------------------------------------------------------------


@on("employee.update")
def _supervisor_changed(event: AuditEvent, employee: Employee) -> None:
    change = (event.summary.get("changes") or {}).get("atasan_id")
    if not change or change[1] is None or change[0] == change[1]:
        return
    new_supervisor = db.session.get(Employee, change[1])
    notify(
        new_supervisor.id,
        "new_subordinates",
        endpoint="reports.team",
        obj=employee,
        actor_id=event.actor_id,
        coalesce=True,
    )
    # Someone who had reported their pejabat penilai wrong hears that it is fixed.
    fixed = evaluator_reports.resolve_for(employee, event.actor_id)
    notify(
        employee.id,
        "evaluator_fixed" if fixed else "new_supervisor",
        endpoint="people.profile",
        args={"employee_id": employee.id},
        params={"supervisor": new_supervisor.display_name},
        obj=employee,
        actor_id=event.actor_id,
    )


@on("employee.create")
def _account_created(event: AuditEvent, employee: Employee) -> None:
    notify(
        employee.id,
        "account_created",
        endpoint="auth.login",
        obj=employee,
        actor_id=event.actor_id,
    )
