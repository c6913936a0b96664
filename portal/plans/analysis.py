"""The supervisor's analysis of a plan: *tinggi rendahnya target* and *kesesuaian
dengan arah kinerja organisasi* — is each target too high or too low, does it
support one of the supervisor's targets, and was it planned in time?

Three statements per plan whatever its size: last period's targets of the employee
(the period found in the same statement), the peers' targets (same jabatan, same
instansi and period), the first submission of each target, and nothing else — the
targets themselves come loaded by the caller.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from statistics import median

from flask_babel import format_date, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager

from portal import clock
from portal.extensions import db
from portal.models import Employee, Period, Target, TargetHistory
from portal.months import ended_months

BACKLOADED_TARGETS = _l("Lebih dari separuh target menumpuk di triwulan terakhir.")

SIMILAR = 0.75  # word overlap above which two titles count as "the same kind of work"
HIGH, LOW = 1.5, 0.5  # against the peers' median
_WORD = re.compile(r"\w+")
LEVEL_LABELS = {"tinggi": _l("tinggi"), "rendah": _l("rendah"), "wajar": _l("wajar")}


@dataclass
class TargetAnalysis:
    target: Target
    previous: Target | None = None
    peer_median: float | None = None
    peer_count: int = 0
    warnings: list[str] = field(default_factory=list)
    # The period's planning deadline (*batas penyusunan SKP*), and whether the target
    # was created or first submitted after it.
    deadline: date | None = None
    late: bool = False

    @property
    def aligned(self) -> bool:
        return self.target.aligned

    @property
    def level(self) -> str | None:
        if not self.peer_median:
            return None
        ratio = self.target.quantity / self.peer_median
        return "tinggi" if ratio > HIGH else "rendah" if ratio < LOW else "wajar"

    @property
    def unusual(self) -> bool:
        """Far above or below the peers' median: worth a second look."""
        return self.level in ("tinggi", "rendah")

    @property
    def level_label(self) -> str:
        return str(LEVEL_LABELS[self.level or "wajar"])


def _similar(a: str, b: str) -> float:
    """Jaccard overlap of the titles' words: "analisis jabatan" ≠ "analisis beban kerja"."""
    words_a, words_b = set(_WORD.findall(a.lower())), set(_WORD.findall(b.lower()))
    if not words_a or not words_b:
        return 0.0
    return len(words_a & words_b) / len(words_a | words_b)


def _best_match(target: Target, candidates: list[Target]) -> Target | None:
    by_copy = next((c for c in candidates if c.id == target.copied_from_id), None)
    if by_copy is not None:
        return by_copy
    scored = [(c, _similar(target.title, c.title)) for c in candidates]
    scored = [(c, s) for c, s in scored if s >= SIMILAR]
    return max(scored, key=lambda pair: pair[1])[0] if scored else None


def monthly_warnings(target: Target, month_count: int) -> list[str]:
    months = target.monthly_quantities
    warnings = []
    total = sum(months)
    if total != target.quantity:
        warnings.append(
            _(
                "Jumlah bulanan (%(total)s) tidak sama dengan target tahunan (%(annual)s).",
                total=total,
                annual=target.quantity,
            )
        )
    empty = sum(1 for q in months if q == 0)
    if empty and target.quantity >= month_count:
        warnings.append(
            _(
                "%(count)s bulan tanpa target padahal kuantitas cukup untuk dibagi.",
                count=empty,
            )
        )
    last_quarter = sum(months[-3:])
    if target.quantity and last_quarter * 2 > target.quantity:
        warnings.append(str(BACKLOADED_TARGETS))
    return warnings


def _day(value: date) -> str:
    return format_date(value, "long")


def timing_warnings(
    target: Target, period: Period, submitted_on: date | None, today: date
) -> tuple[bool, list[str]]:
    """A plan made late: created or first submitted after the planning deadline (the
    first value: late), or with monthly targets whose month was already over when it was
    submitted (or is over now, for a draft never submitted) — a breakdown that cannot
    steer the work it plans."""
    warnings = []
    deadline = period.planning_deadline
    created_on = clock.local_date(target.created_at)
    if created_on > deadline:
        warnings.append(
            _(
                "Dibuat %(date)s, setelah batas penyusunan SKP (%(deadline)s).",
                date=_day(created_on),
                deadline=_day(deadline),
            )
        )
    if submitted_on is not None and submitted_on > deadline:
        warnings.append(
            _(
                "Diajukan %(date)s, setelah batas penyusunan SKP (%(deadline)s).",
                date=_day(submitted_on),
                deadline=_day(deadline),
            )
        )
    late = bool(warnings)
    planned = [m for m in target.months if m.quantity > 0]
    over = ended_months(period, submitted_on or today)
    past = sum(1 for m in planned if m.month <= over)
    if past:
        if submitted_on is not None:
            message = ngettext(
                "%(num)d dari %(total)d target bulanan sudah lewat saat diajukan.",
                "%(num)d dari %(total)d target bulanan sudah lewat saat diajukan.",
                past,
                total=len(planned),
            )
        else:
            message = ngettext(
                "%(num)d dari %(total)d target bulanan sudah lewat.",
                "%(num)d dari %(total)d target bulanan sudah lewat.",
                past,
                total=len(planned),
            )
        warnings.append(message)
    return late, warnings


def first_submissions(target_ids: list[int]) -> dict[int, date]:
    """The local day each target was first submitted to the supervisor."""
    if not target_ids:
        return {}
    rows = db.session.execute(
        select(TargetHistory.target_id, func.min(TargetHistory.occurred_at))
        .where(TargetHistory.target_id.in_(target_ids), TargetHistory.trigger == "submit")
        .group_by(TargetHistory.target_id)
    ).all()
    return {target_id: clock.local_date(at) for target_id, at in rows}


def analyse(owner: Employee, period: Period, targets: list[Target]) -> dict[int, TargetAnalysis]:
    """Analyse the given targets of ``owner`` in ``period``; keyed by target id."""
    last = (
        select(Period.id)
        .where(Period.instansi_id == period.instansi_id, Period.end_date < period.start_date)
        .order_by(Period.end_date.desc())
        .limit(1)
        .scalar_subquery()
    )
    previous_targets = list(
        db.session.scalars(
            select(Target).where(Target.owner_id == owner.id, Target.period_id == last)
        )
    )
    peers = db.session.execute(
        select(Target.title, Target.quantity_unit, Target.quantity)
        .join(Employee, Employee.id == Target.owner_id)
        .where(
            Employee.instansi_id == owner.instansi_id,
            Employee.jabatan == owner.jabatan,
            Employee.id != owner.id,
            Target.period_id == period.id,
        )
    ).all()
    submitted = first_submissions([t.id for t in targets])
    today = clock.today()
    result = {}
    for target in targets:
        analysis = TargetAnalysis(
            target,
            previous=_best_match(target, previous_targets),
            deadline=period.planning_deadline,
        )
        comparable = [
            quantity
            for title, unit, quantity in peers
            if unit.lower() == target.quantity_unit.lower()
            and _similar(title, target.title) >= SIMILAR
        ]
        if comparable:
            analysis.peer_median = float(median(comparable))
            analysis.peer_count = len(comparable)
        analysis.warnings = monthly_warnings(target, period.month_count)
        if analysis.level == "tinggi":
            analysis.warnings.append(
                _("Jauh di atas median rekan sejabatan: periksa kewajarannya.")
            )
        elif analysis.level == "rendah":
            analysis.warnings.append(
                _("Jauh di bawah median rekan sejabatan: mungkin terlalu rendah.")
            )
        if analysis.previous is not None and target.quantity < analysis.previous.quantity:
            analysis.warnings.append(
                _(
                    "Lebih rendah dari target periode lalu (%(quantity)s %(unit)s).",
                    quantity=analysis.previous.quantity,
                    unit=analysis.previous.quantity_unit,
                )
            )
        if not analysis.aligned:
            analysis.warnings.append(_("Belum selaras: tidak mendukung target atasan mana pun."))
        analysis.late, timing = timing_warnings(target, period, submitted.get(target.id), today)
        analysis.warnings.extend(timing)
        result[target.id] = analysis
    return result


@dataclass
class CascadeBranch:
    parent: Target
    supporters: list[Target]


@dataclass
class Cascade:
    branches: list[CascadeBranch]
    unaligned: list[Target]  # subordinates' targets that support nothing
    idle: list[Employee]  # subordinates with no target supporting the supervisor


def team_targets(
    supervisor: Employee, period: Period
) -> tuple[list[Target], list[Employee], list[Target]]:
    """The supervisor's own RHK, their active subordinates, and the subordinates' RHK
    (owners loaded): what the cascade and the matriks peran-hasil lay out, in three
    statements whatever the team's size."""
    own = list(
        db.session.scalars(
            select(Target)
            .where(Target.owner_id == supervisor.id, Target.period_id == period.id)
            .order_by(Target.position, Target.id)
        )
    )
    subordinates = list(
        db.session.scalars(
            select(Employee)
            .where(Employee.atasan_id == supervisor.id, Employee.active.is_(True))
            .order_by(Employee.name, Employee.id)
        )
    )
    theirs = list(
        db.session.scalars(
            select(Target)
            .join(Employee, Employee.id == Target.owner_id)
            .where(Employee.atasan_id == supervisor.id, Target.period_id == period.id)
            .order_by(Employee.name, Target.position, Target.id)
            # The owners come with the join: the pages name each one.
            .options(contains_eager(Target.owner))
        )
    )
    return own, subordinates, theirs


def cascade(supervisor: Employee, period: Period) -> Cascade:
    own, subordinates, theirs = team_targets(supervisor, period)
    own_ids = {t.id for t in own}
    by_parent: dict[int, list[Target]] = {t.id: [] for t in own}
    unaligned = []
    for target in theirs:
        if target.parent_id in own_ids:
            by_parent[target.parent_id].append(target)
        elif target.assigned_by_id is None:  # an assignment is aligned in its tim kerja
            unaligned.append(target)
    supporting = {t.owner_id for t in theirs if t.parent_id in own_ids}
    return Cascade(
        branches=[CascadeBranch(t, by_parent[t.id]) for t in own],
        unaligned=unaligned,
        idle=[e for e in subordinates if e.id not in supporting],
    )
