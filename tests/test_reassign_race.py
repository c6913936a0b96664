"""A reassignment racing an approval by the old evaluator, in both orders, for one target and
for a whole handover: exactly one lands first, the other is refused (409) and leaves
nothing behind; retried on the fresh row, the reassignment moves the approved target, and
the old evaluator's approval is refused outright (403). Run on SQLite and on PostgreSQL
(``PORTAL_TEST_DATABASE=postgres``).

As in test_concurrency: each thread has its own app context, session and connection;
both read before they meet at a barrier; the first then writes at once and keeps its
transaction open a moment (a slowed audit write after its compare-and-swap), the second
writes as soon as the first has written, while the first is still uncommitted.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from portal.errors import Conflict, PermissionDenied
from portal.extensions import db
from portal.models import Employee, EvaluatorAssignment, Target, TargetHistory
from portal.ranks import JenisJabatan
from portal.reassign import handovers, single_target
from tests.race_helpers import FIRST_WROTE, slow_audit  # noqa: F401 (a fixture)
from workflows import engine

# Threads racing on connections of their own, the first writer slowed (race_helpers).
pytestmark = [pytest.mark.commits, pytest.mark.usefixtures("slow_audit")]


@pytest.fixture
def team(factory):
    head, boss, (owner, _) = factory.team(2)
    admin = factory.employee(owner.unit, is_admin=True)
    successor = factory.employee(
        owner.unit, atasan=head, jabatan="Kepala Bagian", jenis_jabatan=JenisJabatan.ADMINISTRASI
    )
    period = factory.period(owner.instansi)
    target = factory.target(owner, period)
    engine.fire(target, "submit", owner)
    db.session.commit()
    return {"boss": boss.id, "admin": admin.id, "successor": successor.id, "target": target.id}


def _approve(team):
    """Prepared as the old evaluator's open page: the target read at its version."""
    target = db.session.get(Target, team["target"])
    boss = db.session.get(Employee, team["boss"])
    version = target.version
    _ = (target.period, target.months, target.evaluator, target.owner, target.plan)

    def act():
        engine.fire(target, "approve", boss, expected_version=version)
        return "approve"

    return act


def _reassign_one(team):
    target = db.session.get(Target, team["target"])
    to = db.session.get(Employee, team["successor"])
    admin = db.session.get(Employee, team["admin"])
    version = target.version
    _ = (target.period, target.owner, target.evaluator, target.plan)

    def act():
        single_target.reassign_target(
            target, to, "", note="", expected_version=version, actor=admin
        )
        return "reassign"

    return act


def _hand_over(team):
    """Prepared as the admin's preview page: the token of what was shown."""
    boss = db.session.get(Employee, team["boss"])
    to = db.session.get(Employee, team["successor"])
    admin = db.session.get(Employee, team["admin"])
    token = handovers.preview_handover(boss, to, "plt", set_atasan=True, actor=admin).token

    def act():
        handovers.hand_over(boss, to, "plt", set_atasan=True, note="", token=token, actor=admin)
        return "reassign"

    return act


def _race(app, team, first, second) -> dict[str, str]:
    barrier = threading.Barrier(2)

    def attempt(prepare, goes_second):
        with app.app_context():
            try:
                act = prepare(team)
                barrier.wait(timeout=10)
                if goes_second:
                    assert FIRST_WROTE.wait(timeout=10), "the first writer never wrote"
                try:
                    outcome = act()
                    db.session.commit()
                    return outcome
                except Conflict:
                    db.session.rollback()
                    return "conflict"
            finally:
                db.session.remove()

    db.session.rollback()  # the test's own session holds nothing while the threads run
    FIRST_WROTE.clear()
    with ThreadPoolExecutor(2) as pool:
        futures = [pool.submit(attempt, first, False), pool.submit(attempt, second, True)]
        outcomes = [f.result(timeout=60) for f in futures]
    return dict(zip(["first", "second"], outcomes, strict=True))


def _fresh(team) -> Target:
    db.session.rollback()
    db.session.expire_all()
    return db.session.get(Target, team["target"])


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


@pytest.mark.parametrize("reassign", [_reassign_one, _hand_over], ids=["one-target", "handover"])
def test_the_approval_lands_first_then_the_retried_reassignment_moves_it(app, team, reassign):
    outcomes = _race(app, team, _approve, reassign)
    assert outcomes == {"first": "approve", "second": "conflict"}
    target = _fresh(team)
    assert (target.state, target.evaluator_id, target.version) == ("approved", team["boss"], 3)
    assert _count(EvaluatorAssignment, EvaluatorAssignment.target_id == target.id) == 1
    # The admin sees the fresh preview (or the fresh target) and confirms again.
    reassign(team)()
    db.session.commit()
    target = _fresh(team)
    assert (target.state, target.evaluator_id, target.version) == (
        "approved",
        team["successor"],
        4,
    )
    assert _count(TargetHistory, TargetHistory.target_id == target.id) == 2  # submit, approve


@pytest.mark.parametrize("reassign", [_reassign_one, _hand_over], ids=["one-target", "handover"])
def test_the_reassignment_lands_first_and_the_old_evaluator_is_refused(app, team, reassign):
    outcomes = _race(app, team, reassign, _approve)
    assert outcomes == {"first": "reassign", "second": "conflict"}
    target = _fresh(team)
    assert (target.state, target.evaluator_id, target.version) == (
        "discussed",
        team["successor"],
        3,
    )
    assert _count(TargetHistory, TargetHistory.target_id == target.id) == 1  # submit only
    # On the fresh row, the old evaluator may no longer approve; the new one may.
    with pytest.raises(PermissionDenied):
        _approve(team)()
    db.session.rollback()
    target = _fresh(team)
    engine.fire(target, "approve", db.session.get(Employee, team["successor"]))
    db.session.commit()
    assert _fresh(team).state == "approved"
