"""A lost race answers 409 with the fresh state, never 422: the loser of a
supervisor-change race (two tabs or two admins confirming the same preview), and a
stale accept after another decision rejected the entry."""

from __future__ import annotations

import re
from datetime import date

import pytest

from portal.extensions import db
from portal.models import Employee, EntryStatus
from portal.reports.verification import ALREADY_REJECTED
from tests.evaluation_helpers import text_of
from tests.reporting_helpers import add, entry, sign_in
from tests.test_reassign import build_world, state_of_the_world

TOKEN = re.compile(r'name="token" value="([0-9a-f]+)"')


@pytest.fixture
def w(factory, monkeypatch):
    return build_world(factory, monkeypatch)


@pytest.mark.parametrize("move_work", ["1", ""])
def test_the_loser_of_a_supervisor_change_race_gets_409_and_changes_nothing(
    w, make_client, move_work
):
    owner, new_atasan = w.team.owner, w.team.other_boss
    url = f"/admin/pengalihan/pegawai/{owner.id}/atasan"
    choice = {"atasan": str(new_atasan.id), "move_work": move_work}
    first, second = sign_in(make_client, w.team.admin), sign_in(make_client, w.team.admin)
    tokens = []
    for client in (first, second):
        page = client.get(url, query_string={"step": "preview", **choice})
        assert page.status_code == 200
        tokens += TOKEN.findall(page.get_data(as_text=True))
    assert len(tokens) == 2 and tokens[0] == tokens[1]

    won = first.post(url, {"step": "confirm", **choice, "token": tokens[0]})
    assert won.status_code == 303
    before = state_of_the_world()
    lost = second.post(url, {"step": "confirm", **choice, "token": tokens[1]})
    assert lost.status_code == 409
    assert "sudah menjadi atasan langsung" in text_of(lost)
    assert state_of_the_world() == before
    db.session.expire_all()
    assert db.session.get(Employee, owner.id).atasan_id == new_atasan.id


def test_a_supervisor_change_that_was_never_needed_is_still_422(w, make_client):
    owner = w.team.owner
    url = f"/admin/pengalihan/pegawai/{owner.id}/atasan"
    admin = sign_in(make_client, w.team.admin)
    before = state_of_the_world()
    page = admin.get(url, query_string={"step": "preview", "atasan": str(owner.atasan_id)})
    assert page.status_code == 422
    assert state_of_the_world() == before


def test_a_stale_accept_after_a_rejection_is_409_with_the_fresh_entry(w, make_client):
    target = w.discussed
    (e,) = add(entry(target, date(2026, 6, 10)))
    boss = sign_in(make_client, db.session.get(Employee, target.evaluator_id))
    shown_version = str(e.version)
    rejected = boss.post(
        f"/verifikasi/{e.id}",
        {"decision": "reject", "reason": "Lampiran kurang", "version": shown_version},
        htmx=True,
    )
    assert rejected.status_code == 200
    db.session.expire_all()
    assert db.session.get(type(e), e.id).status == EntryStatus.REJECTED
    # The accept from the page shown before the rejection (another tab).
    stale = boss.post(
        f"/verifikasi/{e.id}", {"decision": "accept", "version": shown_version}, htmx=True
    )
    assert stale.status_code == 409
    html = stale.get_data(as_text=True)
    assert str(ALREADY_REJECTED) in html and f'id="entry-{e.id}"' in html
    db.session.expire_all()
    assert db.session.get(type(e), e.id).status == EntryStatus.REJECTED
