"""What every reminder rule shares: the reminder itself and the working-day windows."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time

from portal import clock


@dataclass(frozen=True)
class Reminder:
    """One notification to write, unless its ``dedup_key`` was written before."""

    recipient_id: int
    kind: str
    dedup_key: str  # "kind:object:day"
    instansi_id: int
    endpoint: str
    args: dict = field(default_factory=dict)
    params: dict = field(default_factory=dict)
    object_type: str | None = None
    object_id: int | None = None


def window(deadline: date, notice_days: int, today: date) -> bool:
    """Whether ``today`` is within ``notice_days`` working days before ``deadline``."""
    return clock.add_working_days(deadline, -notice_days) <= today <= deadline


def overdue(deadline: date, today: date) -> bool:
    """From the first working day after ``deadline`` on."""
    return today >= clock.add_working_days(deadline, 1)


def start_of(day: date) -> datetime:
    """The first moment (UTC) of ``day`` in the portal's time zone."""
    return datetime.combine(day, time.min, clock.zone()).astimezone(UTC)
