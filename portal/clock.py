"""The agency's calendar: today's date in the portal's time zone, and public holidays."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

DEFAULT_ZONE = "Asia/Jakarta"
DEFAULT_HOLIDAYS = Path(__file__).parent / "data" / "holidays.json"


def zone() -> ZoneInfo:
    name = (
        current_app.config.get("BABEL_DEFAULT_TIMEZONE", DEFAULT_ZONE)
        if has_app_context()
        else DEFAULT_ZONE
    )
    return ZoneInfo(name)


def today() -> date:
    """Today in the agency's time zone (a server in UTC must not move the date at 07.00)."""
    return datetime.now(zone()).date()


def local_date(moment: datetime) -> date:
    return moment.astimezone(zone()).date()


@cache
def _load_holidays(path: str) -> dict[date, str]:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return {date.fromisoformat(day): name for day, name in data.items()}


def holidays() -> dict[date, str]:
    """Public holidays and collective leave (``PORTAL_HOLIDAYS_FILE``, JSON ``{date: name}``)."""
    path = DEFAULT_HOLIDAYS
    if has_app_context():
        path = current_app.config.get("PORTAL_HOLIDAYS_FILE") or DEFAULT_HOLIDAYS
    return _load_holidays(str(path))


def is_working_day(day: date) -> bool:
    """Monday to Friday and not a public holiday or collective leave (:func:`holidays`)."""
    return day.weekday() < 5 and day not in holidays()


def add_working_days(day: date, count: int) -> date:
    """The working day ``count`` working days after ``day`` (before it when negative);
    ``day`` itself is not counted, so ``add_working_days(friday, 1)`` is the Monday."""
    step = 1 if count >= 0 else -1
    left = abs(count)
    while left:
        day += timedelta(days=step)
        if is_working_day(day):
            left -= 1
    return day


def working_days_between(start: date, end: date) -> int:
    """How many working days come after ``start`` up to and including ``end`` (0 when
    ``end`` is not after ``start``): how long something done on ``start`` has waited."""
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        count += is_working_day(day)
    return count
