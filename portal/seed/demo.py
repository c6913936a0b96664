"""``seed-demo``: a realistic regency secretariat with a full supervisor chain.

Idempotent: records are matched by their natural keys (instansi code, unit code,
NIP, period name) and only missing ones are created. The demo password exists only
here, for demo accounts; real accounts get one-time passwords.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select

from portal import audit, clock
from portal.auth.passwords import hash_password
from portal.extensions import db
from portal.models import Employee, Instansi, Period, Scheme, Unit
from portal.models.periods import PeriodStatus
from portal.models.types import utcnow
from portal.ranks import JenisASN, JenisJabatan
from portal.seed.history import backdate
from portal.seed.monthly import seed_monthly_reports
from portal.seed.people import Person, PersonFactory
from portal.seed.perilaku import seed_perilaku
from portal.seed.periodic import seed_periodic
from portal.seed.plans import seed_plans
from portal.seed.reports import seed_reports

DEMO_PASSWORD = "Kinerja#Demo2026"  # noqa: S105  (demo accounts only, printed by make run)
INSTANSI = {
    "code": "KAB-SKM",
    "name": "Pemerintah Kabupaten Sukamakmur",
    "address": "Jl. Jenderal Sudirman No. 1, Sukamakmur 57111",
    "city": "Sukamakmur",
}
JPT, ADM, FUNG = JenisJabatan.JPT, JenisJabatan.ADMINISTRASI, JenisJabatan.FUNGSIONAL


@dataclass(frozen=True)
class DemoLogin:
    role: str
    nip: str
    note: str


# Fixed people for the printed demo logins; everyone else comes from PersonFactory.
KEPALA = Person("197003151996031001", "Bambang Sulistyo", "Drs.", "M.Si.")
ATASAN = Person("198204102008012003", "Retno Wulandari", "", "S.Sos., M.A.P.")
PEGAWAI = Person("199307252019031004", "Rizky Pratama", "", "S.Kom.")
ADMIN = Person("198709182011012005", "Wulan Anggraini", "", "S.Psi.")
# The Asisten Administrasi Umum: the atasan pejabat penilai who decides the demo's
# objection (against the evaluation by the Kepala Bagian Organisasi).
ASISTEN = Person("197508172000031002", "Hendra Kusuma", "Dr.", "M.Si.")

# (code, name, parent, head jabatan, jenis, golongan, education)
UNITS = [
    ("SETDA", "Sekretariat Daerah", None, "Sekretaris Daerah", JPT, "IV/d", "magister"),
    (
        "AS1",
        "Asisten Pemerintahan dan Kesejahteraan Rakyat",
        "SETDA",
        "Asisten Pemerintahan dan Kesejahteraan Rakyat",
        JPT,
        "IV/c",
        "magister",
    ),
    (
        "AS2",
        "Asisten Perekonomian dan Pembangunan",
        "SETDA",
        "Asisten Perekonomian dan Pembangunan",
        JPT,
        "IV/c",
        "doktor",
    ),
    (
        "AS3",
        "Asisten Administrasi Umum",
        "SETDA",
        "Asisten Administrasi Umum",
        JPT,
        "IV/c",
        "magister",
    ),
    (
        "TAPEM",
        "Bagian Tata Pemerintahan",
        "AS1",
        "Kepala Bagian Tata Pemerintahan",
        ADM,
        "IV/b",
        "magister",
    ),
    (
        "KESRA",
        "Bagian Kesejahteraan Rakyat",
        "AS1",
        "Kepala Bagian Kesejahteraan Rakyat",
        ADM,
        "IV/a",
        "magister",
    ),
    (
        "EKON",
        "Bagian Perekonomian dan Sumber Daya Alam",
        "AS2",
        "Kepala Bagian Perekonomian dan Sumber Daya Alam",
        ADM,
        "IV/a",
        "magister",
    ),
    (
        "PEMB",
        "Bagian Administrasi Pembangunan",
        "AS2",
        "Kepala Bagian Administrasi Pembangunan",
        ADM,
        "IV/b",
        "magister",
    ),
    ("ORG", "Bagian Organisasi", "AS3", "Kepala Bagian Organisasi", ADM, "IV/b", "magister"),
    ("UMUM", "Bagian Umum", "AS3", "Kepala Bagian Umum", ADM, "IV/a", "sarjana"),
]
SUBUNITS = {
    "TAPEM": [("TAPEM-1", "Subbagian Pemerintahan Umum"), ("TAPEM-2", "Subbagian Otonomi Daerah")],
    "KESRA": [
        ("KESRA-1", "Subbagian Pendidikan dan Kesehatan"),
        ("KESRA-2", "Subbagian Keagamaan"),
    ],
    "EKON": [("EKON-1", "Subbagian Perekonomian"), ("EKON-2", "Subbagian Sumber Daya Alam")],
    "PEMB": [
        ("PEMB-1", "Subbagian Pengendalian Pembangunan"),
        ("PEMB-2", "Subbagian Pengelolaan Pengadaan Barang/Jasa"),
    ],
    "ORG": [
        ("ORG-1", "Subbagian Kelembagaan dan Analisis Jabatan"),
        ("ORG-2", "Subbagian Reformasi Birokrasi dan Tata Laksana"),
    ],
    "UMUM": [("UMUM-1", "Subbagian Tata Usaha Pimpinan"), ("UMUM-2", "Subbagian Rumah Tangga")],
}
# Staff of every subbagian: (jabatan, jenis, golongan, education)
STAFF = [
    ("Analis Kebijakan Ahli Pertama", FUNG, "III/b", "sarjana"),
    ("Penelaah Teknis Kebijakan", ADM, "III/a", "sarjana"),
    ("Pengadministrasi Perkantoran", ADM, "II/c", "diploma"),
]


def _upsert_employee(person: Person, **values) -> tuple[Employee, bool]:
    employee = db.session.scalar(select(Employee).where(Employee.nip == person.nip))
    if employee is not None:
        return employee, False
    employee = Employee(
        nip=person.nip,
        name=person.name,
        gelar_depan=person.gelar_depan,
        gelar_belakang=person.gelar_belakang,
        email=_demo_address(person.name),
        must_change_password=False,
        **values,
    )
    db.session.add(employee)
    db.session.flush()
    return employee, True


DEMO_MAIL_DOMAIN = "kinerja.example"  # reserved (RFC 2606): no mail ever leaves for it


def _demo_address(name: str) -> str:
    """``budi.santoso@kinerja.example``; a second Budi Santoso gets ``budi.santoso2@…``."""
    local = ".".join(re.sub(r"[^a-z]+", " ", name.lower()).split()) or "pegawai"
    for number in itertools.count(1):
        address = f"{local}{number if number > 1 else ''}@{DEMO_MAIL_DOMAIN}"
        if not db.session.scalar(select(Employee.id).where(Employee.email == address)):
            return address
    raise AssertionError("unreachable")


def seed_demo() -> tuple[int, list[DemoLogin]]:
    """Create what is missing of the demo agency; return (records created, logins)."""
    created = 0
    started = utcnow() - timedelta(seconds=1)  # what this run writes is dated after it
    instansi = db.session.scalar(select(Instansi).where(Instansi.code == INSTANSI["code"]))
    if instansi is None:
        instansi = Instansi(**INSTANSI)
        db.session.add(instansi)
        db.session.flush()
        created += 1
    password_hash = hash_password(DEMO_PASSWORD)
    factory = PersonFactory(seed=2026)
    units: dict[str, Unit] = {
        u.code: u for u in db.session.scalars(select(Unit).where(Unit.instansi_id == instansi.id))
    }

    def unit(code: str, name: str, parent: str | None) -> Unit:
        nonlocal created
        if code not in units:
            units[code] = Unit(
                instansi_id=instansi.id,
                code=code,
                name=name,
                parent_id=units[parent].id if parent else None,
            )
            db.session.add(units[code])
            db.session.flush()
            created += 1
        return units[code]

    def employee(person: Person, jabatan, jenis, golongan, unit_obj, atasan, **extra) -> Employee:
        nonlocal created
        emp, new = _upsert_employee(
            person,
            jabatan=jabatan,
            jenis_jabatan=jenis,
            golongan=golongan,
            instansi_id=instansi.id,
            unit_id=unit_obj.id,
            atasan_id=atasan.id if atasan else None,
            password_hash=password_hash,
            **extra,
        )
        created += new
        return emp

    heads: dict[str, Employee] = {}
    for code, name, parent, jabatan, jenis, golongan, education in UNITS:
        generated = None if code == "SETDA" else factory.person(education, 40, 58)
        person = {"SETDA": KEPALA, "AS3": ASISTEN}.get(code, generated)
        heads[code] = employee(
            person,
            jabatan,
            jenis,
            golongan,
            unit(code, name, parent),
            heads[parent] if parent else None,
        )
    for parent, subunits in SUBUNITS.items():
        for code, name in subunits:
            sub = unit(code, name, parent)
            head_person = ATASAN if code == "ORG-1" else factory.person("sarjana", 35, 55)
            head = employee(head_person, f"Kepala {name}", ADM, "III/d", sub, heads[parent])
            for index, (jabatan, jenis, golongan, education) in enumerate(STAFF):
                fixed = {("ORG-1", 0): PEGAWAI, ("ORG-1", 1): ADMIN}.get((code, index))
                person = fixed or factory.person(education, 24, 50)
                extra = {"is_admin": True} if fixed is ADMIN else {}
                if fixed is ADMIN:
                    jabatan, jenis, golongan = "Analis SDM Aparatur Ahli Muda", FUNG, "III/c"
                if (code, index) == ("ORG-1", 2):  # a PPPK: golongan I–XVII, no pangkat
                    golongan, extra = "V", {"jenis_asn": JenisASN.PPPK}
                employee(person, jabatan, jenis, golongan, sub, head, **extra)

    # Last year (closed, PP 46) and this year (open, PermenPANRB 6/2022), whatever the year.
    year = clock.today().year
    for name, start, end, scheme, status in (
        (
            f"Tahun {year - 1}",
            date(year - 1, 1, 1),
            date(year - 1, 12, 31),
            Scheme.PP46,
            PeriodStatus.CLOSED,
        ),
        (
            f"Tahun {year}",
            date(year, 1, 1),
            date(year, 12, 31),
            Scheme.PERMENPANRB_6_2022,
            PeriodStatus.OPEN,
        ),
    ):
        exists = db.session.scalar(
            select(Period.id).where(Period.instansi_id == instansi.id, Period.name == name)
        )
        if exists is None:
            db.session.add(
                Period(
                    instansi_id=instansi.id,
                    name=name,
                    start_date=start,
                    end_date=end,
                    scheme=scheme,
                    planning_deadline=date(start.year, 1, 31),
                    report_deadline_day=5,
                    status=status,
                )
            )
            created += 1
    db.session.flush()
    people = {code: head for code, head in heads.items()}
    by_nip = {
        e.nip: e
        for e in db.session.scalars(select(Employee).where(Employee.instansi_id == instansi.id))
    }
    people.update(
        ATASAN=by_nip[ATASAN.nip],
        PEGAWAI=by_nip[PEGAWAI.nip],
        ADMIN=by_nip[ADMIN.nip],
        CLERK=next(
            e
            for e in by_nip.values()
            if e.atasan_id == by_nip[ATASAN.nip].id and e.nip not in (PEGAWAI.nip, ADMIN.nip)
        ),
    )
    targets = seed_plans(instansi.id, people)
    if targets:
        created += len(targets) + seed_reports(people, targets)
        created += seed_monthly_reports(people, targets)
        created += seed_perilaku(people["PEGAWAI"], people["ATASAN"], targets["pegawai_approved"])
    created += seed_periodic(instansi.id, keep_for_inbox=people["PEGAWAI"])
    if created:
        backdate(instansi.id, since=started)
        audit.record("seed.demo", instansi, summary={"created": created})
    db.session.commit()
    return created, demo_logins()


def demo_logins() -> list[DemoLogin]:
    return [
        DemoLogin("Pegawai", PEGAWAI.nip, f"{PEGAWAI.name}, Analis Kebijakan Ahli Pertama"),
        DemoLogin("Atasan", ATASAN.nip, f"{ATASAN.name}, Kepala Subbagian Kelembagaan"),
        DemoLogin("Pimpinan", KEPALA.nip, f"{KEPALA.name}, Sekretaris Daerah"),
        DemoLogin(
            "Atasan pejabat penilai",
            ASISTEN.nip,
            f"{ASISTEN.name}, Asisten Administrasi Umum (memutuskan keberatan)",
        ),
        DemoLogin("Admin instansi", ADMIN.nip, f"{ADMIN.name}, Analis SDM Aparatur"),
    ]
