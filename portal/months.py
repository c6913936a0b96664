"""The months of a period, counted from 1 (the period's first month).

Pure date arithmetic: no model, no database. A period is anything with the bounds of
:class:`PeriodBounds` (``portal.models.Period`` has them).
"""

from __future__ import annotations

import calendar
from datetime import date
from typing import Protocol

from flask_babel import format_date


class PeriodBounds(Protocol):
    """What the month arithmetic reads of a period."""

    @property
    def start_date(self) -> date: ...

    @property
    def end_date(self) -> date: ...

    @property
    def month_count(self) -> int: ...

    @property
    def report_deadline_day(self) -> int: ...


def month_index(period: PeriodBounds, day: date) -> int:
    """The month of ``day`` counted from the period's start (1 = first month)."""
    return (day.year - period.start_date.year) * 12 + day.month - period.start_date.month + 1


def month_of(period: PeriodBounds, day: date) -> int:
    """Like :func:`month_index`, clamped to the period."""
    return max(1, min(period.month_count, month_index(period, day)))


def elapsed_months(period: PeriodBounds, today: date) -> int:
    """How many of the period's months have begun by ``today`` (all, once it has ended)."""
    if today > period.end_date:
        return period.month_count
    return max(0, min(period.month_count, month_index(period, today)))


def ended_months(period: PeriodBounds, today: date) -> int:
    """How many of the period's months are over by ``today`` (their monthly report may be
    submitted): the months before today's."""
    if today > period.end_date:
        return period.month_count
    return max(0, min(period.month_count, month_index(period, today) - 1))


def month_start(period: PeriodBounds, month: int) -> date:
    index = period.start_date.month - 1 + month - 1
    return date(period.start_date.year + index // 12, index % 12 + 1, 1)


def month_end(period: PeriodBounds, month: int) -> date:
    start = month_start(period, month)
    return start.replace(day=calendar.monthrange(start.year, start.month)[1])


def month_label(period: PeriodBounds, month: int) -> str:
    """Month ``month`` of the period as "Jan 2026"."""
    return format_date(month_start(period, month), "MMM y")


def report_deadline(period: PeriodBounds, month: int) -> date:
    """Reports of month ``month`` are due on the deadline day of the following month."""
    return month_start(period, month + 1).replace(day=period.report_deadline_day)
