"""The inbox of one person and its badge count, from every source."""

from __future__ import annotations

from datetime import date

from sqlalchemy import literal, select

from portal import clock
from portal.extensions import db
from portal.inbox.items import Inbox, grouped
from portal.inbox.sources import SOURCES
from portal.models import Employee


def inbox(user: Employee, today: date | None = None) -> Inbox:
    today = today or clock.today()
    return grouped([item for source in SOURCES for item in source.items(user, today)])


def count(user: Employee, today: date | None = None) -> int:
    """Everything the inbox would list, in one statement (the badge rides along with
    many responses)."""
    today = today or clock.today()
    total = literal(0)
    for source in SOURCES:
        total = total + source.count(user, today)
    return int(db.session.scalar(select(total)) or 0)
