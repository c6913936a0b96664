"""The planning side of the inbox: one's own drafts (and revision requests), the
subordinates' targets to discuss and approve, and one's own targets ready to report."""

from __future__ import annotations

from datetime import date

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import contains_eager

from portal.extensions import db
from portal.inbox.items import InboxItem
from portal.models import Employee, Period, Target, WorkEntry
from portal.models.evaluations import excluded_by_final_evaluation
from portal.models.periods import PeriodStatus
from portal.models.reports import EntryStatus
from portal.numbers import thousands
from portal.plans.queries import revision_reasons
from workflows.states import APPROVED, DISCUSSED, DRAFTED

DRAFTS = _l("Draf target Anda yang belum diajukan")
TO_REVIEW = _l("Target bawahan untuk dibahas dan disetujui")
READY = _l("Target Anda yang siap dilaporkan")


def _open_periods():
    return select(Period.id).where(Period.status == PeriodStatus.OPEN)


def _accepted(target):
    return (
        select(func.coalesce(func.sum(WorkEntry.quantity), 0))
        .where(WorkEntry.target_id == target.id, WorkEntry.status == EntryStatus.ACCEPTED)
        .scalar_subquery()
    )


def _ready(user_id: int, today: date):
    """One's approved targets whose reporting is finished (``reporting_finished``): the
    period has ended, or the accepted quantity has reached the annual target."""
    return and_(
        Target.owner_id == user_id,
        Target.state == APPROVED,
        ~excluded_by_final_evaluation(Target.id),  # closed by the evaluation, reported or not
        or_(Period.end_date < today, _accepted(Target) >= Target.quantity),
    )


def _waiting(user_id: int):
    return or_(
        and_(Target.owner_id == user_id, Target.state == DRAFTED),
        and_(Target.evaluator_id == user_id, Target.state == DISCUSSED),
    )


def count(user: Employee, today: date):
    return (
        select(func.count())
        .select_from(Target)
        .join(Period, Period.id == Target.period_id)
        .where(
            Period.status == PeriodStatus.OPEN,
            or_(_waiting(user.id), _ready(user.id, today)),
        )
        .scalar_subquery()
    )


def items(user: Employee, today: date) -> list[InboxItem]:
    targets = db.session.scalars(
        select(Target)
        .join(Period, Period.id == Target.period_id)
        .join(Employee, Employee.id == Target.owner_id)
        .where(
            Period.status == PeriodStatus.OPEN,
            or_(_waiting(user.id), _ready(user.id, today)),
        )
        # The inbox lists titles, owners and periods: no card graph.
        .options(contains_eager(Target.period), contains_eager(Target.owner))
        .order_by(Employee.name, Target.owner_id, Target.period_id, Target.position, Target.id)
    ).all()
    own_drafts = [t for t in targets if t.owner_id == user.id and t.state == DRAFTED]
    reasons = revision_reasons([t.id for t in own_drafts])
    review = [t for t in targets if t.evaluator_id == user.id and t.state == DISCUSSED]
    ready = [t for t in targets if t.owner_id == user.id and t.state == APPROVED]
    return [
        *(_review_item(t) for t in review),
        *(_draft_item(t, reasons.get(t.id)) for t in own_drafts),
        *(_ready_item(t) for t in ready),
    ]


def _review_item(target: Target) -> InboxItem:
    detail = f"{thousands(target.quantity)} {target.quantity_unit}"
    if not target.aligned:
        detail += " · " + _("Belum selaras")
    return InboxItem(
        section=str(TO_REVIEW),
        title=target.title,
        detail=detail,
        url=url_for("plans.target", target_id=target.id),
        action=_("Bahas dan setujui"),
        key=f"target-{target.id}",
        group=f"{target.owner.display_name} — {target.period.name}",
        group_url=url_for("plans.plan", period_id=target.period_id, employee_id=target.owner_id),
    )


def _draft_item(target: Target, revision) -> InboxItem:
    return InboxItem(
        section=str(DRAFTS),
        title=target.title,
        detail=target.period.name,
        url=url_for("plans.target", target_id=target.id),
        action=_("Perbaiki lalu ajukan") if revision else _("Lengkapi lalu ajukan"),
        key=f"target-{target.id}",
        note=_("Diminta perbaikan: %(reason)s", reason=revision.reason) if revision else "",
    )


def _ready_item(target: Target) -> InboxItem:
    return InboxItem(
        section=str(READY),
        title=target.title,
        detail=target.period.name,
        url=url_for("plans.target", target_id=target.id),
        action=_("Kirim realisasi untuk evaluasi"),
        key=f"target-{target.id}",
    )
