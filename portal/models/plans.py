"""Plans (SKP) and targets (RHK): what an employee commits to in a period.

A *plan* is one employee's SKP for one period. A *target* is one RHK (2022 model)
or *kegiatan tugas jabatan* (PP 46), with its indicator (IKI), the annual quantity
broken down into monthly targets, and its workflow state (see ``workflows``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    select,
)
from sqlalchemy.orm import Mapped, joinedload, mapped_column, relationship, selectinload

from portal.extensions import db
from portal.models.people import Employee
from portal.models.periods import Period
from portal.models.types import UTCDateTime, str_enum, utcnow
from workflows.states import DRAFTED


class TargetKind(StrEnum):
    UTAMA = "utama"  # main result
    TAMBAHAN = "tambahan"  # additional result

    @property
    def label(self) -> LazyString:
        return {"utama": _l("Utama"), "tambahan": _l("Tambahan")}[self.value]


class Pendekatan(StrEnum):
    """How the SKP's results are stated (PermenPANRB 6/2022)."""

    KUANTITATIF = "kuantitatif"
    KUALITATIF = "kualitatif"

    @property
    def label(self) -> LazyString:
        return {"kuantitatif": _l("Kuantitatif"), "kualitatif": _l("Kualitatif")}[self.value]


class SkpForm(StrEnum):
    """The regulation's two SKP forms: for JPT, and for administrasi and fungsional."""

    JPT = "jpt"
    JA_JF = "ja_jf"

    @property
    def label(self) -> LazyString:
        return {
            "jpt": _l("SKP Jabatan Pimpinan Tinggi"),
            "ja_jf": _l("SKP Jabatan Administrasi dan Fungsional"),
        }[self.value]


class IndicatorAspect(StrEnum):
    """The aspect an IKI measures; at most one IKI of each per RHK, and always one of
    kuantitas, whose target drives the monthly breakdown and the daily reports."""

    KUANTITAS = "kuantitas"
    KUALITAS = "kualitas"
    WAKTU = "waktu"
    BIAYA = "biaya"

    @property
    def label(self) -> LazyString:
        return {
            "kuantitas": _l("Kuantitas"),
            "kualitas": _l("Kualitas"),
            "waktu": _l("Waktu"),
            "biaya": _l("Biaya"),
        }[self.value]


ASPECT_ORDER = tuple(IndicatorAspect)


class Perspektif(StrEnum):
    """The balanced-scorecard perspective of a JPT's IKI (kuantitatif pendekatan)."""

    PENERIMA_LAYANAN = "penerima_layanan"
    PROSES_BISNIS = "proses_bisnis"
    PENGUATAN_INTERNAL = "penguatan_internal"
    ANGGARAN = "anggaran"

    @property
    def label(self) -> LazyString:
        return {
            "penerima_layanan": _l("Penerima layanan"),
            "proses_bisnis": _l("Proses bisnis"),
            "penguatan_internal": _l("Penguatan internal"),
            "anggaran": _l("Anggaran"),
        }[self.value]


class Plan(db.Model):
    """SKP (*Sasaran Kinerja Pegawai*): one employee's plan for one period."""

    __tablename__ = "plan"
    __table_args__ = (UniqueConstraint("employee_id", "period_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employee.id"), index=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("period.id"), index=True)
    instansi_id: Mapped[int] = mapped_column(ForeignKey("instansi.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The variant (scheme B): the pendekatan, and the form (JPT or JA/JF), which follows
    # the employee's jenis jabatan when the plan is made and may be changed while no
    # target of it is approved.
    pendekatan: Mapped[Pendekatan] = mapped_column(
        str_enum(Pendekatan), default=Pendekatan.KUANTITATIF, server_default="kuantitatif"
    )
    skp_form: Mapped[SkpForm] = mapped_column(
        str_enum(SkpForm), default=SkpForm.JA_JF, server_default="ja_jf"
    )
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    employee: Mapped[Employee] = relationship()
    period: Mapped[Period] = relationship()
    targets: Mapped[list[Target]] = relationship(
        back_populates="plan", order_by="Target.position, Target.id"
    )

    @property
    def uses_perspektif(self) -> bool:
        """A JPT's plan with the kuantitatif pendekatan gives each IKI a perspektif."""
        return self.skp_form == SkpForm.JPT and self.pendekatan == Pendekatan.KUANTITATIF


class Target(db.Model):
    """One target (RHK) of a plan, with its indicator and monthly breakdown."""

    __tablename__ = "target"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("quality_target > 0 AND quality_target <= 100", name="quality_range"),
        CheckConstraint("time_months > 0", name="time_positive"),
        CheckConstraint("cost IS NULL OR cost > 0", name="cost_positive"),
        CheckConstraint("version > 0", name="version_positive"),
        # One employee's targets of a period, by state (the dashboards ask it for each
        # member of a unit); also serves every lookup by owner alone.
        Index("ix_target_owner_period", "owner_id", "period_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id"), index=True)
    # Denormalised from the plan for the policy's instansi check and the inbox queries.
    instansi_id: Mapped[int] = mapped_column(ForeignKey("instansi.id"), index=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("employee.id"))
    period_id: Mapped[int] = mapped_column(ForeignKey("period.id"), index=True)
    evaluator_id: Mapped[int | None] = mapped_column(ForeignKey("employee.id"), index=True)
    # The supervisor's target this one supports (the cascade, *intervensi*).
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("target.id", ondelete="SET NULL"), index=True
    )
    # *Penugasan dari*: the ketua tim of a tim kerja who assigned this RHK, a leader of
    # the instansi other than the atasan (who stays the evaluator). Such a target needs
    # no parent: it is aligned through the assignment.
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("employee.id"), index=True)
    copied_from_id: Mapped[int | None] = mapped_column(ForeignKey("target.id", ondelete="SET NULL"))
    position: Mapped[int] = mapped_column(default=0)
    title: Mapped[str] = mapped_column(String(500))
    kind: Mapped[TargetKind] = mapped_column(str_enum(TargetKind), default=TargetKind.UTAMA)
    indicator: Mapped[str] = mapped_column(String(500), default="")
    lower_is_better: Mapped[bool] = mapped_column(Boolean, default=False)
    quantity: Mapped[int]
    quantity_unit: Mapped[str] = mapped_column(String(50))  # satuan, e.g. "laporan"
    quality_target: Mapped[int] = mapped_column(default=100)
    time_months: Mapped[int]
    cost: Mapped[int | None] = mapped_column(BigInteger)  # Rupiah
    state: Mapped[str] = mapped_column(String(20), default=DRAFTED, index=True)
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    plan: Mapped[Plan] = relationship(back_populates="targets")
    owner: Mapped[Employee] = relationship(foreign_keys=[owner_id])
    evaluator: Mapped[Employee | None] = relationship(foreign_keys=[evaluator_id])
    assigned_by: Mapped[Employee | None] = relationship(foreign_keys=[assigned_by_id])
    period: Mapped[Period] = relationship()
    parent: Mapped[Target | None] = relationship(remote_side="Target.id", foreign_keys=[parent_id])
    months: Mapped[list[MonthlyTarget]] = relationship(
        back_populates="target", order_by="MonthlyTarget.month", cascade="all, delete-orphan"
    )
    indicators: Mapped[list[TargetIndicator]] = relationship(
        back_populates="target", order_by="TargetIndicator.position", cascade="all, delete-orphan"
    )

    @property
    def monthly_quantities(self) -> list[int]:
        return [m.quantity for m in self.months]

    @property
    def aligned(self) -> bool:
        """Whether the RHK supports something: the atasan's RHK, or a ketua tim's
        assignment."""
        return self.parent_id is not None or self.assigned_by_id is not None

    def indicator_of(self, aspect: IndicatorAspect) -> TargetIndicator | None:
        return next((i for i in self.indicators if i.aspect == aspect), None)


class TargetIndicator(db.Model):
    """One IKI of an RHK: what it measures (its aspect), its statement, its target with
    the unit, its direction and, in a JPT's kuantitatif plan, its perspektif. The
    kuantitas IKI mirrors the target's own columns (``indicator``, ``quantity``,
    ``quantity_unit``, ``lower_is_better``), which the monthly breakdown, the daily
    reports and scheme A read; kualitas mirrors ``quality_target``, waktu
    ``time_months`` and biaya ``cost``."""

    __tablename__ = "target_indicator"
    __table_args__ = (
        UniqueConstraint("target_id", "aspect"),
        CheckConstraint("target_value > 0", name="target_value_positive"),
        CheckConstraint(
            "aspect IN ('kuantitas', 'kualitas', 'waktu', 'biaya')", name="aspect_known"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("target.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    aspect: Mapped[IndicatorAspect] = mapped_column(str_enum(IndicatorAspect))
    text: Mapped[str] = mapped_column(String(500), default="")
    target_value: Mapped[int] = mapped_column(BigInteger)
    unit: Mapped[str] = mapped_column(String(50), default="")
    lower_is_better: Mapped[bool] = mapped_column(Boolean, default=False)
    perspektif: Mapped[Perspektif | None] = mapped_column(str_enum(Perspektif))

    target: Mapped[Target] = relationship(back_populates="indicators")


class MonthlyTarget(db.Model):
    """The quantity planned for one month of the period (month 1 = the period's first)."""

    __tablename__ = "monthly_target"
    __table_args__ = (
        UniqueConstraint("target_id", "month"),
        CheckConstraint("quantity >= 0", name="quantity_not_negative"),
        CheckConstraint("month >= 1", name="month_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("target.id", ondelete="CASCADE"), index=True)
    month: Mapped[int]
    quantity: Mapped[int]

    target: Mapped[Target] = relationship(back_populates="months")


class TargetHistory(db.Model):
    """One fired transition of a target: who, which trigger, from, to, why, when."""

    __tablename__ = "target_history"
    __table_args__ = (UniqueConstraint("target_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("target.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("employee.id"))
    trigger: Mapped[str] = mapped_column(String(30))
    from_state: Mapped[str] = mapped_column(String(20))
    to_state: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int]  # the target's version after this transition
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    actor: Mapped[Employee] = relationship()


class TargetRevision(db.Model):
    """One saved edit of a target's content between two submissions (a draft, or a draft
    returned for revision): who, when, and each changed field as ``[before, after]`` —
    what the supervisor reads to see what changed since they last saw it."""

    __tablename__ = "target_revision"
    __table_args__ = (UniqueConstraint("target_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("target.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("employee.id"))
    version: Mapped[int]  # the target's version after this edit
    # {field: [before, after]}, the same as the audit event "target.update" keeps.
    changes: Mapped[dict] = mapped_column(JSON, default=dict)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    actor: Mapped[Employee] = relationship()


class EvaluatorAssignment(db.Model):
    """Who evaluated a target from when: the first row at creation, one per change."""

    __tablename__ = "evaluator_assignment"

    id: Mapped[int] = mapped_column(primary_key=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("target.id", ondelete="CASCADE"), index=True)
    evaluator_id: Mapped[int | None] = mapped_column(ForeignKey("employee.id"))
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("employee.id"))
    # The interim note from the departing evaluator or the admin to the new one.
    note: Mapped[str] = mapped_column(Text, default="")
    # "plt" / "plh" when the new evaluator acts for an absent official (``acting_for``);
    # "" for a definitive supervisor.
    acting: Mapped[str] = mapped_column(String(3), default="")
    acting_for_id: Mapped[int | None] = mapped_column(ForeignKey("employee.id"))
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    evaluator: Mapped[Employee | None] = relationship(foreign_keys=[evaluator_id])
    assigned_by: Mapped[Employee | None] = relationship(foreign_keys=[assigned_by_id])
    acting_for: Mapped[Employee | None] = relationship(foreign_keys=[acting_for_id])


class TargetComment(db.Model):
    """A message in the discussion of a target between its owner and evaluator."""

    __tablename__ = "target_comment"

    id: Mapped[int] = mapped_column(primary_key=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("target.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("employee.id"))
    body: Mapped[str] = mapped_column(Text)
    # One comment per form token: a double submit creates one comment.
    form_token: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[Employee] = relationship()


@dataclass(frozen=True)
class KindGroup:
    """Targets (or things that carry one) under one heading of the SKP: "A. Utama",
    "B. Tambahan"."""

    letter: str
    kind: TargetKind
    items: list

    @property
    def title(self) -> str:
        return f"{self.letter}. {self.kind.label}"

    @property
    def cards(self) -> list:
        return self.items


def group_by_kind(items, target_of: Callable = lambda item: item) -> list[KindGroup]:
    """``items`` grouped A. Utama, B. Tambahan, each in its order. An empty B is left out;
    A is always there (every SKP has main results, and its absence should show)."""
    items = list(items)
    utama = [i for i in items if target_of(i).kind == TargetKind.UTAMA]
    tambahan = [i for i in items if target_of(i).kind == TargetKind.TAMBAHAN]
    groups = [KindGroup("A", TargetKind.UTAMA, utama)]
    if tambahan:
        groups.append(KindGroup("B", TargetKind.TAMBAHAN, tambahan))
    return groups


def target_card_options() -> tuple:
    """Loader options for everything a target card shows (its months, owner, evaluator
    and parent), so lists of targets make no lazy load per card. Kept beside the model
    so that every feature listing targets (plans, reports, evaluations) shares it
    without importing another feature."""
    # The single rows (evaluator, owner, parent and its owner) ride along as joins of
    # the listing's own statement; only the months, a collection, take a second one.
    return (
        selectinload(Target.months),
        selectinload(Target.indicators),
        joinedload(Target.evaluator),
        joinedload(Target.owner),
        joinedload(Target.assigned_by),
        joinedload(Target.parent).joinedload(Target.owner),
    )


def load_target(target_id: int) -> Target | None:
    """One target with everything its card, its page and the policy read, in one
    statement (joins for the single rows, the months alongside): the loader every
    feature uses for a single target."""
    return db.session.scalar(
        select(Target)
        .where(Target.id == target_id)
        .options(
            joinedload(Target.months),
            joinedload(Target.indicators),
            joinedload(Target.evaluator),
            joinedload(Target.owner),
            joinedload(Target.period),
            joinedload(Target.plan),
            joinedload(Target.assigned_by),
            joinedload(Target.parent).joinedload(Target.owner),
        )
    )
