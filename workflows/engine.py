"""The one function that fires a trigger on a target, and what a user may fire.

``fire`` asks the policy once (may this user see the target, and which workflow roles
do they hold on it), checks the table and the reason, and hands the move to the shared
machine: its condition runs each of the row's guards once, its ``before`` callback
persists with a compare-and-swap update (``WHERE id AND state AND version``), its
``after`` callbacks write a history row and an audit event and send
:data:`workflows.signals.target_transitioned`. A lost race is a :class:`Conflict`
(HTTP 409), never a 500. The request commits once.

The engine imports no feature. What reaches beyond the target (the admin's override
re-opening an evaluation, the realisation cache) subscribes to the signal; the guards'
realisation comes from the loader the reports feature hands in
(:func:`provide_realisations`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from flask import g, has_request_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm.attributes import set_committed_value

from portal import audit, clock, policy
from portal.concurrency import compare_and_swap
from portal.errors import Conflict, InvalidInput, PermissionDenied
from portal.extensions import db
from portal.models import (
    Employee,
    Evaluation,
    EvaluationTarget,
    FollowUpItem,
    MonthlyReport,
    Target,
    TargetHistory,
)
from portal.models.monthly import MONTHLY_ACCEPTED
from portal.models.types import utcnow
from workflows import guards
from workflows.signals import target_transitioned
from workflows.targets import MACHINE, STATE_LABELS, Transition, transition_for, transitions_from

REASON_MAX = 2000
LOST_RACE = _l(
    "Target ini baru saja diubah orang lain. Tampilan sudah diperbarui; periksa lalu ulangi."
)
# The refusals of fire() itself (the guards' are in workflows.guards), whole sentences
# filled with ``%(state)s`` (the target's state as people read it) or ``%(max)s``.
STALE_VERSION = _l(
    "Target ini baru saja diubah orang lain (sekarang berstatus “%(state)s”). "
    "Periksa lalu ulangi bila masih perlu."
)
NOT_IN_THIS_STATE = _l("Tindakan ini tidak tersedia untuk target berstatus “%(state)s”.")
NOT_YOUR_ACTION = _l("Anda tidak berwenang melakukan tindakan ini pada target ini.")
REASON_REQUIRED = _l("Alasan wajib diisi untuk tindakan ini.")
REASON_TOO_LONG = _l("Alasan paling banyak %(max)s karakter.")


@dataclass(frozen=True)
class AvailableAction:
    """A trigger this user may fire on this target now, or could once ``blocked`` clears."""

    transition: Transition
    blocked: tuple[str, ...]

    @property
    def trigger(self) -> str:
        return self.transition.trigger


def available_actions(
    user: Employee, target: Target, on: date | None = None
) -> list[AvailableAction]:
    """The buttons to show: triggers from this state that this user's roles may fire.

    The roles come from the request's policy cache; each guard of these transitions runs
    once, however many of them share it (every row has ``period_open``). The rows only
    an operation fires (``offered=False``) are never buttons, nor is a row whose path
    guard (``guards.PATH_GUARDS``) says that the other way back applies."""
    roles = policy.target_roles(user, target)
    permitted = [t for t in transitions_from(target.state) if t.offered and t.roles & roles]
    if not permitted:
        return []
    facts = facts_for(target, permitted, on)
    names = dict.fromkeys(name for t in permitted for name in t.guards)
    refusal = {name: guards.GUARDS[name](facts) for name in names}
    return [
        AvailableAction(t, tuple(r for name in t.guards if (r := refusal[name]) is not None))
        for t in permitted
        if not any(refusal[name] for name in t.guards if name in guards.PATH_GUARDS)
    ]


# --- the guards' facts ---------------------------------------------------------------

RealisationLoader = Callable[[list[Target]], dict[int, object]]
_realisation_loader: RealisationLoader | None = None


def provide_realisations(loader: RealisationLoader) -> RealisationLoader:
    """Name the function that gives the guards each target's realisation (the reports
    feature registers its request-cached batch loader when it is imported). Returns the
    loader, so that it can be used as a decorator."""
    global _realisation_loader
    _realisation_loader = loader
    return loader


def facts_for(target: Target, transitions: list[Transition], on: date | None) -> guards.Facts:
    """What the guards of these transitions need to know. The realisation and the
    evaluation are loaded only when a guard looks at them (the realisation from the
    request's batch cache)."""
    needed = {name for t in transitions for name in t.guards}
    realisation = None
    if needed & guards.NEEDS_REALISATION:
        if _realisation_loader is None:
            raise RuntimeError("No realisation loader: portal.realisation not imported")
        realisation = _realisation_loader([target])[target.id]
    evaluation, kinds, scored, unreported = None, frozenset(), frozenset(), frozenset()
    if needed & guards.NEEDS_EVALUATION:
        evaluation, kinds, scored, unreported = evaluation_facts(target.plan_id)
    accepted_months = frozenset()
    if needed & guards.NEEDS_MONTHLY_REPORTS:
        accepted_months = accepted_report_months(target.owner_id, target.period_id)
    return guards.Facts(
        target,
        on or clock.today(),
        realisation,
        evaluation,
        kinds,
        scored,
        unreported,
        accepted_months,
    )


def accepted_report_months(employee_id: int, period_id: int) -> frozenset[int]:
    """The months of the employee's accepted monthly reports in the period, once per
    request (a plan page asks it for every approved card)."""
    cache = g.setdefault("accepted_report_months", {}) if has_request_context() else {}
    key = (employee_id, period_id)
    if key not in cache:
        cache[key] = frozenset(
            db.session.scalars(
                select(MonthlyReport.month).where(
                    MonthlyReport.employee_id == employee_id,
                    MonthlyReport.period_id == period_id,
                    MonthlyReport.state == MONTHLY_ACCEPTED,
                )
            )
        )
    return cache[key]


def evaluation_facts(
    plan_id: int,
) -> tuple[Evaluation | None, frozenset[str], frozenset[int], frozenset[int]]:
    """The plan's evaluation, the kinds of its follow-up items, the targets it scored and
    which of them without a final report, once per request."""
    cache = g.setdefault("evaluation_facts", {}) if has_request_context() else {}
    if plan_id not in cache:
        evaluation = db.session.scalar(select(Evaluation).where(Evaluation.plan_id == plan_id))
        kinds, scored, unreported = frozenset(), frozenset(), frozenset()
        if evaluation is not None:
            rows = db.session.execute(
                select(EvaluationTarget.target_id, EvaluationTarget.unreported).where(
                    EvaluationTarget.evaluation_id == evaluation.id
                )
            ).all()
            scored = frozenset(target_id for target_id, _ in rows)
            unreported = frozenset(target_id for target_id, flag in rows if flag)
            kinds = frozenset(
                k.value if hasattr(k, "value") else k
                for k in db.session.scalars(
                    select(FollowUpItem.kind).where(FollowUpItem.evaluation_id == evaluation.id)
                )
            )
        cache[plan_id] = (evaluation, kinds, scored, unreported)
    return cache[plan_id]


def forget_evaluation(plan_id: int) -> None:
    if has_request_context():
        g.setdefault("evaluation_facts", {}).pop(plan_id, None)


# --- firing --------------------------------------------------------------------------


@dataclass(eq=False)
class Firing:
    """What the shared machine moves: one trigger fired on one target by one actor.

    ``state`` is the machine's (``model_attribute``); the target's own ``state`` changes
    only once the database row has. The methods are the machine's callbacks."""

    target: Target
    transition: Transition
    actor: Employee
    reason: str
    facts: guards.Facts
    state: str = field(init=False)
    from_state: str = field(init=False)
    version: int = field(init=False)  # the target's, before the move
    refusals: list[str] = field(default_factory=list)
    history: TargetHistory | None = None

    def __post_init__(self) -> None:
        self.state = self.from_state = self.target.state
        self.version = self.target.version

    def claim(self, _event) -> None:
        """Write the move before the machine makes it, unless someone else moved first."""
        target = self.target
        compare_and_swap(
            update(Target)
            .where(
                Target.id == target.id,
                Target.state == self.from_state,
                Target.version == self.version,
            )
            .values(state=self.transition.dest, version=self.version + 1, updated_at=utcnow()),
            LOST_RACE,
        )
        # The row is already written; tell the ORM without marking the object dirty.
        set_committed_value(target, "state", self.transition.dest)
        set_committed_value(target, "version", self.version + 1)

    def record(self, _event) -> None:
        trigger = self.transition.trigger
        self.history = TargetHistory(
            target_id=self.target.id,
            actor_id=self.actor.id,
            trigger=trigger,
            from_state=self.from_state,
            to_state=self.state,
            reason=self.reason,
            version=self.version + 1,
            occurred_at=utcnow(),
        )
        db.session.add(self.history)
        audit.record(
            f"target.{trigger}",
            self.target,
            actor=self.actor,
            summary={
                "from": self.from_state,
                "to": self.state,
                "reason": self.reason,
                "version": self.version + 1,
            },
        )

    def announce(self, _event) -> None:
        target_transitioned.send(
            self.target,
            trigger=self.transition.trigger,
            from_state=self.from_state,
            to_state=self.state,
            actor=self.actor,
            reason=self.reason,
            history=self.history,
        )


def fire(
    target: Target,
    trigger: str,
    actor: Employee,
    *,
    reason: str = "",
    expected_version: int | None = None,
    on: date | None = None,
) -> TargetHistory:
    """Fire ``trigger`` on ``target`` (loaded, with its period and months) as ``actor``;
    return the new history row. Nothing is loaded again: the target's ``state`` and
    ``version`` are updated in place, so the caller may render it after committing."""
    roles = policy.authorize_target(actor, target)
    if expected_version is not None and expected_version != target.version:
        raise Conflict(str(STALE_VERSION) % {"state": STATE_LABELS[target.state]})
    transition = transition_for(trigger, target.state)
    if transition is None:
        raise Conflict(str(NOT_IN_THIS_STATE) % {"state": STATE_LABELS[target.state]})
    if not transition.roles & roles:
        raise PermissionDenied(str(NOT_YOUR_ACTION))
    reason = (reason or "").strip()
    if transition.reason_required and not reason:
        raise InvalidInput(str(REASON_REQUIRED), field="reason")
    if len(reason) > REASON_MAX:
        raise InvalidInput(str(REASON_TOO_LONG) % {"max": REASON_MAX}, field="reason")
    firing = Firing(target, transition, actor, reason, facts_for(target, [transition], on))
    if not MACHINE.events[trigger].trigger(firing):
        raise InvalidInput(" ".join(firing.refusals))
    db.session.flush()
    return firing.history
