"""Monthly realisation of targets, computed in SQL from accepted work entries.

For each target: per month the accepted quantity and cost, the quality rating,
pending entries, and the month in which the cumulative accepted quantity first
reached the annual target (the *RW* of PP 46). Three statements for any number
of targets.

The workflow's guards read a target's realisation through :func:`cached_realisations`,
which this module hands to the engine (``workflows.engine.provide_realisations``) when
it is imported; a transition forgets the cached one (``target_transitioned``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import g, has_request_context
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import EntryStatus, MonthlyQuality, Target, WorkEntry
from workflows import engine
from workflows.signals import target_transitioned


@dataclass
class MonthFigures:
    month: int
    planned: int = 0
    accepted: int = 0
    cost: int = 0
    pending: int = 0
    rating: MonthlyQuality | None = None


@dataclass
class Realisation:
    target: Target
    months: list[MonthFigures] = field(default_factory=list)

    @property
    def accepted(self) -> int:
        return sum(m.accepted for m in self.months)

    @property
    def cost(self) -> int:
        return sum(m.cost for m in self.months)

    @property
    def pending(self) -> int:
        return sum(m.pending for m in self.months)

    @property
    def completion_month(self) -> int | None:
        """The first month whose cumulative accepted quantity reached the annual target."""
        total = 0
        for figures in self.months:
            total += figures.accepted
            if total >= self.target.quantity:
                return figures.month
        return None

    def cumulative(self) -> list[tuple[int, int, int]]:
        """(month, cumulative planned, cumulative accepted) for the chart."""
        planned = accepted = 0
        rows = []
        for figures in self.months:
            planned += figures.planned
            accepted += figures.accepted
            rows.append((figures.month, planned, accepted))
        return rows

    def months_needing_rating(self, up_to: int) -> list[int]:
        """Elapsed months with planned or accepted work but no quality rating yet."""
        return [
            m.month
            for m in self.months
            if m.month <= up_to and (m.planned or m.accepted) and m.rating is None
        ]

    @property
    def mean_quality(self) -> float | None:
        ratings = [m.rating.rating for m in self.months if m.rating is not None]
        return sum(ratings) / len(ratings) if ratings else None


def realisations(targets: list[Target]) -> dict[int, Realisation]:
    """Realisation of each target (its months must be loaded, as
    `portal.models.plans.target_card_options` does)."""
    if not targets:
        return {}
    ids = [t.id for t in targets]
    result = {}
    for target in targets:
        planned = {m.month: m.quantity for m in target.months}
        count = target.period.month_count
        result[target.id] = Realisation(
            target, [MonthFigures(m, planned.get(m, 0)) for m in range(1, count + 1)]
        )
    accepted = db.session.execute(
        select(
            WorkEntry.target_id,
            WorkEntry.month,
            WorkEntry.status,
            func.count(),
            func.coalesce(func.sum(WorkEntry.quantity), 0),
            func.coalesce(func.sum(WorkEntry.cost), 0),
        )
        .where(WorkEntry.target_id.in_(ids), WorkEntry.status != EntryStatus.REJECTED)
        .group_by(WorkEntry.target_id, WorkEntry.month, WorkEntry.status)
    )
    for target_id, month, status, count, quantity, cost in accepted:
        months = result[target_id].months
        if not 1 <= month <= len(months):
            continue
        figures = months[month - 1]
        if status == EntryStatus.ACCEPTED:
            figures.accepted += int(quantity)
            figures.cost += int(cost)
        else:
            figures.pending += count
    ratings = db.session.scalars(select(MonthlyQuality).where(MonthlyQuality.target_id.in_(ids)))
    for rating in ratings:
        months = result[rating.target_id].months
        if 1 <= rating.month <= len(months):
            months[rating.month - 1].rating = rating
    return result


@engine.provide_realisations
def cached_realisations(targets: list[Target]) -> dict[int, Realisation]:
    """:func:`realisations`, remembered for the request so guards on many cards cost one load."""
    if not has_request_context():
        return realisations(targets)
    cache = g.setdefault("realisation_cache", {})
    missing = [t for t in targets if t.id not in cache]
    if missing:
        cache.update(realisations(missing))
    return {t.id: cache[t.id] for t in targets}


def forget(target_id: int) -> None:
    if has_request_context():
        g.setdefault("realisation_cache", {}).pop(target_id, None)


@target_transitioned.connect
def _forget_on_transition(target: Target, **_) -> None:
    """A target that moved is read afresh by whatever asks next in the request (the
    buttons of its new state), not from what was cached before the move."""
    forget(target.id)
