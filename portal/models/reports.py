"""Reporting: daily work entries with evidence, their verification, monthly quality.

A *work entry* (laporan harian) records what an employee did on one day towards
one approved target. Only entries the evaluator accepted count as realisation.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    literal_column,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.people import Employee
from portal.models.plans import Target
from portal.models.types import UTCDateTime, str_enum, utcnow


class EntryStatus(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    REJECTED = "rejected"

    @property
    def label(self) -> LazyString:
        return {
            "pending": _l("Menunggu verifikasi"),
            "accepted": _l("Diterima"),
            "rejected": _l("Ditolak"),
        }[self.value]


class WorkEntry(db.Model):
    __tablename__ = "work_entry"
    __table_args__ = (
        CheckConstraint("quantity >= 0", name="quantity_not_negative"),
        CheckConstraint("minutes > 0 AND minutes <= 1440", name="minutes_range"),
        CheckConstraint("cost IS NULL OR cost >= 0", name="cost_not_negative"),
        CheckConstraint("month >= 1", name="month_positive"),
        # Whether an employee reported a month by its deadline, in one seek per month
        # (the monitoring dashboard asks it for every employee and elapsed month).
        Index("ix_work_entry_owner_month", "owner_id", "period_id", "month", "created_at"),
        # The entries waiting for verification, a few percent of all, for the backlog of
        # a period (covering). Without a plain index on the status, every page's inbox
        # badge finds them through the evaluator's targets; with one, SQLite read every
        # pending entry of the agency for it (~150 ms at 20,000 employees).
        Index(
            "ix_work_entry_pending",
            "period_id",
            "target_id",
            "owner_id",
            "created_at",
            sqlite_where=text("status = 'pending'"),
            postgresql_where=text("status = 'pending'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("target.id"), index=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("employee.id"), index=True)
    instansi_id: Mapped[int] = mapped_column(ForeignKey("instansi.id"), index=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("period.id"), index=True)
    entry_date: Mapped[date] = mapped_column(index=True)
    month: Mapped[int]  # 1 = the period's first month; kept to aggregate in SQL
    description: Mapped[str] = mapped_column(Text)
    quantity: Mapped[int]
    minutes: Mapped[int]
    cost: Mapped[int | None] = mapped_column(BigInteger)
    links: Mapped[list] = mapped_column(JSON, default=list)
    status: Mapped[EntryStatus] = mapped_column(
        str_enum(EntryStatus, 10), default=EntryStatus.PENDING
    )
    reject_reason: Mapped[str] = mapped_column(Text, default="")
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("employee.id"))
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(default=1)
    # One entry per form: a double submit or a retry creates nothing new.
    form_token: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    target: Mapped[Target] = relationship()
    owner: Mapped[Employee] = relationship(foreign_keys=[owner_id])
    verified_by: Mapped[Employee | None] = relationship(foreign_keys=[verified_by_id])
    evidence: Mapped[list[Evidence]] = relationship(
        back_populates="entry", order_by="Evidence.id", cascade="all, delete-orphan"
    )

    @classmethod
    def is_pending(cls):
        """``status = 'pending'`` with the value written out, not bound: only then can
        SQLite (and PostgreSQL's generic plans) use the partial ``ix_work_entry_pending``."""
        return cls.status == literal_column("'pending'")


class Evidence(db.Model):
    """A file attached to a work entry (bukti dukung), stored outside ``static/``."""

    __tablename__ = "evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(
        ForeignKey("work_entry.id", ondelete="CASCADE"), index=True
    )
    original_name: Mapped[str] = mapped_column(String(200))
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)
    content_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    entry: Mapped[WorkEntry] = relationship(back_populates="evidence")


class EntryHistory(db.Model):
    """What happened to an entry: created, edited, accepted, rejected, resubmitted."""

    __tablename__ = "entry_history"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(
        ForeignKey("work_entry.id", ondelete="CASCADE"), index=True
    )
    actor_id: Mapped[int] = mapped_column(ForeignKey("employee.id"))
    action: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    actor: Mapped[Employee] = relationship()


class MonthlyQuality(db.Model):
    """The evaluator's quality rating (0–100) of a target for one month, with feedback."""

    __tablename__ = "monthly_quality"
    __table_args__ = (
        UniqueConstraint("target_id", "month"),
        CheckConstraint("rating >= 0 AND rating <= 100", name="rating_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("target.id", ondelete="CASCADE"), index=True)
    month: Mapped[int]
    rating: Mapped[int]
    note: Mapped[str] = mapped_column(Text, default="")  # umpan balik
    rated_by_id: Mapped[int] = mapped_column(ForeignKey("employee.id"))
    rated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    rated_by: Mapped[Employee] = relationship()
