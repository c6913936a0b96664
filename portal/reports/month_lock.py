"""One month of an employee's reporting, held still while it is judged.

The monthly report's review compares a fingerprint of the month's entries with the one
its screen was drawn from (``monthly_reports.review``). On PostgreSQL a new entry could
otherwise commit between that comparison and the review's own commit: the review takes
the report's row ``FOR UPDATE`` before comparing, and every write of an entry takes it
``FOR SHARE`` first, so one of the two waits for the other and the review compares what
is really there. SQLite serialises writers itself (a writer whose snapshot is stale is
refused, which the app answers with a 409), so it needs no lock and spends no statement.
"""

from __future__ import annotations

from sqlalchemy import select

from portal.extensions import db
from portal.models import MonthlyReport


def _locks() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def hold(employee_id: int, period_id: int, months: set[int], *, exclusive: bool = False) -> None:
    """Lock the employee's reports of ``months`` (those that exist) for this transaction."""
    if not _locks() or not months:
        return
    db.session.execute(
        select(MonthlyReport.id)
        .where(
            MonthlyReport.employee_id == employee_id,
            MonthlyReport.period_id == period_id,
            MonthlyReport.month.in_(sorted(months)),
        )
        .order_by(MonthlyReport.id)
        .with_for_update(read=not exclusive)
    )
