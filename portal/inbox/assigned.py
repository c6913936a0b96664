"""The ketua tim's side of the inbox: the RHK they assigned (*penugasan dari*) that are
in discussion, waiting for their feedback beside the evaluator's decision."""

from __future__ import annotations

from datetime import date

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, select
from sqlalchemy.orm import contains_eager

from portal.extensions import db
from portal.inbox.items import InboxItem
from portal.models import Employee, Period, Target
from portal.models.periods import PeriodStatus
from portal.numbers import thousands
from workflows.states import DISCUSSED

ASSIGNED = _l("Target penugasan tim kerja untuk diberi umpan balik")


def _waiting(user_id: int):
    return and_(
        Target.assigned_by_id == user_id,
        Target.state == DISCUSSED,
        Period.status == PeriodStatus.OPEN,
    )


def count(user: Employee, today: date):
    return (
        select(func.count())
        .select_from(Target)
        .join(Period, Period.id == Target.period_id)
        .where(_waiting(user.id))
        .scalar_subquery()
    )


def items(user: Employee, today: date) -> list[InboxItem]:
    targets = db.session.scalars(
        select(Target)
        .join(Period, Period.id == Target.period_id)
        .join(Employee, Employee.id == Target.owner_id)
        .where(_waiting(user.id))
        .options(contains_eager(Target.period), contains_eager(Target.owner))
        .order_by(Employee.name, Target.owner_id, Target.period_id, Target.position, Target.id)
    ).all()
    return [
        InboxItem(
            section=str(ASSIGNED),
            title=target.title,
            # The owner and period in the detail, not as a group heading: the ketua
            # tim sees the target, not the rest of the member's plan.
            detail=f"{target.owner.display_name} · {target.period.name} · "
            f"{thousands(target.quantity)} {target.quantity_unit}",
            url=url_for("plans.target", target_id=target.id),
            action=_("Beri umpan balik"),
            key=f"assigned-{target.id}",
        )
        for target in targets
    ]
