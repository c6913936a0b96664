"""Periodic evaluations (evaluasi kinerja periodik, PermenPANRB 6/2022).

One per employee, period and sub-period (the period's cadence decides the sub-periods),
by the evaluator of the employee's targets: capaian so far per approved target, feedback
per target and per BerAKHLAK value, the two ratings with the system's suggestions and the
periodic predikat (scheme B), or the running score per target (scheme A). The system's
figures are frozen in the rows when the evaluation is saved.

``draft`` → ``final`` (finished by the evaluator) → ``acknowledged`` (by the employee).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.people import Employee
from portal.models.periods import Period
from portal.models.plans import Target
from portal.models.types import UTCDateTime, str_enum, utcnow


class PeriodicStatus(StrEnum):
    DRAFT = "draft"
    FINAL = "final"
    ACKNOWLEDGED = "acknowledged"


#: The states in which the evaluator is done (the result counts for the annual one).
FINISHED = (PeriodicStatus.FINAL, PeriodicStatus.ACKNOWLEDGED)


class PeriodicEvaluation(db.Model):
    __tablename__ = "periodic_evaluation"
    __table_args__ = (
        # One per employee, period and sub-period: a double submit finds the first.
        UniqueConstraint("employee_id", "period_id", "sub_period"),
        Index("ix_periodic_evaluation_period_status", "period_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    instansi_id: Mapped[int] = mapped_column(ForeignKey("instansi.id"), index=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("period.id"))
    employee_id: Mapped[int] = mapped_column(ForeignKey("employee.id"))
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id"), index=True)
    evaluator_id: Mapped[int] = mapped_column(ForeignKey("employee.id"), index=True)
    sub_period: Mapped[int]  # 1 = the period's first (month, quarter or semester)
    status: Mapped[PeriodicStatus] = mapped_column(
        str_enum(PeriodicStatus, 12), default=PeriodicStatus.DRAFT
    )
    # {BerAKHLAK value: {"rating": words or "", "feedback": text}}
    behaviour: Mapped[dict] = mapped_column(JSON, default=dict)
    suggested_hasil_kerja: Mapped[str | None] = mapped_column(String(30))
    suggested_perilaku: Mapped[str | None] = mapped_column(String(30))
    rating_hasil_kerja: Mapped[str | None] = mapped_column(String(30))
    rating_perilaku: Mapped[str | None] = mapped_column(String(30))
    departure_reason: Mapped[str] = mapped_column(Text, default="")
    predikat: Mapped[str | None] = mapped_column(String(30))
    score: Mapped[float | None] = mapped_column(Float)  # scheme A: the running nilai capaian
    steps: Mapped[list] = mapped_column(JSON, default=list)
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    employee: Mapped[Employee] = relationship(foreign_keys=[employee_id])
    evaluator: Mapped[Employee] = relationship(foreign_keys=[evaluator_id])
    period: Mapped[Period] = relationship()
    targets: Mapped[list[PeriodicTarget]] = relationship(
        back_populates="evaluation", cascade="all, delete-orphan", order_by="PeriodicTarget.id"
    )

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED


class PeriodicTarget(db.Model):
    """One approved target in a periodic evaluation: the system's capaian up to the
    sub-period's end (frozen when saved) and the evaluator's feedback."""

    __tablename__ = "periodic_target"
    __table_args__ = (UniqueConstraint("periodic_evaluation_id", "target_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    periodic_evaluation_id: Mapped[int] = mapped_column(
        ForeignKey("periodic_evaluation.id", ondelete="CASCADE"), index=True
    )
    target_id: Mapped[int] = mapped_column(ForeignKey("target.id"), index=True)
    planned: Mapped[int] = mapped_column(default=0)  # cumulative monthly targets
    realised: Mapped[int] = mapped_column(default=0)  # cumulative accepted quantity
    evidence_count: Mapped[int] = mapped_column(default=0)
    score: Mapped[float | None] = mapped_column(Float)  # capaian % (B) or nilai (A)
    steps: Mapped[list] = mapped_column(JSON, default=list)
    feedback: Mapped[str] = mapped_column(Text, default="")

    evaluation: Mapped[PeriodicEvaluation] = relationship(back_populates="targets")
    target: Mapped[Target] = relationship()
