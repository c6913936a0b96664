"""``seed-scale --employees N``: the demo's shape at scale, for benchmarks.

One instansi with a four-level unit tree sized so that every lowest unit has about
twenty staff, bulk-inserted level by level (SQLAlchemy's insertmanyvalues returns
the new ids in order on SQLite and PostgreSQL alike).
"""

from __future__ import annotations

import math
from datetime import date

from sqlalchemy import insert, select

from portal import clock
from portal.auth.passwords import hash_password
from portal.extensions import db
from portal.models import Employee, Instansi, Period, Scheme, Unit
from portal.ranks import JenisJabatan
from portal.seed.demo import DEMO_PASSWORD
from portal.seed.people import PersonFactory

STAFF_PER_UNIT = 20
BATCH = 2000


def _insert(model, rows: list[dict]) -> list[int]:
    ids: list[int] = []
    for start in range(0, len(rows), BATCH):
        result = db.session.execute(
            insert(model).returning(model.id, sort_by_parameter_order=True),
            rows[start : start + BATCH],
        )
        ids.extend(result.scalars())
    return ids


def seed_scale(employees: int, code: str = "SCALE") -> int:
    """Create an instansi with ``employees`` people; return how many were created."""
    if db.session.scalar(select(Instansi.id).where(Instansi.code == code)) is not None:
        return 0
    instansi = Instansi(
        code=code, name=f"Instansi Uji Skala ({employees} pegawai)", city="Sukamakmur"
    )
    db.session.add(instansi)
    db.session.flush()
    db.session.add(
        Period(
            instansi_id=instansi.id,
            name=f"Tahun {clock.today().year}",
            start_date=date(clock.today().year, 1, 1),
            end_date=date(clock.today().year, 12, 31),
            scheme=Scheme.PERMENPANRB_6_2022,
            planning_deadline=date(clock.today().year, 1, 31),
        )
    )
    leaves = max(1, math.ceil(employees / (STAFF_PER_UNIT + 1)))
    level3 = max(1, math.ceil(leaves / 4))
    level2 = max(1, math.ceil(level3 / 5))
    fanout = [1, level2, level3, leaves]
    jabatan = [
        ("Kepala", JenisJabatan.JPT, "IV/d"),
        ("Kepala Dinas", JenisJabatan.JPT, "IV/c"),
        ("Kepala Bidang", JenisJabatan.ADMINISTRASI, "IV/a"),
        ("Kepala Seksi", JenisJabatan.ADMINISTRASI, "III/d"),
    ]
    factory = PersonFactory(seed=employees)
    password_hash = hash_password(DEMO_PASSWORD)
    created = 0
    parent_units: list[int] = [None]
    parent_heads: list[int | None] = [None]

    def people_rows(count, units, heads, title, jenis, golongan, education):
        rows = []
        for i in range(count):
            person = factory.person(education)
            rows.append(
                {
                    "nip": person.nip,
                    "name": person.name,
                    "gelar_depan": person.gelar_depan,
                    "gelar_belakang": person.gelar_belakang,
                    "jabatan": title,
                    "jenis_jabatan": jenis,
                    "golongan": golongan,
                    "instansi_id": instansi.id,
                    "unit_id": units[i],
                    "atasan_id": heads[i],
                    "password_hash": password_hash,
                    "must_change_password": False,
                    "active": True,
                    "is_admin": False,
                    "is_superadmin": False,
                    "language": "id",
                    "session_version": 1,
                    "email": "",
                }
            )
        return rows

    for level, count in enumerate(fanout):
        if created + count > employees:
            count = max(0, employees - created)
        if count == 0:
            break
        unit_rows = [
            {
                "instansi_id": instansi.id,
                "code": f"L{level + 1}-{i + 1:05d}",
                "name": f"Unit Tingkat {level + 1} Nomor {i + 1}",
                "parent_id": parent_units[i % len(parent_units)],
            }
            for i in range(count)
        ]
        unit_ids = _insert(Unit, unit_rows)
        title, jenis, golongan = jabatan[level]
        heads = [parent_heads[i % len(parent_heads)] for i in range(count)]
        head_ids = _insert(
            Employee,
            people_rows(count, unit_ids, heads, title, jenis, golongan, "magister"),
        )
        created += count
        parent_units, parent_heads = unit_ids, head_ids

    staff = employees - created
    units = [parent_units[i % len(parent_units)] for i in range(staff)]
    heads = [parent_heads[i % len(parent_heads)] for i in range(staff)]
    _insert(
        Employee,
        people_rows(
            staff, units, heads, "Analis Kebijakan", JenisJabatan.FUNGSIONAL, "III/a", "sarjana"
        ),
    )
    created += staff
    db.session.commit()
    return created
