"""Test data builders: valid by default, every field overridable."""

from __future__ import annotations

import itertools
from datetime import date
from functools import cache

from portal.auth.passwords import hash_password
from portal.extensions import db
from portal.models import Employee, Instansi, Period, Scheme, Unit
from portal.ranks import JenisJabatan
from portal.seed.people import PersonFactory
from tests.conftest import TEST_PASSWORD

_counter = itertools.count(1)


@cache
def _password_hash() -> str:
    return hash_password(TEST_PASSWORD)


class Factory:
    def __init__(self) -> None:
        self.people = PersonFactory(seed=next(_counter) * 7919)

    def instansi(self, **values) -> Instansi:
        n = next(_counter)
        obj = Instansi(
            **{"code": f"INS{n}", "name": f"Instansi Uji {n}", "city": "Sukamakmur", **values}
        )
        db.session.add(obj)
        db.session.flush()
        return obj

    def unit(self, instansi: Instansi | None = None, **values) -> Unit:
        instansi = instansi or self.instansi()
        n = next(_counter)
        obj = Unit(
            **{"instansi_id": instansi.id, "code": f"U{n}", "name": f"Unit Uji {n}", **values}
        )
        db.session.add(obj)
        db.session.flush()
        return obj

    def employee(self, unit: Unit | None = None, atasan: Employee | None = None, **values):
        if unit is None:
            unit = atasan.unit if atasan else self.unit()
        person = self.people.person("sarjana")
        obj = Employee(
            **{
                "nip": person.nip,
                "name": person.name,
                "gelar_belakang": person.gelar_belakang,
                "jabatan": "Analis Kebijakan",
                "jenis_jabatan": JenisJabatan.FUNGSIONAL,
                "golongan": "III/a",
                "instansi_id": unit.instansi_id,
                "unit_id": unit.id,
                "atasan_id": atasan.id if atasan else None,
                "password_hash": _password_hash(),
                "must_change_password": False,
                **values,
            }
        )
        db.session.add(obj)
        db.session.flush()
        return obj

    def period(self, instansi: Instansi, **values) -> Period:
        obj = Period(
            **{
                "instansi_id": instansi.id,
                "name": "Tahun 2026",
                "start_date": date(2026, 1, 1),
                "end_date": date(2026, 12, 31),
                "scheme": Scheme.PERMENPANRB_6_2022,
                "planning_deadline": date(2026, 1, 31),
                **values,
            }
        )
        db.session.add(obj)
        db.session.flush()
        return obj

    def team(self, size: int = 2):
        """An instansi with a head, a supervisor under them and ``size`` staff."""
        unit = self.unit()
        head = self.employee(unit, jabatan="Kepala", jenis_jabatan=JenisJabatan.JPT,
                             golongan="IV/c")
        boss = self.employee(unit, atasan=head, jabatan="Kepala Bagian",
                             jenis_jabatan=JenisJabatan.ADMINISTRASI, golongan="IV/a")
        staff = [self.employee(unit, atasan=boss) for _ in range(size)]
        db.session.commit()
        return head, boss, staff
