"""The one function that fires a trigger on a target, and what a user may fire.

``fire`` checks the policy, the table and the guards, runs the shared machine, then
persists with a compare-and-swap update (``WHERE id AND state AND version``). A lost
race is a :class:`Conflict` (HTTP 409), never a 500. Every success writes a history
row and an audit event; the request commits once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import g, has_request_context
from flask_babel import gettext as _
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
    Target,
    TargetHistory,
)
from portal.models.types import utcnow
from portal.reports.realisation import cached_realisations, forget
from workflows import guards
from workflows.targets import MACHINE, STATE_LABELS, Transition, transition_for, transitions_from

REASON_MAX = 2000
LOST_RACE = _l(
    "Target ini baru saja diubah orang lain. Tampilan sudah diperbarui; periksa lalu ulangi."
)


@dataclass(frozen=True)
class AvailableAction:
    """A trigger this user may fire on this target now, or could once ``blocked`` clears."""

    transition: Transition
    blocked: tuple[str, ...]

    @property
    def trigger(self) -> str:
        return self.transition.trigger


class _StateToken:
    """What the shared machine moves: a plain holder of the state, never the ORM row."""

    def __init__(self, state: str) -> None:
        self.state = state


def available_actions(
    user: Employee, target: Target, on: date | None = None
) -> list[AvailableAction]:
    """The buttons to show: triggers from this state that this user's roles may fire."""
    roles = policy.target_roles(user, target)
    permitted = [t for t in transitions_from(target.state) if t.roles & roles]
    facts = facts_for(target, permitted, on)
    return [AvailableAction(t, tuple(guards.failures(t.guards, facts))) for t in permitted]


def facts_for(target: Target, transitions: list[Transition], on: date | None) -> guards.Facts:
    """What the guards of these transitions need to know. The realisation and the
    evaluation are loaded only when a guard looks at them (the realisation from the
    request's batch cache)."""
    needed = {g for t in transitions for g in t.guards}
    realisation = None
    if needed & guards.NEEDS_REALISATION:
        realisation = cached_realisations([target])[target.id]
    evaluation, kinds, scored = None, frozenset(), frozenset()
    if needed & guards.NEEDS_EVALUATION:
        evaluation, kinds, scored = evaluation_facts(target.plan_id)
    return guards.Facts(target, on or clock.today(), realisation, evaluation, kinds, scored)


def evaluation_facts(
    plan_id: int,
) -> tuple[Evaluation | None, frozenset[str], frozenset[int]]:
    """The plan's evaluation, the kinds of its follow-up items and the targets it scored,
    once per request."""
    cache = g.setdefault("evaluation_facts", {}) if has_request_context() else {}
    if plan_id not in cache:
        evaluation = db.session.scalar(select(Evaluation).where(Evaluation.plan_id == plan_id))
        kinds, scored = frozenset(), frozenset()
        if evaluation is not None:
            scored = frozenset(
                db.session.scalars(
                    select(EvaluationTarget.target_id).where(
                        EvaluationTarget.evaluation_id == evaluation.id
                    )
                )
            )
            kinds = frozenset(
                k.value if hasattr(k, "value") else k
                for k in db.session.scalars(
                    select(FollowUpItem.kind).where(FollowUpItem.evaluation_id == evaluation.id)
                )
            )
        cache[plan_id] = (evaluation, kinds, scored)
    return cache[plan_id]


def forget_evaluation(plan_id: int) -> None:
    if has_request_context():
        g.setdefault("evaluation_facts", {}).pop(plan_id, None)


def fire(
    target: Target,
    trigger: str,
    actor: Employee,
    *,
    reason: str = "",
    expected_version: int | None = None,
    on: date | None = None,
) -> TargetHistory:
    """Fire ``trigger`` on ``target`` as ``actor``; return the new history row."""
    policy.authorize(actor, policy.Action.VIEW_TARGET, target)
    if expected_version is not None and expected_version != target.version:
        raise Conflict(
            _(
                "Target ini baru saja diubah orang lain (sekarang berstatus “%(state)s”). "
                "Periksa lalu ulangi bila masih perlu.",
                state=STATE_LABELS[target.state],
            )
        )
    transition = transition_for(trigger, target.state)
    if transition is None:
        raise Conflict(
            _(
                "Tindakan ini tidak tersedia untuk target berstatus “%(state)s”.",
                state=STATE_LABELS[target.state],
            )
        )
    if not transition.roles & policy.target_roles(actor, target):
        raise PermissionDenied(_("Anda tidak berwenang melakukan tindakan ini pada target ini."))
    reason = (reason or "").strip()
    if transition.reason_required and not reason:
        raise InvalidInput(_("Alasan wajib diisi untuk tindakan ini."), field="reason")
    if len(reason) > REASON_MAX:
        raise InvalidInput(
            _("Alasan paling banyak %(max)s karakter.", max=REASON_MAX), field="reason"
        )
    facts = facts_for(target, [transition], on)
    refused = guards.failures(transition.guards, facts)
    if refused:
        raise InvalidInput(" ".join(refused))

    token = _StateToken(target.state)
    if not MACHINE.events[trigger].trigger(token, facts=facts):
        raise InvalidInput(_("Syarat tindakan ini belum terpenuhi."))
    from_state, version = target.state, target.version
    compare_and_swap(
        update(Target)
        .where(Target.id == target.id, Target.state == from_state, Target.version == version)
        .values(state=token.state, version=version + 1, updated_at=utcnow()),
        LOST_RACE,
    )
    # The row is already written; tell the ORM without marking the object dirty.
    set_committed_value(target, "state", token.state)
    set_committed_value(target, "version", version + 1)
    forget(target.id)
    history = TargetHistory(
        target_id=target.id,
        actor_id=actor.id,
        trigger=trigger,
        from_state=from_state,
        to_state=token.state,
        reason=reason,
        version=version + 1,
        occurred_at=utcnow(),
    )
    db.session.add(history)
    if trigger == "revert":
        # The admin's override reaches beyond the target (an evaluation to re-open).
        from portal.reassign.override import after_revert

        after_revert(target, from_state, actor, reason)
    audit.record(
        f"target.{trigger}",
        target,
        actor=actor,
        summary={"from": from_state, "to": token.state, "reason": reason, "version": version + 1},
    )
    db.session.flush()
    return history
