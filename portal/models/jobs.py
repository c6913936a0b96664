"""Background jobs (e.g. all letters of a unit as one PDF).

State and progress live here, in the database, so any web worker can answer the
progress poll, and a job whose worker died is noticed by its stale heartbeat and
run again — never lost, never run twice at once (a claim is a compare-and-swap).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.models.types import UTCDateTime, utcnow


class Job(db.Model):
    __tablename__ = "job"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(10), default="queued", index=True)
    progress: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(default=0)
    attempts: Mapped[int] = mapped_column(default=0)
    claim: Mapped[str | None] = mapped_column(String(40))
    result_name: Mapped[str | None] = mapped_column(String(120))
    error: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("employee.id"), index=True)
    instansi_id: Mapped[int] = mapped_column(ForeignKey("instansi.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def percent(self) -> int:
        return int(100 * self.progress / self.total) if self.total else 0
