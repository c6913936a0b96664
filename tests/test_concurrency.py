"""Two people act on one target at the same moment: exactly one wins, the other gets a
409 and sees the fresh row, and the history has one new row. Run on SQLite and on
PostgreSQL (``PORTAL_TEST_DATABASE=postgres``).

Each thread has its own app context, hence its own session and connection. The threads
meet at a barrier right before firing; the winner then holds its transaction open for a
moment (a slowed audit write, after the compare-and-swap update) so that the loser's
update really runs while the winner's is still uncommitted.
"""

from __future__ import annotations

import secrets
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest
from sqlalchemy import func, select

from portal import audit
from portal.errors import Conflict
from portal.extensions import db
from portal.models import Employee, Target, TargetComment, TargetHistory
from portal.models.periods import PeriodStatus
from portal.plans import services
from workflows import engine

pytestmark = pytest.mark.commits  # threads racing on connections of their own

HOLD = 0.3  # seconds the first writer keeps its transaction open


@pytest.fixture
def team(factory):
    head, boss, (owner, _) = factory.team(2)
    admin = factory.employee(owner.unit, is_admin=True)
    period = factory.period(owner.instansi)
    db.session.commit()
    return {"owner": owner, "evaluator": boss, "admin": admin, "period": period, "factory": factory}


@pytest.fixture
def slow_audit(monkeypatch):
    """Keep every racing writer's transaction open a little after its update (only in the
    racing threads: the test's own setup stays quick)."""
    record = audit.record

    def slow_record(*args, **kwargs):
        if threading.current_thread() is not threading.main_thread():
            time.sleep(HOLD)
        return record(*args, **kwargs)

    monkeypatch.setattr(audit, "record", slow_record)


def _discussed(team) -> Target:
    target = team["factory"].target(team["owner"], team["period"])
    engine.fire(target, "submit", team["owner"])
    db.session.commit()
    return target


def _history_count(target_id: int) -> int:
    db.session.rollback()  # end this session's snapshot: see what the threads committed
    return db.session.scalar(
        select(func.count()).select_from(TargetHistory).where(TargetHistory.target_id == target_id)
    )


def _end_the_test_transaction() -> None:
    """The requests made from the test's thread share its session, which outlives them;
    end its transaction (and any lock it holds), as a worker between requests would."""
    db.session.rollback()


def _race(app, target_id: int, moves: list[tuple[int, str, str]]) -> list[str]:
    """Fire each (actor id, trigger, reason) in its own thread and session, together."""
    barrier = threading.Barrier(len(moves))

    def attempt(actor_id: int, trigger: str, reason: str) -> str:
        with app.app_context():
            try:
                target = db.session.get(Target, target_id)
                actor = db.session.get(Employee, actor_id)
                # Load what policy and guards read, so the update is the first write.
                version = target.version
                _ = (target.period, target.months, target.evaluator, target.owner)
                barrier.wait(timeout=10)
                try:
                    engine.fire(target, trigger, actor, reason=reason, expected_version=version)
                    db.session.commit()
                    return trigger
                except Conflict as lost:
                    db.session.rollback()
                    # Both passed the version check: the compare-and-swap decided.
                    assert lost.message == engine.LOST_RACE
                    return "conflict"
            finally:
                db.session.remove()

    with ThreadPoolExecutor(len(moves)) as pool:
        futures = [pool.submit(attempt, *move) for move in moves]
        return [f.result(timeout=60) for f in futures]


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("approve", "request_revision"),
        ("approve", "approve"),
        ("request_revision", "request_revision"),
    ],
)
def test_two_sessions_fire_on_one_target_at_once(app, team, slow_audit, first, second):
    target = _discussed(team)
    before = _history_count(target.id)
    evaluator = team["evaluator"].id

    outcomes = _race(
        app, target.id, [(evaluator, first, "Perbaiki"), (evaluator, second, "Perbaiki")]
    )

    assert outcomes.count("conflict") == 1
    [winner] = [o for o in outcomes if o != "conflict"]
    assert winner in (first, second)
    assert _history_count(target.id) == before + 1
    stored = db.session.get(Target, target.id)
    assert stored.state == {"approve": "approved", "request_revision": "drafted"}[winner]
    assert stored.version == 3
    [row] = db.session.scalars(
        select(TargetHistory).where(
            TargetHistory.target_id == target.id, TargetHistory.version == 3
        )
    ).all()
    assert row.trigger == winner


def test_evaluator_and_admin_reopen_at_once(app, team, slow_audit):
    target = _discussed(team)
    engine.fire(target, "approve", team["evaluator"])
    db.session.commit()
    outcomes = _race(
        app,
        target.id,
        [
            (team["evaluator"].id, "reopen", "Salah hitung"),
            (team["admin"].id, "reopen", "Koreksi admin"),
        ],
    )
    assert sorted(outcomes) == ["conflict", "reopen"]
    assert _history_count(target.id) == 3
    assert db.session.get(Target, target.id).state == "discussed"


def test_two_clients_race_over_http(app, team, login_as, slow_audit):
    """Two browser tabs of the evaluator: one approves, one asks for revision."""
    target = _discussed(team)
    tabs = [login_as(team["evaluator"]), login_as(team["evaluator"])]
    for tab in tabs:
        tab.csrf_token()  # fetched here, so the threads only post
    version = str(target.version)
    url = f"/target/{target.id}/aksi/"
    _end_the_test_transaction()
    barrier = threading.Barrier(2)

    def post(tab, trigger):
        barrier.wait(timeout=10)
        response = tab.post(
            url + trigger,
            {"version": version, "view": "card", "reason": "Perjelas satuan"},
            htmx=True,
        )
        return trigger, response.status_code, response.get_data(as_text=True)

    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(post, tabs, ["approve", "request_revision"]))

    assert sorted(status for _, status, _ in results) == [200, 409]
    [(winner, _, _)] = [r for r in results if r[1] == 200]
    [(_, _, loser_html)] = [r for r in results if r[1] == 409]
    fresh = {"approve": "Disetujui", "request_revision": "Draf"}[winner]
    assert "<html" not in loser_html
    assert f'id="target-{target.id}"' in loser_html  # the fresh card, to swap in
    assert "baru saja diubah orang lain" in loser_html
    assert f"tag--state-{'approved' if winner == 'approve' else 'drafted'}" in loser_html
    assert fresh in loser_html
    assert _history_count(target.id) == 2


def test_a_stale_version_gets_409_with_the_fresh_card(app, team, login_as):
    """Two tabs of the evaluator show the target at version 2. The first approves; the
    admin reopens it (version 4). The second tab, still at version 2, approves: 409, and
    the card it gets back is the fresh one, whose buttons carry version 4."""
    target = _discussed(team)
    first, second = login_as(team["evaluator"]), login_as(team["evaluator"])
    url = f"/target/{target.id}/aksi/approve"
    assert first.post(url, {"version": "2", "view": "card"}, htmx=True).status_code == 200
    engine.fire(
        db.session.get(Target, target.id), "reopen", team["admin"], reason="Perlu dibahas ulang"
    )
    db.session.commit()

    response = second.post(url, {"version": "2", "view": "card"}, htmx=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "<html" not in html
    assert html.lstrip().startswith(f'<article class="card target" id="target-{target.id}"')
    assert str(engine.STALE_VERSION) % {"state": "Dalam pembahasan"} in html
    assert "tag--state-discussed" in html
    assert 'name="version" value="4"' in html and 'name="version" value="2"' not in html
    assert "HX-Trigger" not in response.headers  # nothing changed: the badges stay
    assert _history_count(target.id) == 3
    db.session.expire_all()
    assert db.session.get(Target, target.id).version == 4


def test_a_stale_version_without_htmx_redirects_with_the_message(app, team, login_as):
    target = _discussed(team)
    evaluator = login_as(team["evaluator"])
    response = evaluator.post(f"/target/{target.id}/aksi/approve", {"version": "1"})
    assert response.status_code == 303
    page = evaluator.get(response.headers["Location"]).get_data(as_text=True)
    assert "baru saja diubah orang lain" in page
    assert "<html" in page
    assert db.session.get(Target, target.id).state == "discussed"


def test_a_double_submitted_comment_creates_one_comment(app, team, login_as):
    target = _discussed(team)
    client = login_as(team["evaluator"])
    token = secrets.token_hex(16)
    form = {"body": "Mohon rincian bulan Desember dikurangi.", "form_token": token}
    first = client.post(f"/target/{target.id}/komentar", form, htmx=True)
    second = client.post(f"/target/{target.id}/komentar", form, htmx=True)
    assert first.status_code == second.status_code == 200
    assert second.get_data(as_text=True).count("Mohon rincian bulan Desember") == 1
    assert db.session.scalar(select(func.count()).select_from(TargetComment)) == 1


def test_a_comment_submitted_twice_at_the_same_moment_creates_one(app, team, login_as):
    target = _discussed(team)
    tabs = [login_as(team["owner"]), login_as(team["owner"])]
    for tab in tabs:
        tab.csrf_token()
    form = {"body": "Sudah saya perbaiki.", "form_token": secrets.token_hex(16)}
    url = f"/target/{target.id}/komentar"
    _end_the_test_transaction()
    barrier = threading.Barrier(2)

    def post(tab):
        barrier.wait(timeout=10)
        return tab.post(url, form, htmx=True).status_code

    with ThreadPoolExecutor(2) as pool:
        statuses = list(pool.map(post, tabs))
    assert statuses == [200, 200]
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(TargetComment)) == 1


def test_deleting_a_draft_while_it_is_submitted_keeps_the_submitted_target(app, team, slow_audit):
    """The owner deletes a draft in one tab while submitting it in another: the delete
    must lose (409), not wipe a submitted target together with its history."""
    target = team["factory"].target(team["owner"], team["period"])
    db.session.commit()
    target_id, owner_id = target.id, team["owner"].id
    barrier = threading.Barrier(2)

    def attempt(action: str) -> str:
        with app.app_context():
            try:
                mine = db.session.get(Target, target_id)
                owner = db.session.get(Employee, owner_id)
                _ = (mine.period, mine.months, mine.evaluator, mine.owner, mine.version)
                barrier.wait(timeout=10)
                try:
                    if action == "submit":
                        engine.fire(mine, "submit", owner, expected_version=1)
                    else:
                        time.sleep(HOLD / 3)  # the submit's update goes first
                        services.delete_target(mine, owner, expected_version=1)
                    db.session.commit()
                    return action
                except Conflict:
                    db.session.rollback()
                    return "conflict"
            finally:
                db.session.remove()

    with ThreadPoolExecutor(2) as pool:
        outcomes = list(pool.map(attempt, ["submit", "delete"]))

    assert outcomes == ["submit", "conflict"]
    db.session.expire_all()
    stored = db.session.get(Target, target_id)
    assert stored is not None and stored.state == "discussed"
    assert _history_count(target_id) == 1


def test_unrelated_actions_at_the_same_moment_both_succeed(app, team, login_as, slow_audit):
    """Only a real conflict is a 409: two people submitting their own targets at once
    both succeed (on SQLite the second waits for the first writer, it is not refused)."""
    colleague = team["factory"].employee(team["owner"].unit, atasan=team["evaluator"])
    mine = team["factory"].target(team["owner"], team["period"])
    theirs = team["factory"].target(colleague, team["period"])
    db.session.commit()
    clients = [login_as(team["owner"]), login_as(colleague)]
    for client in clients:
        client.csrf_token()
    urls = [f"/target/{mine.id}/aksi/submit", f"/target/{theirs.id}/aksi/submit"]
    _end_the_test_transaction()
    barrier = threading.Barrier(2)

    def post(client, url):
        barrier.wait(timeout=10)
        return client.post(url, {"version": "1", "view": "card"}, htmx=True).status_code

    with ThreadPoolExecutor(2) as pool:
        statuses = list(pool.map(post, clients, urls))
    assert statuses == [200, 200]
    db.session.expire_all()
    assert {db.session.get(Target, t).state for t in (mine.id, theirs.id)} == {"discussed"}


def test_copying_last_period_twice_at_the_same_moment_copies_once(app, team, login_as, slow_audit):
    """Two tabs click "copy last period" together: one copies, the other is told there is
    nothing left to copy; never two sets of drafts."""
    factory, owner = team["factory"], team["owner"]
    last = factory.period(
        owner.instansi,
        name="Tahun 2025",
        start_date=date(2025, 1, 1),
        end_date=date(2025, 12, 31),
        planning_deadline=date(2025, 1, 31),
    )
    for title in ("Menyusun analisis jabatan", "Evaluasi kelembagaan"):
        factory.target(owner, last, title=title)
    last.status = PeriodStatus.CLOSED
    factory.target(owner, team["period"], title="Sudah ada")  # the plan exists already
    db.session.commit()
    tabs = [login_as(owner), login_as(owner)]
    for tab in tabs:
        tab.csrf_token()
    url = f"/skp/{team['period'].id}/salin"
    _end_the_test_transaction()
    barrier = threading.Barrier(2)

    def post(tab):
        barrier.wait(timeout=10)
        return tab.post(url).status_code

    with ThreadPoolExecutor(2) as pool:
        statuses = sorted(pool.map(post, tabs))
    assert statuses == [303, 422]
    db.session.expire_all()
    copied = db.session.scalar(
        select(func.count()).select_from(Target).where(Target.period_id == team["period"].id)
    )
    assert copied == 3
