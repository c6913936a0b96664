"""Read models of the planning screens; each issues a fixed number of statements."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from portal.extensions import db
from portal.models import (
    Employee,
    EvaluatorAssignment,
    Period,
    Target,
    TargetComment,
    TargetHistory,
    WorkEntry,
)
from portal.models.periods import PeriodStatus
from workflows.targets import DISCUSSED, DRAFTED, REPORTED


def target_options():
    """Everything a target card shows, loaded up front (no lazy loads per card)."""
    return (
        selectinload(Target.months),
        selectinload(Target.evaluator),
        selectinload(Target.owner),
        selectinload(Target.parent).selectinload(Target.owner),
    )


def plan_targets(plan_id: int) -> list[Target]:
    return list(
        db.session.scalars(
            select(Target)
            .where(Target.plan_id == plan_id)
            .options(*target_options())
            .order_by(Target.position, Target.id)
        )
    )


def load_target(target_id: int) -> Target | None:
    return db.session.scalar(
        select(Target).where(Target.id == target_id).options(*target_options())
    )


def revision_reasons(target_ids: list[int]) -> dict[int, TargetHistory]:
    """The latest request for revision of each drafted target, for the owner to read."""
    if not target_ids:
        return {}
    rows = db.session.scalars(
        select(TargetHistory)
        .where(
            TargetHistory.target_id.in_(target_ids),
            TargetHistory.trigger == "request_revision",
        )
        .options(selectinload(TargetHistory.actor))
        .order_by(TargetHistory.version)
    )
    return {row.target_id: row for row in rows}


@dataclass
class TimelineEntry:
    kind: str  # "transition" or "comment"
    at: object
    who: Employee
    item: object


def timeline(target_id: int) -> list[TimelineEntry]:
    history = db.session.scalars(
        select(TargetHistory)
        .where(TargetHistory.target_id == target_id)
        .options(selectinload(TargetHistory.actor))
    ).all()
    comments = db.session.scalars(
        select(TargetComment)
        .where(TargetComment.target_id == target_id)
        .options(selectinload(TargetComment.author))
    ).all()
    entries = [TimelineEntry("transition", h.occurred_at, h.actor, h) for h in history]
    entries += [TimelineEntry("comment", c.created_at, c.author, c) for c in comments]
    entries += _assignment_entries(target_id)
    return sorted(entries, key=lambda e: (e.at, e.kind == "comment", e.item.id))


def _assignment_entries(target_id: int) -> list[TimelineEntry]:
    """Changes of evaluator ("reassignment") and interim notes for the next evaluator
    ("interim_note": a row that keeps the evaluator). The row written when the owner
    created the target is not news."""
    rows = db.session.execute(
        select(EvaluatorAssignment, Target.owner_id)
        .join(Target, Target.id == EvaluatorAssignment.target_id)
        .where(EvaluatorAssignment.target_id == target_id)
        .options(
            selectinload(EvaluatorAssignment.assigned_by),
            selectinload(EvaluatorAssignment.evaluator),
            selectinload(EvaluatorAssignment.acting_for),
        )
        .order_by(EvaluatorAssignment.id)
    ).all()
    entries, previous = [], None
    for index, (row, owner_id) in enumerate(rows):
        creation = index == 0 and row.assigned_by_id == owner_id
        same = previous is not None and (previous.evaluator_id, previous.acting) == (
            row.evaluator_id,
            row.acting,
        )
        if not creation and row.assigned_by is not None:
            kind = "interim_note" if same else "reassignment"
            entries.append(TimelineEntry(kind, row.assigned_at, row.assigned_by, row))
        previous = row
    return entries


def _open_period_ids():
    return select(Period.id).where(Period.status == PeriodStatus.OPEN)


def _pending_entries(user_id: int):
    """Work entries waiting for this user's verification (as evaluator of their target)."""
    return (
        select(WorkEntry.owner_id, func.count().label("n"))
        .join(Target, Target.id == WorkEntry.target_id)
        .where(Target.evaluator_id == user_id, WorkEntry.is_pending())
        .group_by(WorkEntry.owner_id)
    )


def inbox_count(user_id: int) -> int:
    """Targets awaiting this user's action plus entries awaiting their verification."""
    pending = _pending_entries(user_id).subquery()
    entries = db.session.scalar(select(func.coalesce(func.sum(pending.c.n), 0)))
    return int(entries) + db.session.scalar(
        select(func.count())
        .select_from(Target)
        .where(
            Target.period_id.in_(_open_period_ids()),
            or_(
                and_(Target.owner_id == user_id, Target.state == DRAFTED),
                and_(Target.evaluator_id == user_id, Target.state.in_((DISCUSSED, REPORTED))),
            ),
        )
    )


@dataclass
class PlanGroup:
    owner: Employee
    period: Period
    targets: list[Target] = field(default_factory=list)


@dataclass
class Inbox:
    own_drafts: list[Target]
    revisions: dict[int, TargetHistory]
    to_review: list[PlanGroup]
    to_verify: list[tuple[Employee, int]] = field(default_factory=list)
    to_evaluate: list[PlanGroup] = field(default_factory=list)

    @property
    def count(self) -> int:
        return (
            len(self.own_drafts)
            + sum(len(g.targets) for g in self.to_review)
            + sum(n for _, n in self.to_verify)
            + sum(len(g.targets) for g in self.to_evaluate)
        )


def inbox(user_id: int) -> Inbox:
    own = list(
        db.session.scalars(
            select(Target)
            .where(
                Target.owner_id == user_id,
                Target.state == DRAFTED,
                Target.period_id.in_(_open_period_ids()),
            )
            .options(*target_options(), joinedload(Target.period))
            .order_by(Target.period_id, Target.position, Target.id)
        )
    )
    review = db.session.scalars(
        select(Target)
        .join(Employee, Employee.id == Target.owner_id)
        .where(
            Target.evaluator_id == user_id,
            Target.state.in_((DISCUSSED, REPORTED)),
            Target.period_id.in_(_open_period_ids()),
        )
        .options(*target_options(), joinedload(Target.period))
        .order_by(Employee.name, Target.owner_id, Target.position, Target.id)
    ).all()
    groups: dict[tuple[int, int], PlanGroup] = {}
    evaluate: dict[tuple[int, int], PlanGroup] = {}
    for target in review:
        key = (target.owner_id, target.period_id)
        bucket = groups if target.state == DISCUSSED else evaluate
        bucket.setdefault(key, PlanGroup(target.owner, target.period)).targets.append(target)
    pending = _pending_entries(user_id).subquery()
    to_verify = [
        (employee, n)
        for employee, n in db.session.execute(
            select(Employee, pending.c.n)
            .join(pending, pending.c.owner_id == Employee.id)
            .order_by(Employee.name)
        ).all()
    ]
    return Inbox(
        own,
        revision_reasons([t.id for t in own]),
        list(groups.values()),
        to_verify,
        list(evaluate.values()),
    )
