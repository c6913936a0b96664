"""Marking notifications read (the recipient's own, idempotent: a second click changes
nothing and is no error), and a person's mail preferences."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from portal import audit
from portal.extensions import db
from portal.models import Employee, Notification, NotificationPreference
from portal.models.notifications import MODE_IMMEDIATE
from portal.models.types import utcnow
from portal.notify.kinds import GROUPS


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


def preferences(user: Employee) -> dict[str, str]:
    """The person's mode for each group they may choose for (no row: immediately)."""
    chosen = {
        row.kind: row.mode
        for row in db.session.scalars(
            select(NotificationPreference).where(NotificationPreference.employee_id == user.id)
        )
    }
    return {key: chosen.get(key, MODE_IMMEDIATE) for key, g in GROUPS.items() if not g.always}


def save_preferences(
    user: Employee, modes: dict[str, str], quiet: tuple[int | None, int | None]
) -> dict:
    """Store the person's choices; returns what changed (audited when anything did)."""
    before = preferences(user)
    rows = {
        row.kind: row
        for row in db.session.scalars(
            select(NotificationPreference).where(NotificationPreference.employee_id == user.id)
        )
    }
    changes: dict[str, list] = {}
    for key, mode in modes.items():
        if key not in before:
            continue  # a group that is always mailed, or none at all
        if before[key] != mode:
            changes[key] = [before[key], mode]
        row = rows.get(key)
        if row is None:
            try:  # the same save from a second tab may insert it at the same moment
                with db.session.begin_nested():
                    db.session.add(NotificationPreference(employee_id=user.id, kind=key, mode=mode))
            except IntegrityError:
                db.session.execute(
                    update(NotificationPreference)
                    .where(
                        NotificationPreference.employee_id == user.id,
                        NotificationPreference.kind == key,
                    )
                    .values(mode=mode)
                )
        else:
            row.mode = mode
    if (user.quiet_start, user.quiet_end) != quiet:
        changes["quiet_hours"] = [[user.quiet_start, user.quiet_end], list(quiet)]
        user.quiet_start, user.quiet_end = quiet
    if changes:
        db.session.flush()
        audit.record(
            "notification.preferences",
            user,
            actor=user,
            summary={"changes": changes},
        )
    return changes
