"""The append-only audit log. Every state change and auth event writes a row.

The database itself refuses to change or delete a row: triggers on PostgreSQL and on
SQLite (created with the table, and by the migration) abort any UPDATE or DELETE, and
on PostgreSQL any TRUNCATE, whoever issues it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DDL, JSON, ForeignKey, Index, String, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.types import UTCDateTime, utcnow


class AuditEvent(db.Model):
    __tablename__ = "audit_event"
    # The viewer's pages: one instansi's events, or one employee's (their own trail),
    # newest first and keyset-paginated on (occurred_at, id); and one object's history.
    __table_args__ = (
        Index("ix_audit_event_instansi_time", "instansi_id", "occurred_at", "id"),
        Index("ix_audit_event_subject_time", "subject_id", "occurred_at", "id"),
        Index("ix_audit_event_object", "object_type", "object_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("employee.id"), index=True)
    # The instansi the event belongs to, so admins see their own agency's trail only.
    instansi_id: Mapped[int | None] = mapped_column(ForeignKey("instansi.id"))
    # The employee whose data the event is about (their account, plan, targets, entries,
    # evaluation...): what they see as their own audit trail.
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("employee.id"))
    action: Mapped[str] = mapped_column(String(60), index=True)
    object_type: Mapped[str | None] = mapped_column(String(40))
    object_id: Mapped[int | None]
    summary: Mapped[dict] = mapped_column(JSON, default=dict)
    ip: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(300))

    actor = relationship("Employee", foreign_keys=[actor_id])
    subject = relationship("Employee", foreign_keys=[subject_id])


APPEND_ONLY = "audit_event is append-only"

SQLITE_TRIGGERS = {
    "audit_event_no_update": (
        "CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event "
        f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END"
    ),
    "audit_event_no_delete": (
        "CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event "
        f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END"
    ),
}

POSTGRES_FUNCTION = (
    "CREATE OR REPLACE FUNCTION audit_event_refuse() RETURNS trigger LANGUAGE plpgsql AS $$ "
    f"BEGIN RAISE EXCEPTION USING MESSAGE = '{APPEND_ONLY}: ' || TG_OP || ' refused', "
    "ERRCODE = 'insufficient_privilege'; END $$"
)
POSTGRES_TRIGGERS = {
    "audit_event_no_change": (
        "CREATE TRIGGER audit_event_no_change BEFORE UPDATE OR DELETE ON audit_event "
        "FOR EACH ROW EXECUTE FUNCTION audit_event_refuse()"
    ),
    "audit_event_no_truncate": (
        "CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_event_refuse()"
    ),
}


def immutability_ddl(dialect: str) -> list[str]:
    """The statements that make ``audit_event`` append-only on this dialect."""
    if dialect == "postgresql":
        return [POSTGRES_FUNCTION, *POSTGRES_TRIGGERS.values()]
    if dialect == "sqlite":
        return list(SQLITE_TRIGGERS.values())
    return []


for _dialect in ("postgresql", "sqlite"):
    for _statement in immutability_ddl(_dialect):
        event.listen(
            AuditEvent.__table__,
            "after_create",
            DDL(_statement.replace("%", "%%")).execute_if(dialect=_dialect),
        )
