"""A person's notifications as the list shows them, and the unread count (the badge)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import url_for
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import ColumnElement, func, select
from werkzeug.routing import BuildError

from portal.extensions import db
from portal.models import Notification
from portal.notify.kinds import GROUPS, KINDS, text
from portal.pagination import paginate

PER_PAGE = 30


def unread(user_id: int) -> ColumnElement[int]:
    """The unread count as a scalar subquery (the badge statement selects it beside the
    inbox's count)."""
    return (
        select(func.count(Notification.id))
        .where(Notification.recipient_id == user_id, Notification.read_at.is_(None))
        .scalar_subquery()
    )


def unread_count(user_id: int) -> int:
    return int(db.session.scalar(select(unread(user_id))) or 0)


@dataclass(frozen=True)
class NotificationView:
    id: int
    title: str
    detail: str
    group: str
    url: str
    created_at: datetime
    read: bool


def link(notification: Notification, **url_options) -> str:
    """Where the work is handled; the inbox when the place no longer exists."""
    try:
        return url_for(notification.endpoint, **notification.endpoint_args, **url_options)
    except BuildError:
        return url_for("inbox.index", **url_options)


def view(notification: Notification) -> NotificationView:
    kind = KINDS.get(notification.kind)
    params = notification.params or {}
    return NotificationView(
        id=notification.id,
        title=text(kind.title, params) if kind else notification.kind,
        detail=text(kind.detail, params) if kind else "",
        group=str(GROUPS[kind.group].label) if kind else "",
        url=link(notification),
        created_at=notification.created_at,
        read=notification.read_at is not None,
    )


def page(user_id: int, number: int | None, only_unread: bool = False) -> Pagination:
    """One page of the person's notifications, newest first (two statements, whatever
    their number)."""
    stmt = select(Notification).where(Notification.recipient_id == user_id)
    if only_unread:
        stmt = stmt.where(Notification.read_at.is_(None))
    return paginate(stmt.order_by(Notification.id.desc()), number, PER_PAGE)


def newest_id(user_id: int) -> int:
    return int(
        db.session.scalar(
            select(func.max(Notification.id)).where(Notification.recipient_id == user_id)
        )
        or 0
    )
