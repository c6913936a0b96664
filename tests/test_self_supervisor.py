"""An admin about to change their own supervisor is told what it means first."""

from __future__ import annotations

import pytest

from portal.extensions import db
from tests.factories import signed_in

WARNING = "Ini data Anda sendiri: atasan langsung yang Anda tetapkan di sini akan menilai"


@pytest.fixture
def team(factory):
    _head, boss, (owner,) = factory.team(1)
    admin = factory.employee(owner.unit, is_admin=True, atasan=boss)
    db.session.commit()
    return admin, owner


@pytest.mark.parametrize(
    "url", ["/admin/pegawai/{id}/ubah", "/admin/pengalihan/pegawai/{id}/atasan"]
)
def test_the_admins_own_record_warns_and_anothers_does_not(team, make_client, url):
    admin, owner = team
    client = signed_in(make_client(), admin)
    own = client.get(url.format(id=admin.id))
    assert own.status_code == 200 and WARNING in own.get_data(as_text=True)
    other = client.get(url.format(id=owner.id))
    assert other.status_code == 200 and WARNING not in other.get_data(as_text=True)
