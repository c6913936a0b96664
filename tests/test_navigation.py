"""The top navigation: the page's own item is the current one (a subordinate's SKP is the
team's, not "SKP saya"), and the admin's areas sit under one "Kelola" disclosure."""

from __future__ import annotations

import re

import pytest

from portal.extensions import db
from tests.factories import signed_in
from tests.reporting_helpers import fix_today


@pytest.fixture
def w(factory, monkeypatch):
    fix_today(monkeypatch)
    head, boss, (owner,) = factory.team(1)
    admin = factory.employee(owner.unit, is_admin=True)
    period = factory.period(owner.instansi)
    target = factory.target(owner, period, title="Tersusunnya laporan kas")
    db.session.commit()
    return boss, owner, admin, period, target


def _current(page: str) -> list[str]:
    """The labels of the navigation's current items."""
    nav = page[page.index('<ul class="nav">') : page.index("</nav>")]
    return [
        re.sub(r"<[^>]+>|\s+", " ", label).split("  ")[0].strip()
        for label in re.findall(r'aria-current="page">(.*?)</a>', nav, re.S)
    ]


def test_own_skp_is_skp_saya_and_a_subordinates_is_the_teams(w, make_client):
    boss, owner, _admin, period, target = w
    own = signed_in(make_client(), owner)
    for url in (
        f"/skp/{period.id}/pegawai/{owner.id}",
        f"/target/{target.id}",
        f"/target/{target.id}/ubah",
    ):
        assert _current(own.get(url).get_data(as_text=True)) == ["SKP saya"], url
    supervisor = signed_in(make_client(), boss)
    for url in (f"/skp/{period.id}/pegawai/{owner.id}", f"/target/{target.id}"):
        assert _current(supervisor.get(url).get_data(as_text=True)) == ["Tim"], url
    assert _current(
        supervisor.get(f"/skp/{period.id}/pegawai/{boss.id}").get_data(as_text=True)
    ) == ["SKP saya"]


def test_the_admins_areas_are_grouped_under_kelola(w, make_client):
    _boss, owner, admin, _period, _target = w
    page = signed_in(make_client(), admin).get("/admin/periode").get_data(as_text=True)
    group = page[page.index('<li class="nav-group">') :]
    group = group[: group.index("</details>")]
    assert "Kelola" in group and "is-current" in group
    for label in ("Kelola pegawai", "Pengalihan pekerjaan", "Periode penilaian", "Log audit"):
        assert f">{label}</a>" in group
    assert _current(page) == ["Periode penilaian"]
    staff = signed_in(make_client(), owner).get("/").get_data(as_text=True)
    # The staff's bar has only their own account's group ("Akun saya"), no "Kelola".
    assert '<li class="nav-group">' not in staff and "Kelola pegawai" not in staff
    assert staff.count("nav-group__details") == 1 and "Akun saya" in staff
