"""The agency's calendar: today's date in the portal's time zone, and public holidays."""

from __future__ import annotations

import json
from datetime import date, datetime
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
