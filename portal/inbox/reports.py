"""The reporting side of the inbox: the subordinates' daily entries waiting for
verification, and one's own entries that were rejected and can still be fixed."""

from __future__ import annotations

from datetime import date

from flask import url_for
from flask_babel import format_date, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager

from portal.extensions import db
from portal.inbox.items import InboxItem
from portal.models import Employee, Period, Target, WorkEntry
from portal.models.evaluations import excluded_by_final_evaluation
from portal.models.periods import PeriodStatus
from portal.models.reports import EntryStatus
from workflows.states import APPROVED

TO_VERIFY = _l("Laporan harian untuk diverifikasi")
REJECTED = _l("Laporan harian Anda yang ditolak")


def _pending(user_id: int):
    return (
        select(WorkEntry.owner_id, func.count().label("n"), func.min(WorkEntry.entry_date))
        .join(Target, Target.id == WorkEntry.target_id)
        .where(Target.evaluator_id == user_id, WorkEntry.is_pending())
        .group_by(WorkEntry.owner_id)
    )


def _rejected(user_id: int):
    """Rejected entries the owner can still fix: their target is approved (not yet sent
    for evaluation) in an open period."""
    return (
        select(WorkEntry)
        .join(Target, Target.id == WorkEntry.target_id)
        .join(Period, Period.id == WorkEntry.period_id)
        .where(
            WorkEntry.owner_id == user_id,
            WorkEntry.status == EntryStatus.REJECTED,
            Target.state == APPROVED,
            ~excluded_by_final_evaluation(Target.id),
            Period.status == PeriodStatus.OPEN,
        )
    )


def count(user: Employee, today: date):
    pending = _pending(user.id).subquery()
    rejected = _rejected(user.id).with_only_columns(func.count()).scalar_subquery()
    return select(func.coalesce(func.sum(pending.c.n), 0)).scalar_subquery() + rejected


def items(user: Employee, today: date) -> list[InboxItem]:
    pending = _pending(user.id).subquery()
    waiting = db.session.execute(
        select(Employee, pending.c.n)
        .join(pending, pending.c.owner_id == Employee.id)
        .order_by(Employee.name, Employee.id)
    ).all()
    rejected = db.session.scalars(
        _rejected(user.id)
        .options(contains_eager(WorkEntry.target))
        .order_by(WorkEntry.entry_date, WorkEntry.id)
    ).all()
    return [
        *(
            InboxItem(
                section=str(TO_VERIFY),
                title=employee.display_name,
                detail=ngettext(
                    "%(num)s laporan menunggu verifikasi",
                    "%(num)s laporan menunggu verifikasi",
                    n,
                ),
                url=url_for("reports.queue") + f"#pegawai-{employee.id}",
                action=_("Verifikasi"),
                count=n,
                key=f"employee-{employee.id}",
            )
            for employee, n in waiting
        ),
        *(
            InboxItem(
                section=str(REJECTED),
                title=entry.description[:120],
                detail=f"{format_date(entry.entry_date, 'long')} · {entry.target.title}",
                url=url_for("reports.edit_entry", entry_id=entry.id),
                action=_("Perbaiki dan ajukan ulang"),
                key=f"entry-{entry.id}",
                note=_("Alasan penolakan: %(reason)s", reason=entry.reject_reason),
            )
            for entry in rejected
        ),
    ]
