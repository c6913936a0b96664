"""One pass through the engine (issue 11 §5): the policy asked once, each guard run once,
no read of what the caller loaded, and a signal after the move that the admin's override
and the realisation cache receive (the engine imports neither)."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest
from flask import g
from sqlalchemy import func, select

from portal import policy
from portal.errors import Conflict, InvalidInput, PermissionDenied
from portal.extensions import db
from portal.models import AuditEvent, Evaluation, EvaluationStatus, Target, TargetHistory
from portal.models.plans import load_target
from portal.realisation import _forget_on_transition, cached_realisations
from portal.reassign.override import after_revert
from workflows import engine, guards
from workflows.signals import target_transitioned
from workflows.targets import MACHINE, transition_for

AFTER_PERIOD = date(2027, 1, 2)  # the factory's period ends on 31 December 2026


@pytest.fixture
def team(factory):
    head, boss, (owner,) = factory.team(1)
    admin = factory.employee(owner.unit, is_admin=True)
    period = factory.period(owner.instansi)
    db.session.commit()
    return {"head": head, "boss": boss, "owner": owner, "admin": admin, "period": period}


def _target(factory, team, state: str | None = None) -> Target:
    target = factory.target(team["owner"], team["period"], state=state)
    db.session.commit()
    return target


@pytest.fixture
def received():
    """What ``target_transitioned`` was sent, and the target's stored row at that moment."""
    calls = []

    def receiver(target, **payload):
        stored = db.session.execute(
            select(Target.state, Target.version).where(Target.id == target.id)
        ).one()
        calls.append((target, payload, tuple(stored)))

    with target_transitioned.connected_to(receiver):
        yield calls


@pytest.fixture
def guard_calls(monkeypatch):
    """Every guard, counting its runs (and still deciding as before)."""
    calls = Counter()
    for name, guard in list(guards.GUARDS.items()):

        def counting(facts, _guard=guard, _name=name):
            calls[_name] += 1
            return _guard(facts)

        monkeypatch.setitem(guards.GUARDS, name, counting)
    return calls


def test_the_signal_follows_the_written_move_with_its_payload(factory, team, received):
    target = _target(factory, team, "discussed")
    history = engine.fire(target, "approve", team["boss"], reason="  Sudah sesuai  ")

    [(sender, payload, stored)] = received
    assert sender is target
    assert stored == ("approved", 2)  # the compare-and-swap came first
    assert payload == {
        "trigger": "approve",
        "from_state": "discussed",
        "to_state": "approved",
        "actor": team["boss"],
        "reason": "Sudah sesuai",
        "history": history,
    }
    assert isinstance(history, TargetHistory) and history.version == 2


@pytest.mark.parametrize(
    ("state", "trigger", "person", "refusal"),
    [
        ("discussed", "approve", "owner", PermissionDenied),
        ("drafted", "approve", "boss", Conflict),
        ("discussed", "request_revision", "boss", InvalidInput),  # no reason
    ],
)
def test_a_refused_move_sends_nothing(factory, team, received, state, trigger, person, refusal):
    target = _target(factory, team, state)
    with pytest.raises(refusal):
        engine.fire(target, trigger, team[person])
    assert received == []
    assert (target.state, target.version) == (state, 1)


def test_a_move_the_guards_refuse_sends_nothing_and_gives_every_reason(
    factory, team, received, monkeypatch
):
    target = _target(factory, team, "discussed")
    monkeypatch.setitem(guards.GUARDS, "period_open", lambda facts: "Periode tutup.")
    monkeypatch.setitem(guards.GUARDS, "target_complete", lambda facts: "Belum lengkap.")
    with pytest.raises(InvalidInput) as refused:
        engine.fire(target, "approve", team["boss"])
    assert refused.value.message == "Periode tutup. Belum lengkap."
    assert received == []
    assert (target.state, target.version) == ("discussed", 1)


def test_a_receiver_that_raises_undoes_the_move(factory, team):
    target = _target(factory, team, "discussed")
    target_id = target.id

    def refuse(_target, **_payload):
        raise Conflict("Tidak kali ini.")

    with target_transitioned.connected_to(refuse), pytest.raises(Conflict):
        engine.fire(target, "approve", team["boss"])
    db.session.rollback()
    assert db.session.get(Target, target_id).state == "discussed"
    assert db.session.scalar(select(func.count()).select_from(TargetHistory)) == 0


def test_the_override_and_the_realisation_cache_subscribe(factory, team):
    target = _target(factory, team)
    receivers = list(target_transitioned.receivers_for(target))
    assert after_revert in receivers
    assert _forget_on_transition in receivers


def _final_evaluation(target: Target, team) -> Evaluation:
    evaluation = Evaluation(
        plan_id=target.plan_id,
        employee_id=team["owner"].id,
        period_id=team["period"].id,
        instansi_id=team["owner"].instansi_id,
        evaluator_id=team["boss"].id,
        status=EvaluationStatus.FINAL,
        predikat="Baik",
        employee_response="agree",
    )
    db.session.add(evaluation)
    db.session.commit()
    return evaluation


@pytest.mark.parametrize("muted", [False, True], ids=["subscribed", "muted"])
def test_the_override_reopens_the_evaluation_only_through_the_signal(factory, team, muted):
    target = _target(factory, team, "evaluated")
    evaluation = _final_evaluation(target, team)
    if muted:
        with target_transitioned.muted():
            engine.fire(target, "revert", team["admin"], reason="Koreksi data")
    else:
        engine.fire(target, "revert", team["admin"], reason="Koreksi data")
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Target, target.id).state == "reported"
    reopened = db.session.get(Evaluation, evaluation.id)
    reopens = db.session.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "evaluation.reopen")
    )
    if muted:
        assert (reopened.status, reopened.employee_response, reopens) == ("final", "agree", 0)
    else:
        assert (reopened.status, reopened.employee_response, reopens) == ("draft", None, 1)
        assert reopened.version == evaluation.version


def test_a_revert_from_another_state_leaves_the_evaluation_alone(factory, team):
    target = _target(factory, team, "reported")
    evaluation = _final_evaluation(target, team)
    engine.fire(target, "revert", team["admin"], reason="Koreksi data")
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Evaluation, evaluation.id).status == "final"


def test_a_move_forgets_the_cached_realisation_of_that_target(app, factory, team):
    target, other = _target(factory, team, "discussed"), _target(factory, team, "discussed")
    with app.test_request_context():
        cached_realisations([target, other])
        assert set(g.realisation_cache) == {target.id, other.id}
        engine.fire(target, "approve", team["boss"])
        assert set(g.realisation_cache) == {other.id}


# -- once each ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "trigger", "person", "reason"),
    [
        ("drafted", "submit", "owner", ""),
        ("discussed", "approve", "boss", ""),
        ("discussed", "request_revision", "boss", "Perjelas"),
        ("reported", "return_report", "boss", "Bukti kurang"),
        ("approved", "reopen", "admin", "Periksa ulang"),
        ("discussed", "revert", "admin", "Koreksi"),
    ],
)
def test_each_guard_of_the_row_runs_once_and_no_other(
    factory, team, guard_calls, state, trigger, person, reason
):
    target = _target(factory, team, state)
    row = transition_for(trigger, state)
    engine.fire(target, trigger, team[person], reason=reason, on=AFTER_PERIOD)
    assert target.state == row.dest
    assert guard_calls == Counter(row.guards)


def test_a_refused_move_runs_each_guard_once_and_gives_every_reason(factory, team, guard_calls):
    """No month rated yet: the machine refuses, after running each guard of the row once."""
    target = _target(factory, team, "approved")
    row = transition_for("submit_report", "approved")
    with pytest.raises(InvalidInput) as refused:
        engine.fire(target, "submit_report", team["owner"], on=AFTER_PERIOD)
    assert "Nilai kualitas bulanan belum diberikan" in refused.value.message
    assert guard_calls == Counter(row.guards)
    assert (target.state, target.version) == ("approved", 1)


def test_the_machine_condition_is_the_rows_guards(factory, team, guard_calls):
    """The condition the shared machine checks runs the row's guards; the engine does not
    run them before it as well."""
    [move] = MACHINE.events["approve"].transitions["discussed"]
    [condition] = move.conditions
    target = _target(factory, team, "discussed")
    with pytest.raises(PermissionDenied):
        # An admin may not approve: the policy refuses before the machine is asked.
        engine.fire(target, "approve", team["admin"])
    assert guard_calls == Counter()
    assert condition.func.__name__ == "guards_pass_approve_from_discussed"
    engine.fire(target, "approve", team["boss"])
    assert guard_calls == Counter({"period_open": 1, "target_complete": 1})


def test_a_transition_asks_the_policy_once(app, factory, team, monkeypatch):
    target = _target(factory, team, "discussed")
    asked = Counter()
    for name in ("authorize", "can"):
        original = getattr(policy, name)

        def counting(*args, _original=original, _name=name, **kwargs):
            asked[_name] += 1
            return _original(*args, **kwargs)

        monkeypatch.setattr(policy, name, counting)
    with app.test_request_context():
        engine.fire(target, "approve", team["boss"])
    assert asked == Counter({"authorize": 1, "can": 1})


def test_the_buttons_run_each_guard_once_however_many_rows_share_it(factory, team, guard_calls):
    """An admin on an approved target is offered reopen and revert; both rows have the
    ``period_open`` guard, which runs once."""
    target = _target(factory, team, "approved")
    actions = engine.available_actions(team["admin"], target)
    assert {a.trigger for a in actions} == {"reopen", "revert"}
    assert all(a.blocked == () for a in actions)
    assert guard_calls == Counter({"period_open": 1})


def test_the_buttons_keep_each_rows_own_refusals(factory, team, monkeypatch):
    target = _target(factory, team, "approved")
    monkeypatch.setitem(guards.GUARDS, "period_open", lambda facts: "Periode tutup.")
    blocked = {a.trigger: a.blocked for a in engine.available_actions(team["admin"], target)}
    assert blocked == {"reopen": ("Periode tutup.",), "revert": ("Periode tutup.",)}


def test_the_roles_are_worked_out_once_per_request(app, factory, team, monkeypatch):
    target = _target(factory, team, "approved")
    checked = Counter()
    original = policy._is_instansi_admin

    def counting(user, instansi_id):
        checked[user.id] += 1
        return original(user, instansi_id)

    monkeypatch.setattr(policy, "_is_instansi_admin", counting)
    with app.test_request_context():
        for _ in range(3):
            assert policy.target_roles(team["admin"], target) == {"admin"}
            engine.available_actions(team["admin"], target)
    assert checked[team["admin"].id] == 1


def test_firing_on_a_loaded_target_only_writes(app, factory, team, count_statements):
    """The caller loaded the target (with its period and months): the engine reads nothing
    again. It writes the compare-and-swap, the history row, the audit event and the
    owner's notification ("Target Anda disetujui"), in the transition's transaction."""
    target_id = _target(factory, team, "discussed").id
    boss = team["boss"]
    db.session.expire_all()
    with app.test_request_context():
        target = load_target(target_id)
        assert target.period.is_open and boss.active  # loaded, as a route has them
        with count_statements() as counter:
            engine.fire(target, "approve", boss)
    kinds = sorted(" ".join(s.split()[:3]) for s in counter.statements)
    assert kinds == [
        "INSERT INTO audit_event",
        "INSERT INTO notification",
        "INSERT INTO target_history",
        "UPDATE target SET",
    ], counter.statements
