"""The sub-periods of a period: the months, quarters or semesters its cadence makes.

Pure date arithmetic on top of :mod:`portal.months`: no database. Sub-periods are counted
from 1; with the default cadence (triwulanan) sub-period 1 is months 1–3, 2 is months
4–6 and so on. A period whose length is not a multiple of the cadence ends with a shorter
sub-period (a 10-month period has quarters of 3, 3, 3 and 1 months).

A periodic evaluation is possible once its sub-period has ended, and is **due**
:data:`DUE_DAYS` days after that end (``PORTAL_PERIODIC_DUE_DAYS``): two weeks after the
last month, about the report deadline of that month plus a week. After the due date it
is **overdue**, and flagged to the evaluator and the admin.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Protocol

from flask_babel import lazy_gettext as _l

from portal import months
from portal.models.periods import Cadence

#: Days after a sub-period's end by which its periodic evaluations are due.
DUE_DAYS = 14

_ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")


class CadencedPeriod(months.PeriodBounds, Protocol):
    @property
    def cadence(self) -> Cadence: ...


def span(period: CadencedPeriod) -> int:
    return Cadence(period.cadence).months


def count(period: CadencedPeriod) -> int:
    """How many sub-periods the period has."""
    return -(-period.month_count // span(period))


def month_range(period: CadencedPeriod, sub_period: int) -> range:
    """The period's months (counted from 1) that make up ``sub_period``."""
    first = (sub_period - 1) * span(period) + 1
    return range(first, min(first + span(period), period.month_count + 1))


def start(period: CadencedPeriod, sub_period: int) -> date:
    return months.month_start(period, month_range(period, sub_period)[0])


def end(period: CadencedPeriod, sub_period: int) -> date:
    return months.month_end(period, month_range(period, sub_period)[-1])


def last_month(period: CadencedPeriod, sub_period: int) -> int:
    return month_range(period, sub_period)[-1]


def has_ended(period: CadencedPeriod, sub_period: int, today: date) -> bool:
    return today > end(period, sub_period)


def ended(period: CadencedPeriod, today: date) -> list[int]:
    """The sub-periods that have ended by ``today``, in order."""
    return [n for n in range(1, count(period) + 1) if has_ended(period, n, today)]


def due_date(period: CadencedPeriod, sub_period: int, due_days: int = DUE_DAYS) -> date:
    return end(period, sub_period) + timedelta(days=due_days)


def is_overdue(
    period: CadencedPeriod, sub_period: int, today: date, due_days: int = DUE_DAYS
) -> bool:
    return today > due_date(period, sub_period, due_days)


def label(period: CadencedPeriod, sub_period: int) -> str:
    """ "Triwulan II", "Semester I" or the month ("Apr 2026")."""
    cadence = Cadence(period.cadence)
    if cadence == Cadence.BULANAN:
        return months.month_label(period, sub_period)
    name = _l("Triwulan") if cadence == Cadence.TRIWULANAN else _l("Semester")
    return f"{name} {_ROMAN[sub_period - 1]}"
