"""Revision history of a target (issue 14 item 11): every saved edit of a draft — before
the first submission and after a return for revision — is a history entry with each
changed field before → after, on the target's timeline for the owner and the supervisor,
and in the audit log with the same changes. A refused or empty edit records nothing."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import AuditEvent, Target, TargetRevision
from tests.reporting_helpers import PLANNING_DAY, fix_today, sign_in
from workflows import engine


@pytest.fixture
def team(factory, monkeypatch, make_client, no_inline_code):
    fix_today(monkeypatch, PLANNING_DAY)
    head, boss, (owner, colleague) = factory.team(2)
    period = factory.period(owner.instansi)
    parent = factory.target(boss, period, title="Terwujudnya tata kelola kepegawaian")
    target = factory.target(owner, period, title="Tersusunnya laporan analisis jabatan")
    db.session.commit()
    return SimpleNamespace(
        boss=boss,
        owner=owner,
        colleague=colleague,
        period=period,
        parent=parent,
        target=target,
        client=lambda who: sign_in(make_client, who),
    )


def form(target: Target, **changes) -> dict:
    """The editor's form for ``target`` as it is, with ``changes``."""
    data = {
        "title": target.title,
        "kind": target.kind.value,
        "parent_id": str(target.parent_id or ""),
        "indicator": target.indicator,
        "quantity": str(target.quantity),
        "quantity_unit": target.quantity_unit,
        "quality_target": str(target.quality_target),
        "time_months": str(target.time_months),
        "version": str(target.version),
        **{f"month_{m.month}": str(m.quantity) for m in target.months},
    }
    data.update(changes)
    return data


def edit(team, who=None, **changes):
    db.session.expire_all()
    target = db.session.get(Target, team.target.id)
    return team.client(who or team.owner).post(f"/target/{target.id}/ubah", form(target, **changes))


def revisions(target_id: int) -> list[TargetRevision]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(TargetRevision)
            .where(TargetRevision.target_id == target_id)
            .order_by(TargetRevision.version)
        )
    )


def timeline_of(team, who) -> str:
    html = team.client(who).get(f"/target/{team.target.id}").get_data(as_text=True)
    return html.split('<ol class="timeline">', 1)[1].split("</ol>", 1)[0]


def test_an_edit_of_a_draft_is_in_its_history_before_and_after(team):
    response = edit(
        team,
        title="Tersusunnya laporan analisis beban kerja",
        quantity="24",
        **{f"month_{i}": "2" for i in range(1, 13)},
    )
    assert response.status_code == 303
    [revision] = revisions(team.target.id)
    assert (revision.actor_id, revision.version) == (team.owner.id, 2)
    assert revision.changes == {
        "title": [
            "Tersusunnya laporan analisis jabatan",
            "Tersusunnya laporan analisis beban kerja",
        ],
        "quantity": [12, 24],
        "monthly": [[1] * 12, [2] * 12],
    }
    [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "target.update"))
    assert event.summary["changes"] == revision.changes

    for who in (team.owner, team.boss):
        shown = timeline_of(team, who)
        assert "Isi target diubah:" in shown
        assert (
            "<dt>Judul target (rencana hasil kerja)</dt><dd><del>Tersusunnya laporan analisis "
            "jabatan</del> → <ins>Tersusunnya laporan analisis beban kerja</ins></dd>"
        ) in shown
        assert "<dt>Kuantitas</dt><dd><del>12</del> → <ins>24</ins></dd>" in shown
        assert f"<del>{' · '.join(['1'] * 12)}</del> → <ins>{' · '.join(['2'] * 12)}</ins>" in shown
        assert "Satuan" not in shown  # unchanged fields are not listed


def test_every_edit_between_two_submissions_is_kept_in_order(team):
    assert edit(team, quantity="24", **{f"month_{i}": "2" for i in range(1, 13)}).status_code == 303
    db.session.expire_all()
    target = db.session.get(Target, team.target.id)
    engine.fire(target, "submit", team.owner)
    engine.fire(target, "request_revision", team.boss, reason="Selaraskan dengan target saya.")
    db.session.commit()
    response = edit(team, parent_id=str(team.parent.id), kind="tambahan")
    assert response.status_code == 303
    db.session.expire_all()
    target = db.session.get(Target, team.target.id)
    engine.fire(target, "submit", team.owner)
    db.session.commit()

    assert [(r.version, sorted(r.changes)) for r in revisions(target.id)] == [
        (2, ["monthly", "quantity"]),
        (5, ["kind", "parent_id"]),
    ]
    shown = timeline_of(team, team.boss)
    order = [
        shown.index(marker)
        for marker in (
            "<dt>Kuantitas</dt>",
            "Selaraskan dengan target saya.",
            "<dt>Mendukung target atasan</dt>",
        )
    ]
    assert order == sorted(order)
    assert len(re.findall(r"timeline__item--transition", shown)) == 3
    assert "<dd><del>Utama</del> → <ins>Tambahan</ins></dd>" in shown
    assert "<del>—</del> → <ins>Terwujudnya tata kelola kepegawaian</ins>" in shown


def test_an_edit_that_changes_nothing_adds_no_history(team):
    assert edit(team).status_code == 303
    assert revisions(team.target.id) == []
    assert "Isi target diubah:" not in timeline_of(team, team.owner)


def test_a_refused_edit_adds_no_history(team):
    assert edit(team, quantity="-3").status_code == 422  # bad input
    assert edit(team, title="", quantity="13").status_code == 422
    assert edit(team, title="Dari tab lama", version="7").status_code == 409  # stale version
    assert edit(team, team.colleague, title="Bukan miliknya").status_code in (403, 404)
    assert edit(team, team.boss, title="Oleh atasan").status_code == 403
    assert revisions(team.target.id) == []
    db.session.expire_all()
    assert db.session.get(Target, team.target.id).version == 1


def test_a_draft_with_revisions_never_submitted_may_still_be_deleted(team):
    assert edit(team, title="Judul kedua").status_code == 303
    target_id = team.target.id
    deleted = team.client(team.owner).post(
        f"/target/{target_id}/hapus", {"version": "2", "confirmed": "1"}
    )
    assert deleted.status_code == 303, deleted.get_data(as_text=True)[:800]
    db.session.expire_all()
    assert db.session.get(Target, target_id) is None
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(TargetRevision)
            .where(TargetRevision.target_id == target_id)
        )
        == 0
    )


def test_the_history_of_an_edit_speaks_english(team):
    assert edit(team, quantity="24", **{f"month_{i}": "2" for i in range(1, 13)}).status_code == 303
    team.boss.language = "en"
    db.session.commit()
    shown = timeline_of(team, team.boss)
    assert "Content of the target changed:" in shown
    assert "<del>12</del> → <ins>24</ins>" in shown
