""" "Pejabat penilai saya salah": the employee reports it from their plan, where a missing
or wrong evaluator blocks them; every admin of the instansi is told and finds it in their
inbox; the admin fixes it through the supervisor change (with its preview), and the
employee is told (see ``events._supervisor_changed``), or closes it with a reason.

One open report per person: a second report while one is open is the same report (the
database's partial unique index decides a race between two tabs)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from portal import audit, policy
from portal.concurrency import compare_and_swap
from portal.extensions import db
from portal.models import Employee, EvaluatorReport
from portal.models.notifications import open_evaluator_report
from portal.models.types import utcnow
from portal.notify.outbox import notify
from portal.policy import Action

OPEN, RESOLVED, CLOSED = "open", "resolved", "closed"
ALREADY_HANDLED = _l("Laporan ini sudah ditangani admin lain. Muat ulang halaman.")


def admins_of(instansi_id: int) -> list[int]:
    return list(
        db.session.scalars(
            select(Employee.id)
            .where(
                Employee.instansi_id == instansi_id,
                Employee.is_admin.is_(True),
                Employee.active.is_(True),
            )
            .order_by(Employee.id)
        )
    )


def report(employee: Employee, note: str) -> tuple[EvaluatorReport, bool]:
    """The employee's open report, and whether this call made it."""
    policy.authorize(employee, Action.REPORT_WRONG_EVALUATOR, employee)
    existing = open_evaluator_report(employee.id)
    if existing is not None:
        return existing, False
    row = EvaluatorReport(employee_id=employee.id, instansi_id=employee.instansi_id, note=note)
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:  # the other tab's report came first: it is the one
        return open_evaluator_report(employee.id), False
    audit.record("evaluator_report.create", row, actor=employee, summary={"note": note})
    supervisor = employee.atasan.display_name if employee.atasan else "—"
    for admin_id in admins_of(employee.instansi_id):
        notify(
            admin_id,
            "evaluator_reported",
            endpoint="reassign.supervisor",
            args={"employee_id": employee.id},
            params={"owner": employee.display_name, "supervisor": supervisor, "note": note},
            obj=row,
            actor_id=employee.id,
        )
    return row, True


def resolve_for(employee: Employee, actor_id: int | None) -> bool:
    """The supervisor was changed: the open report is resolved. Whether there was one."""
    row = open_evaluator_report(employee.id)
    if row is None:
        return False
    db.session.execute(
        update(EvaluatorReport)
        .where(EvaluatorReport.id == row.id, EvaluatorReport.status == OPEN)
        .values(
            status=RESOLVED,
            resolved_at=utcnow(),
            resolved_by_id=actor_id,
            version=EvaluatorReport.version + 1,
        )
    )
    db.session.expire(row)
    return True


def close(row: EvaluatorReport, actor: Employee, version: int, reason: str) -> None:
    """The admin answers that the evaluator on record is right."""
    policy.authorize(actor, Action.MANAGE_EMPLOYEE, row.employee)
    compare_and_swap(
        update(EvaluatorReport)
        .where(
            EvaluatorReport.id == row.id,
            EvaluatorReport.status == OPEN,
            EvaluatorReport.version == version,
        )
        .values(
            status=CLOSED,
            resolved_at=utcnow(),
            resolved_by_id=actor.id,
            resolution=reason,
            version=version + 1,
        ),
        str(ALREADY_HANDLED),
    )
    audit.record("evaluator_report.close", row, actor=actor, summary={"reason": reason})
    notify(
        row.employee_id,
        "evaluator_report_closed",
        endpoint="plans.my_plan",
        params={"reason": reason},
        obj=row,
        actor_id=actor.id,
    )
    db.session.expire(row)
