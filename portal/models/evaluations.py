"""Evaluations, objections, letters and follow-up (tindak lanjut).

One evaluation per plan (employee and period), written by the evaluator on the
reported targets. The system's scores are kept beside the evaluator's decisions, so
a departure from the suggestion is visible and explained.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy import (
    JSON,
    ColumnElement,
    Float,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    false,
    or_,
    select,
)
from sqlalchemy.orm import Mapped, column_property, mapped_column, relationship

from portal.extensions import db
from portal.models.people import Employee
from portal.models.periods import Period
from portal.models.plans import Plan, Target
from portal.models.types import UTCDateTime, str_enum, utcnow
from workflows.states import EVALUATED, FOLLOWED_UP

CLOSED_STATES = (EVALUATED, FOLLOWED_UP)


class EvaluationStatus(StrEnum):
    DRAFT = "draft"
    FINAL = "final"


class Evaluation(db.Model):
    __tablename__ = "evaluation"
    __table_args__ = (
        UniqueConstraint("plan_id"),
        # One employee's evaluation of a period (the dashboards ask it for each member);
        # also serves every lookup by employee alone.
        Index("ix_evaluation_employee_period", "employee_id", "period_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id"))
    employee_id: Mapped[int] = mapped_column(ForeignKey("employee.id"))
    period_id: Mapped[int] = mapped_column(ForeignKey("period.id"), index=True)
    instansi_id: Mapped[int] = mapped_column(ForeignKey("instansi.id"), index=True)
    evaluator_id: Mapped[int] = mapped_column(ForeignKey("employee.id"), index=True)
    status: Mapped[EvaluationStatus] = mapped_column(
        str_enum(EvaluationStatus, 10), default=EvaluationStatus.DRAFT
    )
    # Scheme A: {aspect: 0–100}; scheme B: {BerAKHLAK value: rating}.
    behaviour: Mapped[dict] = mapped_column(JSON, default=dict)
    ekspektasi_khusus: Mapped[str] = mapped_column(Text, default="")
    tugas_tambahan: Mapped[int] = mapped_column(default=0)
    kreativitas: Mapped[str | None] = mapped_column(String(20))
    organisation_rating: Mapped[str | None] = mapped_column(String(30))
    suggested_hasil_kerja: Mapped[str | None] = mapped_column(String(30))
    suggested_perilaku: Mapped[str | None] = mapped_column(String(30))
    rating_hasil_kerja: Mapped[str | None] = mapped_column(String(30))
    rating_perilaku: Mapped[str | None] = mapped_column(String(30))
    departure_reason: Mapped[str] = mapped_column(Text, default="")
    final_score: Mapped[float | None] = mapped_column(Float)
    predikat: Mapped[str | None] = mapped_column(String(30))
    notes: Mapped[str] = mapped_column(Text, default="")
    evaluated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(default=1)
    employee_response: Mapped[str | None] = mapped_column(String(10))  # agree | object
    response_reason: Mapped[str] = mapped_column(Text, default="")
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    objection_status: Mapped[str | None] = mapped_column(String(10))  # open|upheld|changed
    objection_decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("employee.id"))
    objection_decision_reason: Mapped[str] = mapped_column(Text, default="")
    objection_decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    plan: Mapped[Plan] = relationship()
    employee: Mapped[Employee] = relationship(foreign_keys=[employee_id])
    evaluator: Mapped[Employee] = relationship(foreign_keys=[evaluator_id])
    period: Mapped[Period] = relationship()
    targets: Mapped[list[EvaluationTarget]] = relationship(
        back_populates="evaluation", cascade="all, delete-orphan", order_by="EvaluationTarget.id"
    )
    exclusions: Mapped[list[EvaluationExclusion]] = relationship(
        back_populates="evaluation",
        cascade="all, delete-orphan",
        order_by="EvaluationExclusion.id",
    )

    @property
    def is_final(self) -> bool:
        return self.status == EvaluationStatus.FINAL


class EvaluationTarget(db.Model):
    """The system's score of one reported target, frozen at evaluation, with feedback."""

    __tablename__ = "evaluation_target"
    __table_args__ = (UniqueConstraint("evaluation_id", "target_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(
        ForeignKey("evaluation.id", ondelete="CASCADE"), index=True
    )
    target_id: Mapped[int] = mapped_column(ForeignKey("target.id"), index=True)
    realised_quantity: Mapped[int] = mapped_column(default=0)
    realised_quality: Mapped[float | None] = mapped_column(Float)
    realised_months: Mapped[int | None]
    realised_cost: Mapped[int | None]
    evidence_count: Mapped[int] = mapped_column(default=0)
    score: Mapped[float | None] = mapped_column(Float)  # nilai (A) or capaian % (B)
    steps: Mapped[list] = mapped_column(JSON, default=list)
    feedback: Mapped[str] = mapped_column(Text, default="")
    # Scored on what its accepted entries achieved, without a final report: the target
    # was still approved when the evaluator chose to evaluate it (``evaluate_unreported``).
    unreported: Mapped[bool] = mapped_column(default=False, server_default=false())

    evaluation: Mapped[Evaluation] = relationship(back_populates="targets")
    target: Mapped[Target] = relationship()


class EvaluationExclusion(db.Model):
    """An approved target that the evaluator left out of the evaluation, and why.

    The annual evaluation covers every approved target: one not reported by the end is
    either scored on its realisation (an :class:`EvaluationTarget` row with
    ``unreported``) or excluded here, with a reason that the letter prints. A draft keeps
    the choice; once the evaluation is final the target is closed (:data:`target_excluded`).
    """

    __tablename__ = "evaluation_exclusion"
    __table_args__ = (UniqueConstraint("evaluation_id", "target_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(
        ForeignKey("evaluation.id", ondelete="CASCADE"), index=True
    )
    target_id: Mapped[int] = mapped_column(ForeignKey("target.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    excluded_by_id: Mapped[int] = mapped_column(ForeignKey("employee.id"))
    excluded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    evaluation: Mapped[Evaluation] = relationship(back_populates="exclusions")
    target: Mapped[Target] = relationship()
    excluded_by: Mapped[Employee] = relationship()


def excluded_by_final_evaluation(target_id) -> ColumnElement[bool]:
    """Whether the target ``target_id`` (a column or a value) was excluded by its plan's
    final evaluation: as closed as an evaluated target (no more reports, no more changes
    to its entries). A draft's exclusion is still only a choice."""
    return (
        select(EvaluationExclusion.id)
        .join(Evaluation, Evaluation.id == EvaluationExclusion.evaluation_id)
        .where(
            EvaluationExclusion.target_id == target_id,
            Evaluation.status == EvaluationStatus.FINAL,
        )
        .exists()
    )


def target_closed(target_id, state) -> ColumnElement[bool]:
    """Whether a target is closed by the evaluation: evaluated (or later), or excluded by
    a final one. For the queries that must leave such targets out (reports, the inbox)."""
    return or_(state.in_(CLOSED_STATES), excluded_by_final_evaluation(target_id))


# Loaded with every target, in the same statement: the guards (pure) and the daily log
# read it without a query of their own.
Target.excluded = column_property(excluded_by_final_evaluation(Target.id), deferred=False)


class FollowUpKind(StrEnum):
    PEMBINAAN = "pembinaan"
    PENGEMBANGAN = "pengembangan_kompetensi"
    PENGHARGAAN = "penghargaan"
    PERBAIKAN = "perbaikan_kinerja"

    @property
    def label(self) -> LazyString:
        return {
            "pembinaan": _l("Pembinaan"),
            "pengembangan_kompetensi": _l("Pengembangan kompetensi"),
            "penghargaan": _l("Penghargaan"),
            "perbaikan_kinerja": _l("Perbaikan kinerja"),
        }[self.value]


class FollowUpItem(db.Model):
    """One action of the follow-up plan; open items carry into the next period."""

    __tablename__ = "follow_up_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("evaluation.id"), index=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employee.id"), index=True)
    instansi_id: Mapped[int] = mapped_column(ForeignKey("instansi.id"), index=True)
    kind: Mapped[FollowUpKind] = mapped_column(str_enum(FollowUpKind, 30))
    description: Mapped[str] = mapped_column(Text)
    responsible_id: Mapped[int] = mapped_column(ForeignKey("employee.id"))
    due_date: Mapped[date]
    status: Mapped[str] = mapped_column(String(10), default="open")  # open | done
    created_by_id: Mapped[int] = mapped_column(ForeignKey("employee.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    evaluation: Mapped[Evaluation] = relationship()
    employee: Mapped[Employee] = relationship(foreign_keys=[employee_id])
    responsible: Mapped[Employee] = relationship(foreign_keys=[responsible_id])


class Letter(db.Model):
    """A printed evaluation letter: its verification code and the figures it showed."""

    __tablename__ = "letter"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("evaluation.id"), index=True)
    instansi_id: Mapped[int] = mapped_column(ForeignKey("instansi.id"), index=True)
    figures: Mapped[dict] = mapped_column(JSON, default=dict)
    printed_by_id: Mapped[int] = mapped_column(ForeignKey("employee.id"))
    printed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    evaluation: Mapped[Evaluation] = relationship()
