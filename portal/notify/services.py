"""Marking notifications read: the recipient's own, idempotent (a second click changes
nothing and is no error)."""

from __future__ import annotations

from sqlalchemy import update

from portal import audit
from portal.extensions import db
from portal.models import Employee, Notification
from portal.models.types import utcnow


def mark_read(notification: Notification, user: Employee) -> bool:
    """Whether this call marked it (False: it was read already)."""
    changed = db.session.execute(
        update(Notification)
        .where(Notification.id == notification.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    ).rowcount
    if changed:
        audit.record("notification.read", notification, actor=user, instansi_id=user.instansi_id)
    db.session.expire(notification)
    return bool(changed)


def mark_all_read(user: Employee, upto: int) -> int:
    """Every unread notification of ``user`` up to id ``upto``; returns how many."""
    changed = db.session.execute(
        update(Notification)
        .where(
            Notification.recipient_id == user.id,
            Notification.read_at.is_(None),
            Notification.id <= upto,
        )
        .values(read_at=utcnow())
    ).rowcount
    if changed:
        audit.record(
            "notification.read_all",
            user,
            actor=user,
            summary={"upto": upto, "count": changed},
        )
    return changed
