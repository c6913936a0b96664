"""The monthly report (laporan bulanan): one per employee and month of a period.

The report gathers the month's daily entries per approved target (the figures are
computed, never stored) with the employee's own words per target: what was achieved
(*capaian*), the obstacles (*kendala*) and the plan for the next month (*rencana tindak
lanjut*). Its workflow (``draft → submitted → accepted``, or ``returned`` and submitted
again) is the table in :mod:`workflows.monthly`; the supervisor's quality rating and
feedback per target are the ``MonthlyQuality`` rows the review writes.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.people import Employee
from portal.models.periods import Period
from portal.models.plans import Target
from portal.models.types import UTCDateTime, utcnow

# The states as stored (the table of moves is workflows.monthly).
MONTHLY_DRAFT, MONTHLY_SUBMITTED, MONTHLY_ACCEPTED, MONTHLY_RETURNED = (
    "draft",
    "submitted",
    "accepted",
    "returned",
)


class MonthlyReport(db.Model):
    __tablename__ = "monthly_report"
    __table_args__ = (
        UniqueConstraint("employee_id", "period_id", "month"),
        CheckConstraint("month >= 1", name="month_positive"),
        CheckConstraint(
            "state IN ('draft', 'submitted', 'accepted', 'returned')", name="state_known"
        ),
        # The supervisor's inbox: the submitted reports of a period.
        Index("ix_monthly_report_state", "period_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employee.id"), index=True)
    instansi_id: Mapped[int] = mapped_column(ForeignKey("instansi.id"), index=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("period.id"), index=True)
    month: Mapped[int]  # 1 = the period's first month
    state: Mapped[str] = mapped_column(String(12), default=MONTHLY_DRAFT)
    version: Mapped[int] = mapped_column(default=1)
    submitted_on: Mapped[date | None]  # the agency's date of the last submission
    late: Mapped[bool] = mapped_column(Boolean, default=False)  # submitted after the deadline
    return_reason: Mapped[str] = mapped_column(Text, default="")
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("employee.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    employee: Mapped[Employee] = relationship(foreign_keys=[employee_id])
    period: Mapped[Period] = relationship()
    reviewed_by: Mapped[Employee | None] = relationship(foreign_keys=[reviewed_by_id])
    targets: Mapped[list[MonthlyReportTarget]] = relationship(
        back_populates="report", order_by="MonthlyReportTarget.id", cascade="all, delete-orphan"
    )


class MonthlyReportTarget(db.Model):
    """The employee's words on one target in a monthly report."""

    __tablename__ = "monthly_report_target"
    __table_args__ = (UniqueConstraint("report_id", "target_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(
        ForeignKey("monthly_report.id", ondelete="CASCADE"), index=True
    )
    target_id: Mapped[int] = mapped_column(ForeignKey("target.id", ondelete="CASCADE"), index=True)
    capaian: Mapped[str] = mapped_column(Text, default="")
    kendala: Mapped[str] = mapped_column(Text, default="")
    rencana: Mapped[str] = mapped_column(Text, default="")  # rencana tindak lanjut

    report: Mapped[MonthlyReport] = relationship(back_populates="targets")
    target: Mapped[Target] = relationship()


class MonthlyReportHistory(db.Model):
    """One fired transition of a monthly report: who, which trigger, from, to, why, when."""

    __tablename__ = "monthly_report_history"
    __table_args__ = (UniqueConstraint("report_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(
        ForeignKey("monthly_report.id", ondelete="CASCADE"), index=True
    )
    actor_id: Mapped[int] = mapped_column(ForeignKey("employee.id"))
    trigger: Mapped[str] = mapped_column(String(20))
    from_state: Mapped[str] = mapped_column(String(12))
    to_state: Mapped[str] = mapped_column(String(12))
    reason: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int]  # the report's version after this transition
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    actor: Mapped[Employee] = relationship()
