"""The personnel admin's inbox: work stuck for want of an (active) evaluator, and work
left waiting longer than ``PORTAL_INBOX_OVERDUE_DAYS`` anywhere in the instansi."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from flask import current_app, url_for
from flask_babel import format_date, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, literal, or_, select
from sqlalchemy.orm import aliased, joinedload

from portal import clock, policy
from portal.extensions import db
from portal.inbox.items import InboxItem
from portal.models import Employee, Evaluation, EvaluatorReport, Period, Target, WorkEntry
from portal.models.periods import PeriodStatus
from portal.policy import Action
from workflows.states import APPROVED, DISCUSSED, DRAFTED, REPORTED

STUCK = _l("Pekerjaan yang tertahan karena tidak ada penilai aktif")
OVERDUE = _l("Pekerjaan yang menunggu terlalu lama")
WRONG_EVALUATOR = _l("Laporan pegawai: pejabat penilai salah")
# The states in which a target still needs its evaluator.
OPEN_STATES = (DRAFTED, DISCUSSED, APPROVED, REPORTED)

_EVALUATOR = aliased(Employee)


def _is_admin(user: Employee) -> bool:
    return policy.can(user, Action.MANAGE_EMPLOYEE, user.instansi)


def _stuck(instansi_id: int):
    """Open targets of open periods whose evaluator is missing or no longer active."""
    return (
        select(Target.evaluator_id, func.count().label("n"), func.min(Target.id).label("first"))
        .join(Period, Period.id == Target.period_id)
        .outerjoin(_EVALUATOR, _EVALUATOR.id == Target.evaluator_id)
        .where(
            Target.instansi_id == instansi_id,
            Period.status == PeriodStatus.OPEN,
            Target.state.in_(OPEN_STATES),
            or_(Target.evaluator_id.is_(None), _EVALUATOR.active.is_(False)),
        )
        .group_by(Target.evaluator_id)
    )


def _cutoff(today: date) -> datetime:
    """The start of the day ``PORTAL_INBOX_OVERDUE_DAYS`` before today: what has waited
    since before then is late (by days, so that the badge's statement holds all day)."""
    days = int(current_app.config.get("PORTAL_INBOX_OVERDUE_DAYS", 7))
    return datetime.combine(today - timedelta(days=days), time.min, clock.zone()).astimezone(UTC)


def _late_counts(instansi_id: int, today: date):
    """Entries unverified, targets undiscussed and objections undecided for longer than
    the threshold: three counts."""
    cutoff = _cutoff(today)
    entries = (
        select(func.count())
        .select_from(WorkEntry)
        .where(
            WorkEntry.instansi_id == instansi_id,
            WorkEntry.is_pending(),
            WorkEntry.created_at < cutoff,
        )
        .scalar_subquery()
    )
    targets = (
        select(func.count())
        .select_from(Target)
        .join(Period, Period.id == Target.period_id)
        .where(
            Target.instansi_id == instansi_id,
            Period.status == PeriodStatus.OPEN,
            Target.state == DISCUSSED,
            Target.updated_at < cutoff,
        )
        .scalar_subquery()
    )
    objections = (
        select(func.count())
        .select_from(Evaluation)
        .where(
            Evaluation.instansi_id == instansi_id,
            Evaluation.objection_status == "open",
            Evaluation.responded_at < cutoff,
        )
        .scalar_subquery()
    )
    return entries, targets, objections


def _reports(instansi_id: int):
    """Open "pejabat penilai salah" reports of the instansi's people."""
    return select(EvaluatorReport).where(
        EvaluatorReport.instansi_id == instansi_id, EvaluatorReport.status == "open"
    )


def count(user: Employee, today: date):
    if not _is_admin(user):
        return literal(0)
    stuck = _stuck(user.instansi_id).subquery()
    entries, targets, objections = _late_counts(user.instansi_id, today)
    reports = _reports(user.instansi_id).subquery()
    return (
        select(func.coalesce(func.sum(stuck.c.n), 0)).scalar_subquery()
        + entries
        + targets
        + objections
        + select(func.count()).select_from(reports).scalar_subquery()
    )


def items(user: Employee, today: date) -> list[InboxItem]:
    if not _is_admin(user):
        return []
    stuck = _stuck(user.instansi_id).subquery()
    groups = db.session.execute(
        select(stuck.c.n, stuck.c.first, Employee)
        .outerjoin(Employee, Employee.id == stuck.c.evaluator_id)
        .order_by(Employee.name.nulls_first())
    ).all()
    late = db.session.execute(select(*_late_counts(user.instansi_id, today))).one()
    reports = db.session.scalars(
        _reports(user.instansi_id)
        .options(joinedload(EvaluatorReport.employee))
        .order_by(EvaluatorReport.created_at)
    ).all()
    days = int(current_app.config.get("PORTAL_INBOX_OVERDUE_DAYS", 7))
    return [
        *(_report_item(r) for r in reports),
        *(_stuck_item(n, first, evaluator) for n, first, evaluator in groups),
        *_late_items(late, days),
    ]


def _report_item(report: EvaluatorReport) -> InboxItem:
    return InboxItem(
        section=str(WRONG_EVALUATOR),
        title=report.employee.display_name,
        detail=_("Dilaporkan %(day)s", day=format_date(clock.local_date(report.created_at))),
        url=url_for("reassign.supervisor", employee_id=report.employee_id),
        action=_("Periksa atasannya"),
        key=f"evaluator-report-{report.id}",
        note=report.note,
    )


def _stuck_item(n: int, first_target_id: int, evaluator: Employee | None) -> InboxItem:
    targets = ngettext("%(num)s target", "%(num)s target", n)
    if evaluator is None:
        return InboxItem(
            section=str(STUCK),
            title=_("Target tanpa penilai"),
            detail=targets,
            url=url_for("reassign.target", target_id=first_target_id),
            action=_("Tetapkan penilai"),
            count=n,
            key="stuck-none",
        )
    return InboxItem(
        section=str(STUCK),
        title=_("Penilai tidak aktif: %(name)s", name=evaluator.display_name),
        detail=targets,
        url=url_for("reassign.handover", employee_id=evaluator.id),
        action=_("Alihkan pekerjaannya"),
        count=n,
        key=f"stuck-{evaluator.id}",
    )


def _late_items(late, days: int) -> list[InboxItem]:
    entries, targets, objections = late
    texts = (
        (
            entries,
            "entries",
            ngettext(
                "%(num)s laporan harian belum diverifikasi lebih dari %(days)s hari",
                "%(num)s laporan harian belum diverifikasi lebih dari %(days)s hari",
                entries,
                days=days,
            ),
        ),
        (
            targets,
            "targets",
            ngettext(
                "%(num)s target dalam pembahasan lebih dari %(days)s hari",
                "%(num)s target dalam pembahasan lebih dari %(days)s hari",
                targets,
                days=days,
            ),
        ),
        (
            objections,
            "objections",
            ngettext(
                "%(num)s keberatan belum diputuskan lebih dari %(days)s hari",
                "%(num)s keberatan belum diputuskan lebih dari %(days)s hari",
                objections,
                days=days,
            ),
        ),
    )
    return [
        InboxItem(
            section=str(OVERDUE),
            title=text,
            detail=_("Lihat per unit di pemantauan, lalu ingatkan atasan yang bersangkutan."),
            url=url_for("monitoring.dashboard"),
            action=_("Buka pemantauan"),
            overdue=True,
            count=n,
            key=f"late-{kind}",
        )
        for n, kind, text in texts
        if n
    ]
