"""The periodic evaluation's inbox source ("Perlu tindakan", ``portal.inbox``).

- **evaluator**: per period and ended sub-period, the subordinates whose periodic
  evaluation is not finished yet (overdue ones flagged: ``subperiods.due_date``);
- **employee**: finished results to acknowledge;
- **admin**: per period and sub-period, the evaluations of the instansi still not
  finished past their due date.

:func:`items` costs the same number of statements however many wait (three for an
evaluator, one for the employee, two more for an admin); :func:`count` is the same sums
as one scalar subquery for the badge. A sub-period ``n`` has ended once the months since
the period's start reach ``n × span`` (the period's months begin on the 1st and end on
the last day), which the database computes from the period's start, end and cadence.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from flask import url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import ColumnElement, Integer, and_, case, cast, extract, func, select

from portal import policy, subperiods
from portal.extensions import db
from portal.inbox.items import InboxItem
from portal.models import Employee, Period, PeriodicEvaluation, PeriodicStatus, Target
from portal.models.periodic import FINISHED
from portal.models.periods import Cadence, PeriodStatus
from portal.periodic.queries import due_days
from portal.policy import Action
from workflows.states import APPROVED_OR_LATER


def _section_due() -> str:
    return _("Evaluasi periodik")


def _pairs(evaluator_id: int | None = None, instansi_id=None):
    """(owner, period) of approved targets in open periods: by one evaluator, or in one
    instansi."""
    where = [Target.state.in_(APPROVED_OR_LATER), Period.status == PeriodStatus.OPEN]
    if evaluator_id is not None:
        where.append(Target.evaluator_id == evaluator_id)
    if instansi_id is not None:
        where.append(Target.instansi_id == instansi_id)
    return (
        select(Target.owner_id.label("owner_id"), Target.period_id.label("period_id"))
        .join(Period, Period.id == Target.period_id)
        .where(*where)
        .distinct()
    )


def _ended_sql(day: date) -> ColumnElement[int]:
    """How many of a period's sub-periods have ended by ``day``, in SQL."""

    def ym(column):
        return cast(extract("year", column), Integer) * 12 + cast(extract("month", column), Integer)

    elapsed = (day.year * 12 + day.month) - ym(Period.start_date)
    months = ym(Period.end_date) - ym(Period.start_date) + 1
    span = case(
        *((Period.cadence == c.value, c.months) for c in Cadence), else_=Cadence.TRIWULANAN.months
    )
    return case(
        (elapsed >= months, (months + span - 1) // span),
        (elapsed < 0, 0),
        else_=elapsed // span,
    )


def _pending_sql(pairs, day: date) -> ColumnElement[int]:
    """Σ over the (owner, period) ``pairs`` of the sub-periods ended by ``day`` that have
    no finished periodic evaluation."""
    pairs = pairs.subquery()
    ended = _ended_sql(day)
    finished = (
        select(func.count())
        .select_from(PeriodicEvaluation)
        .where(
            PeriodicEvaluation.employee_id == pairs.c.owner_id,
            PeriodicEvaluation.period_id == pairs.c.period_id,
            PeriodicEvaluation.status.in_(FINISHED),
            PeriodicEvaluation.sub_period <= ended,
        )
        .correlate(pairs, Period)
        .scalar_subquery()
    )
    return (
        select(func.coalesce(func.sum(ended - finished), 0))
        .select_from(pairs)
        .join(Period, Period.id == pairs.c.period_id)
        .scalar_subquery()
    )


def count(user: Employee, today: date) -> ColumnElement[int]:
    """What :func:`items` counts, as one scalar subquery."""
    to_acknowledge = (
        select(func.count())
        .select_from(PeriodicEvaluation)
        .join(Period, Period.id == PeriodicEvaluation.period_id)
        .where(
            PeriodicEvaluation.employee_id == user.id,
            PeriodicEvaluation.status == PeriodicStatus.FINAL,
            Period.status == PeriodStatus.OPEN,
        )
        .scalar_subquery()
    )
    total = _pending_sql(_pairs(evaluator_id=user.id), today) + to_acknowledge
    if _is_admin(user):
        overdue_day = today - timedelta(days=due_days())
        total = total + _pending_sql(_pairs(instansi_id=user.instansi_id), overdue_day)
    return total


def _is_admin(user: Employee) -> bool:
    return policy.can(user, Action.MANAGE_EMPLOYEE, user.instansi)


def items(user: Employee, today: date) -> list[InboxItem]:
    return [*_due(user, today), *_to_acknowledge(user), *_overdue_for_admin(user, today)]


def _due(user: Employee, today: date) -> list[InboxItem]:
    pairs = _pairs(evaluator_id=user.id).subquery()
    periods = {
        p.id: p
        for p in db.session.scalars(
            select(Period).where(Period.id.in_(select(pairs.c.period_id))).order_by(Period.id)
        )
    }
    people = db.session.execute(
        select(pairs.c.period_id, Employee.id, Employee.name)
        .join(Employee, Employee.id == pairs.c.owner_id)
        .order_by(Employee.name, Employee.id)
    ).all()
    finished = set(
        db.session.execute(
            select(
                PeriodicEvaluation.employee_id,
                PeriodicEvaluation.period_id,
                PeriodicEvaluation.sub_period,
            )
            .join(
                pairs,
                and_(
                    pairs.c.owner_id == PeriodicEvaluation.employee_id,
                    pairs.c.period_id == PeriodicEvaluation.period_id,
                ),
            )
            .where(PeriodicEvaluation.status.in_(FINISHED))
        ).all()
    )
    waiting: dict[tuple[int, int], list[tuple[int, str]]] = defaultdict(list)
    for period_id, employee_id, name in people:
        for n in subperiods.ended(periods[period_id], today):
            if (employee_id, period_id, n) not in finished:
                waiting[period_id, n].append((employee_id, name))
    days = due_days()
    result = []
    for (period_id, n), who in sorted(waiting.items()):
        period = periods[period_id]
        label = subperiods.label(period, n)
        if len(who) == 1:
            link = url_for(
                "periodic.screen", period_id=period_id, employee_id=who[0][0], sub_period=n
            )
        else:
            link = url_for("periodic.team", period_id=period_id)
        names = ", ".join(name for _, name in who[:3]) + (" …" if len(who) > 3 else "")
        result.append(
            InboxItem(
                section=_section_due(),
                title=ngettext(
                    "%(sub)s: %(num)d bawahan menunggu evaluasi periodik",
                    "%(sub)s: %(num)d bawahan menunggu evaluasi periodik",
                    len(who),
                    sub=label,
                ),
                detail=f"{period.name} · {names}",
                url=link,
                action=_("Evaluasi"),
                due=subperiods.due_date(period, n, days),
                overdue=subperiods.is_overdue(period, n, today, days),
                count=len(who),
                key=f"periodic-{period_id}-{n}",
            )
        )
    return result


def _to_acknowledge(user: Employee) -> list[InboxItem]:
    rows = db.session.scalars(
        select(PeriodicEvaluation)
        .join(Period, Period.id == PeriodicEvaluation.period_id)
        .where(
            PeriodicEvaluation.employee_id == user.id,
            PeriodicEvaluation.status == PeriodicStatus.FINAL,
            Period.status == PeriodStatus.OPEN,
        )
        .order_by(PeriodicEvaluation.period_id, PeriodicEvaluation.sub_period)
    ).all()
    return [
        InboxItem(
            section=_("Hasil evaluasi periodik"),
            title=_(
                "Hasil evaluasi periodik %(sub)s: %(predikat)s",
                sub=subperiods.label(e.period, e.sub_period),
                predikat=e.predikat or "—",
            ),
            detail=_("Baca hasil dan umpan balik atasan, lalu nyatakan Anda sudah menerimanya."),
            url=url_for("periodic.mine", period_id=e.period_id),
            action=_("Baca dan terima"),
            key=f"periodic-result-{e.id}",
        )
        for e in rows
    ]


def _overdue_for_admin(user: Employee, today: date) -> list[InboxItem]:
    if not _is_admin(user):
        return []
    days = due_days()
    pairs = _pairs(instansi_id=user.instansi_id).subquery()
    owners = dict(
        db.session.execute(
            select(pairs.c.period_id, func.count()).group_by(pairs.c.period_id)
        ).all()
    )
    if not owners:
        return []
    done = db.session.execute(
        select(PeriodicEvaluation.period_id, PeriodicEvaluation.sub_period, func.count())
        .where(
            PeriodicEvaluation.instansi_id == user.instansi_id,
            PeriodicEvaluation.period_id.in_(list(owners)),
            PeriodicEvaluation.status.in_(FINISHED),
        )
        .group_by(PeriodicEvaluation.period_id, PeriodicEvaluation.sub_period)
    ).all()
    finished = {(period_id, n): k for period_id, n, k in done}
    periods = {p.id: p for p in db.session.scalars(select(Period).where(Period.id.in_(owners)))}
    result = []
    for period_id, period in sorted(periods.items()):
        for n in subperiods.ended(period, today):
            late = owners[period_id] - finished.get((period_id, n), 0)
            if late <= 0 or not subperiods.is_overdue(period, n, today, days):
                continue
            result.append(
                InboxItem(
                    section=_("Evaluasi periodik terlambat"),
                    title=ngettext(
                        "%(sub)s: %(num)d evaluasi periodik belum selesai",
                        "%(sub)s: %(num)d evaluasi periodik belum selesai",
                        late,
                        sub=subperiods.label(period, n),
                    ),
                    detail=_(
                        "%(period)s · batas %(due)s (%(days)s hari setelah subperiode berakhir)",
                        period=period.name,
                        due=f"{subperiods.due_date(period, n, days):%d-%m-%Y}",
                        days=days,
                    ),
                    url=url_for("periodic.late", period_id=period_id),
                    action=_("Lihat daftarnya"),
                    due=subperiods.due_date(period, n, days),
                    overdue=True,
                    count=late,
                    key=f"periodic-late-{period_id}-{n}",
                )
            )
    return result
