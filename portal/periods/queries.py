"""Read models about periods that other areas use."""

from __future__ import annotations

from sqlalchemy import select

from portal.extensions import db
from portal.models import Period
from portal.models.periods import PeriodStatus


def upcoming_period(instansi_id: int) -> Period | None:
    """The instansi's earliest period that is prepared but not yet open."""
    return db.session.scalar(
        select(Period)
        .where(Period.instansi_id == instansi_id, Period.status == PeriodStatus.DRAFT)
        .order_by(Period.start_date)
        .limit(1)
    )
