"""The admin's override (issue 6 §4): a target one step back, with a reason, through the one
transition function; shown in the history, audited, and, from ``evaluated``, re-opening the
plan's evaluation so that it can be finished again (its printed letters then outdated)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.errors import InvalidInput, PermissionDenied
from portal.extensions import db
from portal.models import AuditEvent, Letter, Target, TargetHistory
from tests.evaluation_helpers import (
    STEADY,
    build_team,
    evaluation_of,
    finish,
    form_b,
    print_letter,
    reported_targets,
    screen_url,
    snapshot,
    text_of,
)
from tests.reporting_helpers import sign_in
from workflows import engine
from workflows.targets import REVERT_LABEL, REVERTED

OUTDATED = "Surat ini sudah tidak berlaku."


@pytest.fixture
def login_as(make_client, no_inline_code):
    return lambda employee: sign_in(make_client, employee)


@pytest.fixture
def evaluated(factory, monkeypatch, login_as):
    """Two targets reported and evaluated by the boss, the employee agreed, a letter printed."""
    team = build_team(factory, monkeypatch)
    reported_targets(team, [STEADY, STEADY])
    boss = login_as(team.boss)
    assert finish(boss, team, form_b(team)).status_code == 303
    evaluation = evaluation_of(team)
    owner = login_as(team.owner)
    assert owner.post(
        f"/evaluasi/{evaluation.id}/tanggapan", {"response": "agree"}
    ).status_code in (
        200,
        303,
    )
    assert print_letter(boss, evaluation.id).status_code == 200
    return team


def test_the_admin_sees_the_revert_button_with_a_reason_field(evaluated, login_as):
    team = evaluated
    url = f"/target/{team.target.id}"
    html = login_as(team.admin).get(url).get_data(as_text=True)
    assert str(REVERT_LABEL) in html
    assert f'action="/target/{team.target.id}/aksi/revert"' in html
    assert f'id="reason-{team.target.id}-revert" name="reason" required' in html
    for someone in (team.boss, team.owner):
        assert str(REVERT_LABEL) not in login_as(someone).get(url).get_data(as_text=True)


def test_reverting_an_evaluated_target_reopens_the_evaluation(evaluated, login_as, make_client):
    team = evaluated
    target, other = team.targets
    evaluation = evaluation_of(team)
    assert evaluation.employee_response == "agree"
    printed_version = evaluation.version
    letter = db.session.scalar(select(Letter))
    public = make_client()
    assert OUTDATED not in text_of(public.get(f"/cek-surat/{letter.code}"))
    admin = login_as(team.admin)
    url = f"/target/{target.id}/aksi/revert"

    before = snapshot()
    no_reason = admin.post(url, {"version": str(target.version), "reason": " "}, htmx=True)
    assert no_reason.status_code == 422
    assert "Alasan wajib diisi" in text_of(no_reason)
    assert snapshot() == before

    response = admin.post(
        url, {"version": str(target.version), "reason": "Realisasi Mei salah dimasukkan."}
    )
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Target, target.id).state == "reported"
    assert db.session.get(Target, other.id).state == "evaluated"
    reopened = evaluation_of(team)
    assert (reopened.status, reopened.version) == ("draft", printed_version + 1)
    assert (reopened.evaluated_at, reopened.employee_response) == (None, None)
    [history] = db.session.scalars(
        select(TargetHistory).where(
            TargetHistory.target_id == target.id, TargetHistory.trigger == "revert"
        )
    ).all()
    assert (history.from_state, history.to_state, history.actor_id) == (
        "evaluated",
        "reported",
        team.admin.id,
    )
    assert history.reason == "Realisasi Mei salah dimasukkan."
    events = {
        e.action: e
        for e in db.session.scalars(
            select(AuditEvent).where(AuditEvent.action.in_(("target.revert", "evaluation.reopen")))
        )
    }
    assert events["target.revert"].summary["reason"] == "Realisasi Mei salah dimasukkan."
    assert events["evaluation.reopen"].summary["before"]["employee_response"] == "agree"
    assert events["evaluation.reopen"].actor_id == team.admin.id
    page = text_of(admin.get(f"/target/{target.id}"))
    assert f"{REVERTED!s}: Dievaluasi → Dilaporkan" in page
    assert "Realisasi Mei salah dimasukkan." in page
    # The printed letter no longer states the evaluation.
    assert OUTDATED in text_of(public.get(f"/cek-surat/{letter.code}"))

    # The evaluation screen is a draft again, and the evaluator finishes it anew.
    boss = login_as(team.boss)
    screen = boss.get(screen_url(team)).get_data(as_text=True)
    assert "draf" in screen and 'value="finish"' in screen
    assert finish(boss, team, form_b(team)).status_code == 303
    db.session.expire_all()
    assert evaluation_of(team).status == "final"
    assert db.session.get(Target, target.id).state == "evaluated"
    # And the employee may respond to the new evaluation.
    owner = login_as(team.owner)
    agreed = owner.post(f"/evaluasi/{evaluation.id}/tanggapan", {"response": "agree"})
    assert agreed.status_code in (200, 303)
    assert evaluation_of(team).employee_response == "agree"


def test_revert_through_fire_for_other_states(factory, monkeypatch):
    team = build_team(factory, monkeypatch)
    target = team.factory.target(team.owner, team.period)
    engine.fire(target, "submit", team.owner)
    engine.fire(target, "approve", team.boss)
    db.session.commit()
    with pytest.raises(PermissionDenied):
        engine.fire(target, "revert", team.boss, reason="Saya atasan")
    with pytest.raises(InvalidInput):
        engine.fire(target, "revert", team.admin, reason="")
    db.session.rollback()
    history = engine.fire(target, "revert", team.admin, reason="Salah setujui")
    db.session.commit()
    assert (history.from_state, history.to_state, history.trigger) == (
        "approved",
        "discussed",
        "revert",
    )
    assert evaluation_of(team) is None  # nothing to re-open below "evaluated"
    assert db.session.scalar(
        select(AuditEvent.summary).where(AuditEvent.action == "target.revert")
    ) == {"from": "approved", "to": "discussed", "reason": "Salah setujui", "version": 4}
