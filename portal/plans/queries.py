"""Read models of the planning screens; each issues a fixed number of statements.

The screens' view models are built here too (a target's card, the plan page, the
target page): what each person may do to each target is decided in code, once, and the
templates only read it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal import policy
from portal.extensions import db
from portal.models import (
    Employee,
    EvaluatorAssignment,
    EvaluatorReport,
    Period,
    Scheme,
    Target,
    TargetComment,
    TargetHistory,
)
from portal.models.notifications import open_evaluator_report
from portal.models.periods import PeriodStatus
from portal.models.plans import KindGroup, group_by_kind, target_card_options
from portal.plans import analysis, revisions
from portal.plans.analysis import TargetAnalysis
from portal.plans.expectations import PlanTerms, load_terms
from portal.policy import Action, PlanRef
from portal.realisation import cached_realisations
from workflows import engine
from workflows.engine import AvailableAction
from workflows.targets import (
    APPROVED,
    DISCUSSED,
    DRAFTED,
    EVALUATED,
    FOLLOWED_UP,
    REPORTED,
    STATE_LABELS,
)

if TYPE_CHECKING:  # the assignment view is built by portal.reassign, which imports this
    from portal.reassign.notes import AssignmentView

# The states in which a plan's targets are on the evaluation screen.
EVALUATION_STATES = frozenset((REPORTED, EVALUATED, FOLLOWED_UP))


def plan_targets(plan_id: int) -> list[Target]:
    return list(
        db.session.scalars(
            select(Target)
            .where(Target.plan_id == plan_id)
            .options(*target_card_options())
            .order_by(Target.position, Target.id)
        )
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
        .options(joinedload(TargetHistory.actor))
        .order_by(TargetHistory.version)
    )
    return {row.target_id: row for row in rows}


@dataclass
class TimelineEntry:
    """One line of a target's history; ``kind`` names its CSS modifier, the ``is_*``
    properties tell the template which partial draws it."""

    kind: str  # "transition", "revision", "comment", "reassignment" or "interim_note"
    at: object
    who: Employee
    item: object

    @property
    def is_transition(self) -> bool:
        return self.kind == "transition"

    @property
    def is_revision(self) -> bool:
        """An edit of the content, its fields before → after."""
        return self.kind == "revision"

    @property
    def is_handover(self) -> bool:
        """A change of evaluator or an interim note: drawn by the reassign partial."""
        return self.kind in ("reassignment", "interim_note")

    @property
    def is_reassignment(self) -> bool:
        return self.kind == "reassignment"


def timeline(
    target_id: int,
    assignments: list[EvaluatorAssignment] | None = None,
    owner_id: int | None = None,
) -> list[TimelineEntry]:
    """The target's history, edits, comments and handovers in order; ``assignments`` (with
    the target's ``owner_id``) are its assignment rows when the caller has them loaded."""
    history = db.session.scalars(
        select(TargetHistory)
        .where(TargetHistory.target_id == target_id)
        .options(joinedload(TargetHistory.actor))
    ).all()
    comments = db.session.scalars(
        select(TargetComment)
        .where(TargetComment.target_id == target_id)
        .options(joinedload(TargetComment.author))
    ).all()
    entries = [TimelineEntry("transition", h.occurred_at, h.actor, h) for h in history]
    entries += [
        TimelineEntry("revision", r.revision.occurred_at, r.revision.actor, r)
        for r in revisions.revisions(target_id)
    ]
    entries += [TimelineEntry("comment", c.created_at, c.author, c) for c in comments]
    entries += _assignment_entries(target_id, assignments, owner_id)
    return sorted(entries, key=lambda e: (e.at, e.kind == "comment", e.item.id))


def _assignment_entries(
    target_id: int,
    assignments: list[EvaluatorAssignment] | None = None,
    owner_id: int | None = None,
) -> list[TimelineEntry]:
    """Changes of evaluator ("reassignment") and interim notes for the next evaluator
    ("interim_note": a row that keeps the evaluator). The row written when the owner
    created the target is not news."""
    if assignments is not None:
        rows = [(row, owner_id) for row in assignments]
    else:
        rows = _assignment_rows(target_id)
    entries, previous = [], None
    for index, (row, owner) in enumerate(rows):
        creation = index == 0 and row.assigned_by_id == owner
        same = previous is not None and (previous.evaluator_id, previous.acting) == (
            row.evaluator_id,
            row.acting,
        )
        if not creation and row.assigned_by is not None:
            kind = "interim_note" if same else "reassignment"
            entries.append(TimelineEntry(kind, row.assigned_at, row.assigned_by, row))
        previous = row
    return entries


def _assignment_rows(target_id: int) -> list:
    return db.session.execute(
        select(EvaluatorAssignment, Target.owner_id)
        .join(Target, Target.id == EvaluatorAssignment.target_id)
        .where(EvaluatorAssignment.target_id == target_id)
        .options(
            joinedload(EvaluatorAssignment.assigned_by),
            joinedload(EvaluatorAssignment.evaluator),
            joinedload(EvaluatorAssignment.acting_for),
        )
        .order_by(EvaluatorAssignment.id)
    ).all()


# -- view models --------------------------------------------------------------------------


@dataclass(frozen=True)
class TargetCard:
    """A target as its card and its page show it to one user: the buttons the engine
    offers, and what else the user may do with it."""

    target: Target
    actions: tuple[AvailableAction, ...]
    may_edit: bool
    may_bulk_approve: bool  # ticked on the plan page and approved together
    revision: TargetHistory | None  # the latest request for revision of a draft
    analysis: TargetAnalysis | None  # for the supervisors

    @property
    def idle(self) -> bool:
        """Nothing waits for this user on this target."""
        return not self.actions and not self.may_edit


def target_cards(user: Employee, ref: PlanRef, targets: list[Target]) -> list[TargetCard]:
    """The cards of ``targets`` (of one plan): a fixed number of statements whatever
    their number."""
    if not targets:
        return []
    analyses = {}
    if policy.can(user, Action.ANALYSE_PLAN, ref):
        analyses = analysis.analyse(ref.employee, ref.period, targets)
    revisions = revision_reasons([t.id for t in targets if t.state == DRAFTED])
    return [
        TargetCard(
            target=t,
            actions=tuple(engine.available_actions(user, t)),
            may_edit=policy.can(user, Action.EDIT_TARGET, t),
            may_bulk_approve=t.state == DISCUSSED and t.evaluator_id == user.id,
            revision=revisions.get(t.id),
            analysis=analyses.get(t.id),
        )
        for t in targets
    ]


def target_card(user: Employee, target: Target) -> TargetCard:
    [card] = target_cards(user, plan_ref_of(target), [target])
    return card


def plan_ref_of(target: Target) -> PlanRef:
    return PlanRef(target.owner, target.period, target.plan)


@dataclass(frozen=True)
class StateCount:
    state: str
    label: str
    count: int


@dataclass
class PlanPage:
    """An employee's plan in a period, as one user sees it."""

    ref: PlanRef
    cards: list[TargetCard]
    previous: Period | None  # last period, to copy targets from
    may_edit: bool
    own: bool
    # The owner's open "pejabat penilai salah" report (only on their own plan).
    evaluator_report: EvaluatorReport | None = None
    # The perilaku kerja expectations and the lampiran; whether this user may set them
    # (the evaluator, while the plan is discussed) and whether they are agreed already
    # (every target approved: approved with the plan).
    terms: PlanTerms | None = None  # scheme B plans only
    may_set_expectations: bool = False
    terms_agreed: bool = False
    may_view_matrix: bool = False  # the matriks peran–hasil of this employee's RHK

    @property
    def may_report_evaluator(self) -> bool:
        """The owner may tell the admin their pejabat penilai is missing or wrong."""
        return self.own and self.ref.employee.active and self.evaluator_report is None

    @property
    def targets(self) -> list[Target]:
        return [card.target for card in self.cards]

    @property
    def scheme_b(self) -> bool:
        return self.ref.period.scheme == Scheme.PERMENPANRB_6_2022

    @property
    def may_set_variant(self) -> bool:
        """The owner chooses the pendekatan and form until a target is approved."""
        return (
            self.may_edit
            and self.scheme_b
            and all(t.state in (DRAFTED, DISCUSSED) for t in self.targets)
        )

    @property
    def groups(self) -> list[KindGroup]:
        """The cards under A. Utama and B. Tambahan, as the SKP sets them out."""
        return group_by_kind(self.cards, lambda card: card.target)

    @property
    def drafts(self) -> list[Target]:
        """The drafts the owner submits together (only the owner edits the plan)."""
        return [t for t in self.targets if t.state == DRAFTED] if self.may_edit else []

    @property
    def may_bulk_approve(self) -> bool:
        return any(card.may_bulk_approve for card in self.cards)

    @property
    def may_evaluate(self) -> bool:
        return any(t.state in EVALUATION_STATES for t in self.targets)

    @property
    def may_copy_previous(self) -> bool:
        return self.may_edit and self.previous is not None

    @property
    def state_counts(self) -> list[StateCount]:
        states = [t.state for t in self.targets]
        return [StateCount(s, str(label), states.count(s)) for s, label in STATE_LABELS.items()]

    @property
    def period_preparing(self) -> bool:
        return self.ref.period.status == PeriodStatus.DRAFT

    @property
    def period_closed(self) -> bool:
        return not self.period_preparing and not self.ref.period.is_open

    @property
    def without_atasan(self) -> bool:
        """The owner has no supervisor yet: they may draft, not submit."""
        return self.own and self.ref.employee.atasan is None


def plan_page(user: Employee, ref: PlanRef, previous: Period | None) -> PlanPage:
    targets = plan_targets(ref.plan.id) if ref.plan else []
    # One batch for the guards of every approved card instead of one load per card (a
    # single card's guards load its realisation themselves, and only when they need it).
    approved = [t for t in targets if t.state == APPROVED]
    if approved:
        cached_realisations(approved)
    return PlanPage(
        ref=ref,
        cards=target_cards(user, ref, targets),
        previous=previous,
        may_edit=policy.can(user, Action.EDIT_PLAN, ref),
        own=ref.employee.id == user.id,
        may_view_matrix=policy.can(user, Action.VIEW_ROLE_MATRIX, ref),
        evaluator_report=open_evaluator_report(user.id) if ref.employee.id == user.id else None,
        **_terms(user, ref, targets),
    )


def _terms(user: Employee, ref: PlanRef, targets: list[Target]) -> dict:
    """The plan page's perilaku kerja section and lampiran: only in a scheme B period
    (a PP 46 plan has none), and only once the plan has targets."""
    if ref.period.scheme != Scheme.PERMENPANRB_6_2022 or not targets:
        return {}
    return {
        "terms": load_terms(ref.plan),
        "may_set_expectations": policy.can(user, Action.SET_EXPECTATIONS, ref),
        "terms_agreed": not policy.plan_in_discussion(ref.plan),
    }


@dataclass
class TargetPage:
    """The target page: its card, its history and discussion, the evaluator's handover."""

    card: TargetCard
    timeline: list[TimelineEntry]
    assignment: AssignmentView
    may_comment: bool
    # The owner's plan, which a ketua tim of one of its RHK does not see.
    may_view_plan: bool = True

    @property
    def target(self) -> Target:
        return self.card.target


def target_page(user: Employee, target: Target, assignment: AssignmentView) -> TargetPage:
    return TargetPage(
        card=target_card(user, target),
        timeline=timeline(target.id, assignment.rows, target.owner_id),
        assignment=assignment,
        may_comment=policy.can(user, Action.COMMENT_TARGET, target),
        may_view_plan=policy.can(user, Action.VIEW_PLAN, plan_ref_of(target)),
    )
