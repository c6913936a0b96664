"""One line of the inbox, as every source returns it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class InboxItem:
    section: str  # the heading, translated
    title: str
    detail: str
    url: str
    action: str  # the button's text
    due: date | None = None
    overdue: bool = False
    count: int = 1
