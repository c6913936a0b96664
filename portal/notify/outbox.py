"""Writing a notification, inside the transaction of the change it tells of."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from portal.extensions import db
from portal.models import Notification
from portal.notify.kinds import KINDS

# Notifications of one transaction that later events add to instead of repeating (a
# handover of forty targets is one notification, "40 target dialihkan kepada Anda").
_COALESCED = "notify_coalesced"


def notify(
    recipient_id: int | None,
    kind: str,
    *,
    endpoint: str,
    args: dict | None = None,
    params: dict | None = None,
    obj: Any = None,
    actor_id: int | None = None,
    instansi_id: int | None = None,
    dedup_key: str | None = None,
    coalesce: bool = False,
) -> Notification | None:
    """Add a notification for ``recipient_id`` to the session (nobody is told of their own
    act). With ``coalesce``, a second one of the same kind to the same person in the same
    transaction adds to the first one's ``count`` instead."""
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    if recipient_id is None or recipient_id == actor_id:
        return None
    session = db.session()
    key = (recipient_id, kind)
    if coalesce:
        earlier = session.info.setdefault(_COALESCED, {}).get(key)
        if earlier is not None:
            earlier.params = {**earlier.params, "count": earlier.params.get("count", 1) + 1}
            return earlier
    notification = Notification(
        recipient_id=recipient_id,
        kind=kind,
        endpoint=endpoint,
        endpoint_args=args or {},
        params={"count": 1, **(params or {})} if coalesce else (params or {}),
        object_type=type(obj).__name__ if obj is not None else None,
        object_id=getattr(obj, "id", None),
        actor_id=actor_id,
        instansi_id=instansi_id if instansi_id is not None else getattr(obj, "instansi_id", None),
        dedup_key=dedup_key,
    )
    session.add(notification)
    if coalesce:
        session.info[_COALESCED][key] = notification
    return notification


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _transaction_over(session: Session) -> None:
    session.info.pop(_COALESCED, None)
