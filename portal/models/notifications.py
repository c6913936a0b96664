"""Notifications and the mail outbox (issue 13).

A ``Notification`` is written in the transaction of the change it tells of (the audit
record's signal, :mod:`portal.notify.events`), so a rolled-back change leaves none. It is
the outbox: the delivery worker (``flask --app wsgi notify``) later decides, by the
recipient's preferences and quiet hours, whether it goes by mail at once, in the day's
digest or not at all, and writes a ``MailMessage`` for it. A mail's ``idempotency_key``
is unique (one mail per notification, one digest per person and day), and its claim is a
compare-and-swap with a lease, so two workers never send the same mail twice and a worker
killed midway leaves the mail to be claimed again once the lease runs out.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    select,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.people import Employee
from portal.models.types import UTCDateTime, utcnow

# What the delivery worker has decided about a notification's mail.
MAIL_UNDECIDED, MAIL_QUEUED, MAIL_DIGEST, MAIL_NONE = "undecided", "queued", "digest", "none"
MAIL_DECISIONS = (MAIL_UNDECIDED, MAIL_QUEUED, MAIL_DIGEST, MAIL_NONE)
# A mail's delivery.
SEND_PENDING, SEND_SENDING, SEND_SENT, SEND_FAILED = "pending", "sending", "sent", "failed"
SEND_STATES = (SEND_PENDING, SEND_SENDING, SEND_SENT, SEND_FAILED)
# How a person wants each kind of notification by mail.
MODE_IMMEDIATE, MODE_DIGEST, MODE_OFF = "immediate", "digest", "off"
MODES = (MODE_IMMEDIATE, MODE_DIGEST, MODE_OFF)


def _known(column: str, values: tuple[str, ...], name: str) -> CheckConstraint:
    quoted = ", ".join(f"'{value}'" for value in values)
    return CheckConstraint(f"{column} IN ({quoted})", name=name)


class Notification(db.Model):
    __tablename__ = "notification"
    __table_args__ = (
        # The list and the unread count: one person's, newest first, keyset on id.
        Index("ix_notification_recipient", "recipient_id", "id"),
        Index("ix_notification_unread", "recipient_id", "read_at"),
        # The worker's queue of notifications whose mail is not decided yet.
        Index("ix_notification_mail", "mail_decision", "id"),
        _known("mail_decision", MAIL_DECISIONS, "mail_decision_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("employee.id"))
    instansi_id: Mapped[int | None] = mapped_column(ForeignKey("instansi.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))  # a key of portal.notify.kinds.KINDS
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("employee.id"))
    object_type: Mapped[str | None] = mapped_column(String(40))
    object_id: Mapped[int | None]
    # What the text needs, already limited to what the recipient may see (names of the
    # people in their own chain, a month, a reason addressed to them).
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    # Where the work is handled: an endpoint and its arguments, built into a URL when the
    # notification is shown or mailed (a mail's link is absolute, on PORTAL_BASE_URL).
    endpoint: Mapped[str] = mapped_column(String(80))
    endpoint_args: Mapped[dict] = mapped_column(JSON, default=dict)
    # A reminder's "kind:object:day": the same reminder is written at most once.
    dedup_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    mail_decision: Mapped[str] = mapped_column(String(10), default=MAIL_UNDECIDED)
    mail_id: Mapped[int | None] = mapped_column(ForeignKey("mail_message.id"), index=True)

    recipient: Mapped[Employee] = relationship(foreign_keys=[recipient_id])
    actor: Mapped[Employee | None] = relationship(foreign_keys=[actor_id])
    mail: Mapped[MailMessage | None] = relationship(back_populates="notifications")


class MailMessage(db.Model):
    """One mail to one address: a notification's, a day's digest, or an admin's test."""

    __tablename__ = "mail_message"
    __table_args__ = (
        Index("ix_mail_message_queue", "status", "next_attempt_at"),
        Index("ix_mail_message_instansi", "instansi_id", "id"),
        _known("status", SEND_STATES, "status_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("employee.id"), index=True)
    instansi_id: Mapped[int | None] = mapped_column(ForeignKey("instansi.id"))
    to_address: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))  # single | digest | test
    # Also the Message-ID's left part: a retry sends the same message, never a second one.
    idempotency_key: Mapped[str] = mapped_column(String(120), unique=True)
    status: Mapped[str] = mapped_column(String(10), default=SEND_PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(default=1)

    recipient: Mapped[Employee] = relationship()
    notifications: Mapped[list[Notification]] = relationship(back_populates="mail")


class NotificationPreference(db.Model):
    """A person's choice for one group of notifications (no row: immediately)."""

    __tablename__ = "notification_preference"
    __table_args__ = (
        UniqueConstraint("employee_id", "kind"),
        _known("mode", MODES, "mode_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employee.id"))
    kind: Mapped[str] = mapped_column(String(40))  # a group of portal.notify.kinds
    mode: Mapped[str] = mapped_column(String(10), default=MODE_IMMEDIATE)


class NotifySettings(db.Model):
    """An instansi's reminder thresholds (working days) and its time zone."""

    __tablename__ = "notify_settings"

    instansi_id: Mapped[int] = mapped_column(ForeignKey("instansi.id"), primary_key=True)
    timezone: Mapped[str] = mapped_column(String(40), default="Asia/Jakarta")
    planning_notice_days: Mapped[int] = mapped_column(default=5)
    monthly_notice_days: Mapped[int] = mapped_column(default=2)
    verify_remind_days: Mapped[int] = mapped_column(default=3)
    verify_escalate_days: Mapped[int] = mapped_column(default=2)
    objection_notice_days: Mapped[int] = mapped_column(default=3)
    follow_up_notice_days: Mapped[int] = mapped_column(default=3)
    digest_hour: Mapped[int] = mapped_column(default=7)
    version: Mapped[int] = mapped_column(default=1)


class EvaluatorReport(db.Model):
    """An employee's "my pejabat penilai is wrong": open until an admin changes the
    supervisor (resolved) or explains why it is right (closed, with the reason)."""

    __tablename__ = "evaluator_report"
    __table_args__ = (
        Index("ix_evaluator_report_open", "instansi_id", "status"),
        # One open report per person: a double submit (or two tabs) makes one.
        Index(
            "uq_evaluator_report_one_open",
            "employee_id",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
        _known("status", ("open", "resolved", "closed"), "status_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employee.id"), index=True)
    instansi_id: Mapped[int] = mapped_column(ForeignKey("instansi.id"))
    note: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(10), default="open")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("employee.id"))
    resolution: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(default=1)

    employee: Mapped[Employee] = relationship(foreign_keys=[employee_id])


def open_evaluator_report(employee_id: int) -> EvaluatorReport | None:
    """The employee's open "pejabat penilai salah" report (at most one, by the index)."""
    return db.session.scalar(
        select(EvaluatorReport).where(
            EvaluatorReport.employee_id == employee_id, EvaluatorReport.status == "open"
        )
    )
