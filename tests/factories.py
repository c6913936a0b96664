"""Test data builders: valid by default, every field overridable."""

from __future__ import annotations

import itertools
import secrets
from datetime import date
from functools import cache

from flask import current_app
from itsdangerous import URLSafeTimedSerializer

from portal.auth.passwords import hash_password
from portal.extensions import db
from portal.models import Employee, Instansi, Period, Scheme, TargetKind, Unit
from portal.models.periods import Cadence
from portal.plans.services import TargetInput, create_target, spread_evenly
from portal.policy import PlanRef
from portal.ranks import JenisASN, JenisJabatan
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
                # A fixed-width tag: no generated name can then contain another one
                # ("Ayu Fauzi" in "Retno Ayu Fauzi"), so "X not in page" means what it says.
                "name": f"{person.name} Uji{next(_counter):05d}",
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
                # Half-yearly, so that on the suite's usual day (15 June, reporting_helpers)
                # no periodic evaluation is due yet; the tests of periodic evaluations and
                # of the inbox as a whole ask for the portal's default, quarterly.
                "cadence": Cadence.SEMESTERAN,
                **values,
            }
        )
        db.session.add(obj)
        db.session.flush()
        return obj

    def team(self, size: int = 2):
        """An instansi with a head, a supervisor under them and ``size`` staff."""
        unit = self.unit()
        head = self.employee(
            unit, jabatan="Kepala", jenis_jabatan=JenisJabatan.JPT, golongan="IV/c"
        )
        boss = self.employee(
            unit,
            atasan=head,
            jabatan="Kepala Bagian",
            jenis_jabatan=JenisJabatan.ADMINISTRASI,
            golongan="IV/a",
        )
        staff = [self.employee(unit, atasan=boss) for _ in range(size)]
        db.session.commit()
        return head, boss, staff

    def target(self, owner: Employee, period: Period, *, state: str | None = None, **values):
        """A target of ``owner`` in ``period``, created as the owner through the service.

        Valid and complete by default: 12 ``laporan`` spread evenly over the period's
        months. ``values`` override :class:`TargetInput` fields (``parent`` takes a
        Target). ``state`` puts the row straight into a later state without history,
        for tests that only need the starting point.
        """
        parent = values.pop("parent", None)
        quantity = values.pop("quantity", 12)
        n = next(_counter)
        data = TargetInput(
            **{
                "title": f"Tersusunnya laporan uji {n}",
                "kind": TargetKind.UTAMA,
                "parent_id": parent.id if parent is not None else None,
                "indicator": "Laporan selesai tepat waktu",
                "lower_is_better": False,
                "quantity": quantity,
                "quantity_unit": "laporan",
                "quality_target": 100,
                "time_months": period.month_count,
                "cost": None,
                "monthly": spread_evenly(quantity, period.month_count),
                **values,
            }
        )
        target = create_target(PlanRef(owner, period), data, owner)
        if state is not None:
            target.state = state
            db.session.flush()
        return target


def employee_form(employee: Employee, **changes) -> dict:
    """The admin employee form as a browser sends it for ``employee``.

    ``changes`` override fields; ``None`` leaves a field out, as an unticked checkbox is.
    """
    data = {
        "nip": employee.nip_display,
        "gelar_depan": employee.gelar_depan,
        "name": employee.name,
        "gelar_belakang": employee.gelar_belakang,
        "jabatan": employee.jabatan,
        "jenis_jabatan": JenisJabatan(employee.jenis_jabatan).value,
        "jenis_asn": JenisASN(employee.jenis_asn).value,
        "golongan": employee.golongan,
        "unit_id": str(employee.unit_id),
        "atasan_nip": employee.atasan.nip_display if employee.atasan else "",
        "email": employee.email,
        "is_admin": "y" if employee.is_admin else None,
        "active": "y" if employee.active else None,
        **changes,
    }
    return {key: value for key, value in data.items() if value is not None}


def signed_in(client, employee: Employee):
    """``client`` (a ``tests.conftest.Client``) with a session of ``employee``, as a sign-in
    leaves it, without the password round trip: Argon2 is slow on purpose, and the sign-in
    itself is tested in test_auth.py. The CSRF token is the one the session would hold."""
    raw_token = secrets.token_hex(20)
    with client.raw.session_transaction() as session:
        session.permanent = True
        session["sid"] = secrets.token_urlsafe(24)
        session["_user_id"] = employee.get_id()
        session["_fresh"] = True
        session["csrf_token"] = raw_token
    serializer = URLSafeTimedSerializer(current_app.secret_key, salt="wtf-csrf-token")
    client._token = serializer.dumps(raw_token)
    return client
