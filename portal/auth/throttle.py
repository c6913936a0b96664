"""Throttling of failed sign-ins, per account key and per IP, kept in the database.

A failure is one inserted row, so concurrent workers never lose a count. An
account is locked while it has ``PORTAL_LOCKOUT_ACCOUNT_FAILURES`` failures in the
last ``PORTAL_LOCKOUT_MINUTES``; an IP likewise with ``PORTAL_LOCKOUT_IP_FAILURES``.
A successful sign-in clears the account's failures (not the IP's).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, func, select

from portal.extensions import db
from portal.models import AuthFailure
from portal.models.types import utcnow


@dataclass(frozen=True)
class Limits:
    account_failures: int
    ip_failures: int
    window: timedelta

    @classmethod
    def from_config(cls) -> Limits:
        cfg = current_app.config
        return cls(
            cfg["PORTAL_LOCKOUT_ACCOUNT_FAILURES"],
            cfg["PORTAL_LOCKOUT_IP_FAILURES"],
            timedelta(minutes=cfg["PORTAL_LOCKOUT_MINUTES"]),
        )


def _count(column, value: str, since: datetime) -> int:
    return db.session.scalar(
        select(func.count()).where(column == value, AuthFailure.occurred_at >= since)
    )


def is_locked(account_key: str, ip: str) -> bool:
    limits = Limits.from_config()
    since = utcnow() - limits.window
    return (
        _count(AuthFailure.account_key, account_key, since) >= limits.account_failures
        or _count(AuthFailure.ip, ip, since) >= limits.ip_failures
    )


def register_failure(account_key: str, ip: str) -> bool:
    """Record a failure; return True when this failure locks the account or IP."""
    limits = Limits.from_config()
    now = utcnow()
    # Old rows are useless once outside the window; keep the table small.
    db.session.execute(delete(AuthFailure).where(AuthFailure.occurred_at < now - timedelta(days=1)))
    db.session.add(AuthFailure(account_key=account_key, ip=ip, occurred_at=now))
    db.session.flush()
    since = now - limits.window
    return (
        _count(AuthFailure.account_key, account_key, since) == limits.account_failures
        or _count(AuthFailure.ip, ip, since) == limits.ip_failures
    )


def clear_account(account_key: str) -> None:
    db.session.execute(delete(AuthFailure).where(AuthFailure.account_key == account_key))
