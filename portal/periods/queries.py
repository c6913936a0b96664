"""Read models about periods: the admin's list, what is unfinished before closing, what
fixes a period's settings, and the upcoming period other areas point to."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from portal.extensions import db
from portal.models import (
    Evaluation,
    FollowUpItem,
    Period,
    PeriodicEvaluation,
    Plan,
    Scheme,
    Target,
    WorkEntry,
)
from portal.models.evaluations import EvaluationStatus
from portal.models.periods import PeriodStatus
from workflows.targets import APPROVED, DISCUSSED, DRAFTED, REPORTED


def upcoming_period(instansi_id: int) -> Period | None:
    """The instansi's earliest period that is prepared but not yet open."""
    return db.session.scalar(
        select(Period)
        .where(Period.instansi_id == instansi_id, Period.status == PeriodStatus.DRAFT)
        .order_by(Period.start_date)
        .limit(1)
    )


@dataclass(frozen=True)
class StatusTag:
    """A status as a tag, in words (not colour alone): its ``tone`` is the tag's style."""

    tone: str
    label: str


STATUS_TAGS = {
    PeriodStatus.DRAFT: StatusTag("warn", _l("disiapkan")),
    PeriodStatus.OPEN: StatusTag("ok", _l("dibuka")),
    PeriodStatus.CLOSED: StatusTag("muted", _l("ditutup")),
}


def status_tag(period: Period) -> StatusTag:
    return STATUS_TAGS[PeriodStatus(period.status)]


@dataclass(frozen=True)
class CloseSummary:
    """What is still unfinished in a period, shown before closing it."""

    plans: int
    targets: int
    drafted: int  # drafted or in discussion: never approved
    approved: int  # approved, realisation not yet sent for evaluation
    reported: int  # sent, not yet evaluated
    pending_entries: int
    draft_evaluations: int
    open_objections: int
    open_follow_ups: int

    @property
    def not_evaluated(self) -> int:
        return self.drafted + self.approved + self.reported

    @property
    def unfinished(self) -> bool:
        """Work that closing freezes as it is (open follow-up items may still be done
        after closing)."""
        return bool(
            self.not_evaluated
            or self.pending_entries
            or self.draft_evaluations
            or self.open_objections
        )

    @property
    def anything_open(self) -> bool:
        return bool(
            self.not_evaluated
            or self.pending_entries
            or self.draft_evaluations
            or self.open_objections
            or self.open_follow_ups
        )


def close_summary(period: Period) -> CloseSummary:
    """Counted in the database, in two statements whatever the size of the period."""

    def count(model, *where):
        return select(func.count()).select_from(model).where(*where).scalar_subquery()

    in_period = Evaluation.period_id == period.id
    row = db.session.execute(
        select(
            count(Plan, Plan.period_id == period.id),
            count(
                WorkEntry,
                WorkEntry.period_id == period.id,
                WorkEntry.is_pending(),
            ),
            count(Evaluation, in_period, Evaluation.status == EvaluationStatus.DRAFT),
            count(Evaluation, in_period, Evaluation.objection_status == "open"),
            select(func.count())
            .select_from(FollowUpItem)
            .join(Evaluation, Evaluation.id == FollowUpItem.evaluation_id)
            .where(in_period, FollowUpItem.status == "open")
            .scalar_subquery(),
        )
    ).one()
    states = dict(
        db.session.execute(
            select(Target.state, func.count())
            .where(Target.period_id == period.id)
            .group_by(Target.state)
        ).all()
    )
    return CloseSummary(
        plans=row[0],
        targets=sum(states.values()),
        drafted=states.get(DRAFTED, 0) + states.get(DISCUSSED, 0),
        approved=states.get(APPROVED, 0),
        reported=states.get(REPORTED, 0),
        pending_entries=row[1],
        draft_evaluations=row[2],
        open_objections=row[3],
        open_follow_ups=row[4],
    )


@dataclass
class PeriodView:
    """A period with what the admin may do with it now, for the templates."""

    period: Period

    @property
    def may_edit(self) -> bool:
        return self.period.status != PeriodStatus.CLOSED

    @property
    def may_open(self) -> bool:
        return self.period.status == PeriodStatus.DRAFT

    @property
    def may_close(self) -> bool:
        return self.period.status == PeriodStatus.OPEN

    @property
    def may_reopen(self) -> bool:
        return self.period.status == PeriodStatus.CLOSED

    @property
    def shows_weights(self) -> bool:
        """Only PP 46/2011 weighs the SKP against behaviour."""
        return self.period.scheme == Scheme.PP46


@dataclass
class PeriodRow(PeriodView):
    plans: int = 0
    targets: int = 0


def instansi_periods(instansi_id: int) -> list[PeriodRow]:
    """The instansi's periods, newest first, with their plan and target counts (three
    statements, however many periods)."""
    periods = db.session.scalars(
        select(Period)
        .where(Period.instansi_id == instansi_id)
        .options(selectinload(Period.closed_by))
        .order_by(Period.start_date.desc(), Period.id.desc())
    ).all()
    counts = {
        period_id: (plans, targets)
        for period_id, plans, targets in db.session.execute(
            select(
                Plan.period_id,
                func.count(func.distinct(Plan.id)),
                func.count(Target.id),
            )
            .outerjoin(Target, Target.plan_id == Plan.id)
            .where(Plan.instansi_id == instansi_id)
            .group_by(Plan.period_id)
        )
    }
    return [PeriodRow(p, *counts.get(p.id, (0, 0))) for p in periods]


@dataclass(frozen=True)
class Locks:
    """What already hangs on a period, and so which of its settings are fixed.

    Monthly targets are laid out over the period's months and scored by its scheme:
    once a target exists, the dates and the scheme stay. Final scores were computed
    with the weights: once an evaluation exists, the weights stay. The sub-periods follow
    from the cadence: once a periodic evaluation exists, the cadence stays.
    """

    targets: int = 0
    evaluations: int = 0
    periodic: int = 0

    @property
    def cadence(self) -> bool:
        return self.periodic > 0

    @property
    def dates(self) -> bool:
        return self.targets > 0

    @property
    def weights(self) -> bool:
        return self.evaluations > 0

    def locked(self, name: str) -> bool:
        if name in ("start_date", "end_date", "scheme"):
            return self.dates
        if name in ("weight_skp", "weight_perilaku"):
            return self.weights
        if name == "cadence":
            return self.cadence
        return False

    def reason(self, name: str) -> str | None:
        if name in ("start_date", "end_date", "scheme") and self.dates:
            return ngettext(
                "Tidak dapat diubah: sudah ada %(num)d target pada periode ini "
                "(rincian bulanan dan penilaiannya bergantung pada tanggal dan skema).",
                "Tidak dapat diubah: sudah ada %(num)d target pada periode ini "
                "(rincian bulanan dan penilaiannya bergantung pada tanggal dan skema).",
                self.targets,
            )
        if name in ("weight_skp", "weight_perilaku") and self.weights:
            return ngettext(
                "Tidak dapat diubah: sudah ada %(num)d evaluasi yang nilainya "
                "dihitung dengan bobot ini.",
                "Tidak dapat diubah: sudah ada %(num)d evaluasi yang nilainya "
                "dihitung dengan bobot ini.",
                self.evaluations,
            )
        if name == "cadence" and self.cadence:
            return ngettext(
                "Tidak dapat diubah: sudah ada %(num)d evaluasi periodik pada periode ini "
                "(subperiodenya mengikuti jadwal ini).",
                "Tidak dapat diubah: sudah ada %(num)d evaluasi periodik pada periode ini "
                "(subperiodenya mengikuti jadwal ini).",
                self.periodic,
            )
        return None


def locks_of(period: Period) -> Locks:
    """Counted in one statement."""
    row = db.session.execute(
        select(
            select(func.count())
            .select_from(Target)
            .where(Target.period_id == period.id)
            .scalar_subquery(),
            select(func.count())
            .select_from(Evaluation)
            .where(Evaluation.period_id == period.id)
            .scalar_subquery(),
            select(func.count())
            .select_from(PeriodicEvaluation)
            .where(PeriodicEvaluation.period_id == period.id)
            .scalar_subquery(),
        )
    ).one()
    return Locks(targets=row[0], evaluations=row[1], periodic=row[2])
