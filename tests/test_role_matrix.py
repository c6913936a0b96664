"""The matriks peran–hasil (issue 14 item 7): a supervisor's RHK by team member —
subordinates through the cascade, tim kerja members through the penugasan — with the
members' RHK that support nothing in a row of their own; for the supervisor and the
instansi's admin; a constant number of statements however large the team."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from portal.extensions import db
from portal.plans.analysis import cascade
from portal.plans.matrix import role_matrix
from tests.factories import signed_in
from tests.reporting_helpers import PLANNING_DAY, fix_today


@pytest.fixture
def w(factory, monkeypatch):
    fix_today(monkeypatch, PLANNING_DAY)
    head, boss, (first, second) = factory.team(2)
    member = factory.employee(factory.unit(boss.instansi), jabatan="Analis Tim Kerja")
    admin = factory.employee(boss.unit, is_admin=True)
    _, other_boss, _ = factory.team(1)
    period = factory.period(boss.instansi)
    db.session.commit()
    return SimpleNamespace(
        factory=factory,
        head=head,
        boss=boss,
        first=first,
        second=second,
        member=member,
        admin=admin,
        other_boss=other_boss,
        period=period,
    )


@pytest.fixture
def sign_in(make_client):
    return lambda employee: signed_in(make_client(), employee)


@pytest.fixture
def shared(w):
    """Two RHK of the boss: the first supported by both subordinates, the second by
    nobody; a draft of the second subordinate supporting nothing; an RHK the boss
    assigned, as ketua tim, to a member of another unit."""
    f, p = w.factory, w.period
    rhk = [f.target(w.boss, p, title="RHK satu atasan"), f.target(w.boss, p, title="RHK dua")]
    a = f.target(w.first, p, parent=rhk[0], title="Dukungan pertama")
    b = f.target(w.second, p, parent=rhk[0], title="Dukungan kedua")
    loose = f.target(w.second, p, title="Belum ditautkan")
    assigned = f.target(w.member, p, assigned_by_nip=w.boss.nip, title="Tugas tim kerja")
    db.session.commit()
    return SimpleNamespace(rhk=rhk, a=a, b=b, loose=loose, assigned=assigned)


def test_the_matrix_sets_out_who_supports_which_rhk(w, shared):
    matrix = role_matrix(w.boss, w.period)
    subordinates = sorted((w.first, w.second), key=lambda e: (e.name, e.id))
    assert [m.employee for m in matrix.members] == [*subordinates, w.member]
    assert [m.subordinate for m in matrix.members] == [True, True, False]
    first_row, second_row = matrix.rows
    assert first_row.target.id == shared.rhk[0].id
    assert first_row.cells == {w.first.id: [shared.a], w.second.id: [shared.b]}
    assert second_row.count == 0
    assert matrix.assigned.cells == {w.member.id: [shared.assigned]}
    assert matrix.unaligned.cells == {w.second.id: [shared.loose]}
    assert [g.title for g in matrix.groups] == ["A. Utama"]


def test_the_page_shows_the_matrix_and_is_linked_from_the_plan(w, shared, sign_in):
    client = sign_in(w.boss)
    plan = client.get(f"/skp/{w.period.id}/pegawai/{w.boss.id}").get_data(as_text=True)
    assert f'href="/skp/{w.period.id}/pegawai/{w.boss.id}/matriks"' in plan
    response = client.get(f"/skp/{w.period.id}/matriks")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for text in (
        "RHK satu atasan",
        "Dukungan pertama",
        "Dukungan kedua",
        "Tugas tim kerja",
        "Belum ditautkan",
        "Belum selaras",
        "Belum diintervensi",
        w.member.display_name,
        f"Penugasan dari {w.boss.display_name}, Ketua Tim",
    ):
        assert text in html, text
    # Each cell names its member, for the stacked list on a phone.
    assert f'data-label="{w.first.display_name}"' in html
    assert "anggota tim kerja" in html


def test_the_print_stylesheet_lays_the_matrix_out(app):
    text = (Path(app.static_folder) / "css" / "portal.css").read_text(encoding="utf-8")
    block = text[text.index("/* The matriks peran–hasil") :]
    assert "@media print" in block and "landscape" in block and "@media (max-width" in block


def test_an_admin_may_view_anyones_matrix_others_may_not(w, shared, sign_in):
    url = f"/skp/{w.period.id}/pegawai/{w.boss.id}/matriks"
    assert sign_in(w.admin).get(url).status_code == 200
    assert sign_in(w.first).get(url).status_code == 403
    assert sign_in(w.member).get(url).status_code == 403
    assert sign_in(w.other_boss).get(url).status_code == 404
    plan = sign_in(w.first).get(f"/skp/{w.period.id}/pegawai/{w.boss.id}")
    assert "/matriks" not in plan.get_data(as_text=True)


@pytest.mark.parametrize(
    "url",
    [
        "/skp/99999999999999999999/matriks",
        "/skp/{period}/pegawai/99999999999999999999/matriks",
        "/skp/0/matriks",
        "/skp/{period}/pegawai/-1/matriks",
    ],
)
def test_bad_addresses_are_404(w, sign_in, url):
    response = sign_in(w.boss).get(url.format(period=w.period.id))
    assert response.status_code == 404


def test_an_empty_team_says_so(w, sign_in):
    html = sign_in(w.first).get(f"/skp/{w.period.id}/matriks").get_data(as_text=True)
    assert "Belum ada bawahan atau anggota tim kerja" in html


def _team_of(w, size: int):
    boss = w.factory.employee(w.boss.unit, atasan=w.head, jabatan="Kepala Bagian")
    rhk = w.factory.target(boss, w.period)
    for index in range(size):
        staff = w.factory.employee(boss.unit, atasan=boss)
        w.factory.target(staff, w.period, parent=rhk if index % 2 else None)
    helper = w.factory.employee(w.member.unit)
    w.factory.target(helper, w.period, assigned_by_nip=boss.nip)
    db.session.commit()
    return boss


def test_the_matrix_costs_the_same_for_5_and_50_members(w, sign_in, count_statements):
    costs = []
    for size in (5, 50):
        boss = _team_of(w, size)
        client = sign_in(boss)
        url = f"/skp/{w.period.id}/matriks"
        client.get(url)  # warm: the session's and the app's first-use statements
        with count_statements() as counter:
            response = client.get(url)
        assert response.status_code == 200
        costs.append(counter.count)
    assert costs[0] == costs[1], costs


def test_an_assigned_rhk_naming_the_supervisor_s_rhk_sits_in_its_row(w, shared):
    placed = w.factory.target(
        w.member,
        w.period,
        assigned_by_nip=w.boss.nip,
        leader_parent_id=shared.rhk[1].id,
        title="Tugas tim pada RHK dua",
    )
    db.session.commit()
    matrix = role_matrix(w.boss, w.period)
    assert matrix.rows[1].cells == {w.member.id: [placed]}
    assert matrix.assigned.cells == {w.member.id: [shared.assigned]}


def test_the_cascade_does_not_call_a_subordinate_s_assignment_unaligned(w):
    """A subordinate's RHK assigned by another ketua tim is aligned in that tim kerja:
    neither the atasan's cascade nor their matrix lists it as belum selaras."""
    w.factory.target(w.first, w.period, assigned_by_nip=w.member.nip, title="Tugas tim lain")
    db.session.commit()
    assert cascade(w.boss, w.period).unaligned == []
    assert role_matrix(w.boss, w.period).unaligned.count == 0
