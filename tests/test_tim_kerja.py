"""Penugasan dari (tim kerja, issue 14 item 4): an RHK assigned by a ketua tim of the
instansi other than the atasan. The leader follows and comments on it and finds it in
their inbox; the evaluator stays the pejabat penilai; every bad choice of leader is a
422 naming the field, with nothing changed."""

from __future__ import annotations

import re
import secrets
from types import SimpleNamespace

import pytest
from flask import current_app
from sqlalchemy import func, select

from portal import policy
from portal.errors import InvalidInput
from portal.extensions import db
from portal.forms import CONTROL_CHARACTERS
from portal.inbox import queries as inbox
from portal.inbox.assigned import ASSIGNED
from portal.models import AuditEvent, Notification, Target, TargetComment, TargetRevision
from portal.plans.forms import ALIGNMENT_UNKNOWN, LEADER_NIP_INVALID, LEADER_REQUIRED
from portal.plans.services import (
    LEADER_IS_ATASAN,
    LEADER_IS_SELF,
    LEADER_NOT_FOUND,
    LEADER_PARENT_INVALID,
)
from portal.policy import Action
from tests.factories import signed_in
from tests.reporting_helpers import PLANNING_DAY, fix_today
from workflows import engine
from workflows.states import APPROVED, DISCUSSED


@pytest.fixture
def w(factory, monkeypatch):
    """A team (head, boss, owner, colleague), a ketua tim in another unit of the same
    instansi, and an employee of another instansi."""
    fix_today(monkeypatch, PLANNING_DAY)
    head, boss, (owner, colleague) = factory.team(2)
    leader = factory.employee(factory.unit(owner.instansi), jabatan="Ketua Tim Reformasi")
    _, _, (stranger,) = factory.team(1)
    period = factory.period(owner.instansi)
    db.session.commit()
    return SimpleNamespace(
        factory=factory,
        head=head,
        boss=boss,
        owner=owner,
        colleague=colleague,
        leader=leader,
        stranger=stranger,
        period=period,
    )


@pytest.fixture
def sign_in(make_client):
    return lambda employee: signed_in(make_client(), employee)


def _form(**changes) -> dict:
    data = {
        "title": "Tersusunnya bahan rapat tim kerja",
        "kind": "utama",
        "indicator": "Bahan rapat selesai tepat waktu",
        "quantity": "12",
        "quantity_unit": "laporan",
        "quality_target": "100",
        "time_months": "12",
        **{f"month_{i}": "1" for i in range(1, 13)},
    }
    data.update(changes)
    return data


def _assigned(w, **kw) -> Target:
    target = w.factory.target(w.owner, w.period, assigned_by_nip=w.leader.nip, **kw)
    db.session.commit()
    return target


def _assigned_keys(person) -> list[str]:
    with current_app.test_request_context():
        return inbox.inbox(person, PLANNING_DAY).item_keys(str(ASSIGNED))


def _field_error(html: str, field: str) -> str:
    match = re.search(rf'<p class="field-error"[^>]*id="f-{field}-error">([^<]*)</p>', html)
    assert match, f"no error next to {field}"
    return match.group(1)


def _target_count() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(Target))


# -- the assignment ------------------------------------------------------------------------


def test_an_rhk_assigned_by_a_ketua_tim_keeps_the_atasan_as_evaluator(w, sign_in):
    boss_target = w.factory.target(w.boss, w.period)
    db.session.commit()
    client = sign_in(w.owner)
    response = client.post(
        f"/skp/{w.period.id}/pegawai/{w.owner.id}/target/baru",
        # A parent sent along is dropped: the RHK is aligned through its ketua tim.
        _form(
            alignment="penugasan",
            assigned_by_nip=w.leader.nip_display,
            parent_id=str(boss_target.id),
        ),
    )
    assert response.status_code == 303
    target = db.session.scalar(select(Target).where(Target.owner_id == w.owner.id))
    assert target.assigned_by_id == w.leader.id
    assert target.parent_id is None and target.aligned
    assert target.evaluator_id == w.boss.id
    event = db.session.scalar(
        select(AuditEvent)
        .where(AuditEvent.action == "target.create")
        .order_by(AuditEvent.id.desc())
    )
    assert event.summary["assigned_by_id"] == w.leader.id
    assert w.leader.name in event.summary["assigned_by"]
    page = client.get(f"/target/{target.id}").get_data(as_text=True)
    assert "Penugasan dari" in page and f"{w.leader.display_name}, Ketua Tim" in page
    assert "Belum selaras" not in page
    plan = client.get(f"/skp/{w.period.id}/pegawai/{w.owner.id}").get_data(as_text=True)
    assert f"{w.leader.display_name}, Ketua Tim" in plan


def test_the_editor_shows_the_assignment_and_can_turn_it_back_into_a_cascade(w, sign_in):
    target = _assigned(w)
    client = sign_in(w.owner)
    editor = client.get(f"/target/{target.id}/ubah").get_data(as_text=True)
    assert re.search(r'value="penugasan"\s+checked', editor)
    assert f'value="{w.leader.nip}"' in editor
    response = client.post(
        f"/target/{target.id}/ubah", _form(alignment="atasan", version=str(target.version))
    )
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Target, target.id).assigned_by_id is None
    revision = db.session.scalar(
        select(TargetRevision).where(TargetRevision.target_id == target.id)
    )
    before, after = revision.changes["assigned_by"]
    assert w.leader.name in before and after is None
    history = client.get(f"/target/{target.id}").get_data(as_text=True)
    assert "Penugasan dari" in history  # the revision names the field


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("stranger", LEADER_NOT_FOUND),
        ("unknown", LEADER_NOT_FOUND),
        ("inactive", LEADER_NOT_FOUND),
        ("owner", LEADER_IS_SELF),
        ("boss", LEADER_IS_ATASAN),
        ("empty", LEADER_REQUIRED),
        ("short", LEADER_NIP_INVALID),
        ("arabic", LEADER_NIP_INVALID),
        ("control", CONTROL_CHARACTERS),
    ],
)
def test_a_bad_ketua_tim_is_refused_with_the_field_named_and_nothing_saved(
    w, sign_in, who, expected
):
    inactive = w.factory.employee(w.leader.unit, active=False)
    db.session.commit()
    nip = {
        "stranger": w.stranger.nip,
        "unknown": "199001012015011999",
        "inactive": inactive.nip,
        "owner": w.owner.nip,
        "boss": w.boss.nip,
        "empty": "",
        "short": "12345",
        "arabic": "١" * 18,
        "control": w.leader.nip[:9] + "\x00" + w.leader.nip[9:],
    }[who]
    before = _target_count()
    response = sign_in(w.owner).post(
        f"/skp/{w.period.id}/pegawai/{w.owner.id}/target/baru",
        _form(alignment="penugasan", assigned_by_nip=nip),
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert _field_error(html, "assigned_by_nip") == str(expected)
    assert _target_count() == before
    # Nothing of the other instansi's employee is told.
    assert w.stranger.name not in html


def test_an_unknown_alignment_is_refused(w, sign_in):
    response = sign_in(w.owner).post(
        f"/skp/{w.period.id}/pegawai/{w.owner.id}/target/baru",
        _form(alignment="lainnya", assigned_by_nip=w.leader.nip),
    )
    assert response.status_code == 422
    assert str(ALIGNMENT_UNKNOWN) in response.get_data(as_text=True)
    assert _target_count() == 0


def test_a_huge_or_odd_nip_is_422_not_500(w, sign_in):
    client = sign_in(w.owner)
    for nip in ("9" * 400, "1" * 18 + "x", "' OR 1=1 --"):
        response = client.post(
            f"/skp/{w.period.id}/pegawai/{w.owner.id}/target/baru",
            _form(alignment="penugasan", assigned_by_nip=nip),
        )
        assert response.status_code == 422, nip
    assert _target_count() == 0


# -- the ketua tim's part ------------------------------------------------------------------


def test_the_ketua_tim_sees_and_comments_but_does_not_decide(w, sign_in):
    target = _assigned(w)
    engine.fire(target, "submit", w.owner)
    db.session.commit()
    assert policy.can(w.leader, Action.VIEW_TARGET, target)
    assert policy.can(w.leader, Action.COMMENT_TARGET, target)
    assert not policy.can(w.leader, Action.EDIT_TARGET, target)
    assert not policy.can(w.leader, Action.RATE_TARGET, target)
    assert not policy.can(w.colleague, Action.COMMENT_TARGET, target)
    client = sign_in(w.leader)
    page = client.get(f"/target/{target.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'id="comment-body"' in html
    # No way onto the member's plan, which the ketua tim does not see.
    assert f'href="/skp/{w.period.id}/pegawai/{w.owner.id}"' not in html
    assert client.get(f"/skp/{w.period.id}/pegawai/{w.owner.id}").status_code == 403
    response = client.post(
        f"/target/{target.id}/komentar",
        {"body": "Mohon bahan dikirim sebelum rapat.", "form_token": secrets.token_hex(16)},
        htmx=True,
    )
    assert response.status_code == 200
    assert db.session.scalar(select(func.count()).select_from(TargetComment)) == 1
    refused = client.post(f"/target/{target.id}/aksi/approve", {"version": str(target.version)})
    assert refused.status_code in (403, 409, 422)
    db.session.expire_all()
    assert db.session.get(Target, target.id).state == DISCUSSED


def test_the_ketua_tim_is_told_and_finds_it_in_the_inbox_until_approved(w, sign_in):
    target = _assigned(w)
    assert _assigned_keys(w.leader) == []
    engine.fire(target, "submit", w.owner)
    db.session.commit()
    kinds = {(n.recipient_id, n.kind) for n in db.session.scalars(select(Notification)).all()}
    assert (w.leader.id, "target_assigned_submitted") in kinds
    assert (w.boss.id, "target_submitted") in kinds
    assert _assigned_keys(w.leader) == [f"assigned-{target.id}"]
    assert inbox.count(w.leader, PLANNING_DAY) == 1
    page = sign_in(w.leader).get("/perlu-tindakan").get_data(as_text=True)
    assert target.title in page and str(ASSIGNED) in page
    engine.fire(target, "approve", w.boss)
    db.session.commit()
    assert db.session.get(Target, target.id).state == APPROVED
    assert _assigned_keys(w.leader) == []
    assert inbox.count(w.leader, PLANNING_DAY) == 0


def test_the_evaluation_screen_names_the_ketua_tim(w, sign_in):
    target = _assigned(w)
    engine.fire(target, "submit", w.owner)
    engine.fire(target, "approve", w.boss)
    db.session.commit()
    response = sign_in(w.boss).get(f"/evaluasi/{w.period.id}/pegawai/{w.owner.id}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert target.title in html
    assert f"Penugasan dari: {w.leader.display_name}, Ketua Tim" in html


def test_an_assigned_rhk_may_name_the_ketua_tim_s_rhk_it_supports(w, sign_in):
    leaders = w.factory.target(w.leader, w.period, title="RHK ketua tim")
    someone_elses = w.factory.target(w.colleague, w.period, title="RHK rekan")
    target = _assigned(w)
    client = sign_in(w.owner)
    editor = client.get(f"/target/{target.id}/ubah").get_data(as_text=True)
    assert 'id="f-leader_parent_id"' in editor and "RHK ketua tim" in editor
    url, base = (
        f"/target/{target.id}/ubah",
        {"alignment": "penugasan", "assigned_by_nip": w.leader.nip},
    )
    for bad in (str(someone_elses.id), "9" * 40, "x"):
        response = client.post(
            url, _form(**base, leader_parent_id=bad, version=str(target.version))
        )
        assert response.status_code == 422, bad
        html = response.get_data(as_text=True)
        assert _field_error(html, "leader_parent_id") == str(LEADER_PARENT_INVALID)
    db.session.expire_all()
    assert db.session.get(Target, target.id).parent_id is None
    response = client.post(
        url, _form(**base, leader_parent_id=str(leaders.id), version=str(target.version))
    )
    assert response.status_code == 303
    db.session.expire_all()
    saved = db.session.get(Target, target.id)
    assert (saved.parent_id, saved.assigned_by_id) == (leaders.id, w.leader.id)
    page = client.get(f"/target/{target.id}").get_data(as_text=True)
    assert "mendukung RHK ketua tim:" in page and "RHK ketua tim" in page


def test_a_leader_s_rhk_of_another_leader_is_refused_by_the_service(w):
    """The editor offers the named leader's RHK; a NIP changed in the same submission
    leaves the choice to the service, which finds it is not the new leader's."""
    other_leader = w.factory.employee(w.leader.unit)
    theirs = w.factory.target(w.leader, w.period)
    db.session.commit()
    with pytest.raises(InvalidInput) as refused:
        w.factory.target(
            w.owner, w.period, assigned_by_nip=other_leader.nip, leader_parent_id=theirs.id
        )
    assert refused.value.errors == {"leader_parent_id": str(LEADER_PARENT_INVALID)}
