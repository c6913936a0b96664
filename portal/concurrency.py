"""The one compare-and-swap: an UPDATE guarded by the row's expected state and version.

Two people acting on the same row at once: exactly one UPDATE matches, the other finds
no row (PostgreSQL, after waiting for the first) or — on SQLite, whose readers hold a
snapshot — is refused as "database is locked". Both mean the same lost race and raise
:class:`Conflict` (HTTP 409); the caller rolls back and shows the fresh state.
"""

from __future__ import annotations

from sqlalchemy import Update
from sqlalchemy.exc import OperationalError

from portal.errors import Conflict
from portal.extensions import db


def is_lock_conflict(exc: OperationalError) -> bool:
    text = str(exc.orig).lower()
    return "locked" in text or "busy" in text or "could not serialize" in text


def compare_and_swap(statement: Update, lost: str) -> None:
    """Execute the guarded UPDATE; raise :class:`Conflict` with ``lost`` unless exactly
    one row changed."""
    try:
        result = db.session.execute(statement.execution_options(synchronize_session=False))
    except OperationalError as exc:
        if is_lock_conflict(exc):
            raise Conflict(lost) from exc
        raise
    if result.rowcount != 1:
        raise Conflict(lost)
