"""Writing the audit log. Services call :func:`record`; the request commits once."""

from __future__ import annotations

from typing import Any

from blinker import Namespace
from flask import has_request_context, request
from flask_login import current_user

from portal.extensions import db
from portal.models import AuditEvent, Employee, Evaluation, Plan, Target, WorkEntry

recorded = Namespace().signal(
    "audit-recorded",
    doc="""An audit row was added to the session (not flushed yet).

    Sent with the ``AuditEvent`` as the sender and the keyword ``obj`` (the object the
    event is about). A receiver runs inside the change's transaction: what it adds
    commits or rolls back with the change (the notifications, portal.notify.events).
    """,
)


def record(
    action: str,
    obj: Any = None,
    *,
    summary: dict | None = None,
    actor: Employee | None = None,
    instansi_id: int | None = None,
) -> AuditEvent:
    """Add an audit row for ``action`` on ``obj`` (any model with an ``id``).

    The actor defaults to the signed-in user; IP and user agent come from the request.
    """
    if actor is None and has_request_context() and current_user.is_authenticated:
        actor = current_user._get_current_object()
    if instansi_id is None:
        instansi_id = getattr(obj, "instansi_id", None) or getattr(actor, "instansi_id", None)
    event = AuditEvent(
        actor_id=actor.id if actor is not None else None,
        instansi_id=instansi_id,
        action=action,
        object_type=type(obj).__name__ if obj is not None else None,
        object_id=getattr(obj, "id", None),
        subject_id=subject_of(obj),
        summary=summary or {},
    )
    if has_request_context():
        event.ip = request.remote_addr
        event.user_agent = (request.user_agent.string or "")[:300]
    db.session.add(event)
    recorded.send(event, obj=obj)
    return event


# Where each kind of object keeps the employee whose data it is.
SUBJECT_ATTRIBUTES = ("owner_id", "employee_id")
# Objects that belong to another one (evidence and history to an entry, a rating or a
# comment to a target, a letter to an evaluation): the parent's subject is theirs.
PARENT_KEYS = (
    ("entry_id", WorkEntry),
    ("target_id", Target),
    ("evaluation_id", Evaluation),
    ("plan_id", Plan),
)


def subject_of(obj: Any) -> int | None:
    """The employee an object's data belongs to: the employee themself, the owner of a
    plan, target, entry, evaluation or follow-up item, or the owner of the object a
    comment, rating, piece of evidence, history row or letter belongs to."""
    if obj is None:
        return None
    if isinstance(obj, Employee):
        return obj.id
    for attribute in SUBJECT_ATTRIBUTES:
        value = getattr(obj, attribute, None)
        if value is not None:
            return value
    for key, model in PARENT_KEYS:
        parent_id = getattr(obj, key, None)
        if parent_id is not None:
            # The parent is nearly always in the session already: then no query.
            return subject_of(db.session.get(model, parent_id))
    return None
