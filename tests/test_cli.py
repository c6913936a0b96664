"""Command-line tools: seed-demo, seed-scale, create-admin, demo-if-empty."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from portal import clock
from portal.auth.passwords import PASSWORD_CONTAINS_NIP, PASSWORD_TOO_COMMON
from portal.extensions import db as _db
from portal.models import (
    AuditEvent,
    Employee,
    Instansi,
    MonthlyReport,
    MonthlyReportHistory,
    Period,
    PeriodicEvaluation,
    Target,
    Unit,
)
from portal.models.periods import PeriodStatus
from portal.nip import BIRTH_DATE_INVALID, format_nip, parse
from portal.ranks import JenisASN, JenisJabatan
from portal.seed.demo import ADMIN, ATASAN, DEMO_PASSWORD, INSTANSI, KEPALA, PEGAWAI

pytestmark = pytest.mark.usefixtures("no_inline_code")  # every page rendered here

ADMIN_PASSWORD = "Kebun-Teh-Puncak-2026"
NO_ENTRIES = ("--entries-per-employee", "0")  # the people are under test, not the daily work


@pytest.fixture
def cli(app):
    runner = app.test_cli_runner()

    def invoke(*args: str):
        result = runner.invoke(args=list(args))
        _db.session.rollback()  # see what the command committed, nothing else
        return result

    return invoke


def row_counts() -> dict[str, int]:
    """How many rows every table has."""
    return {
        table.name: _db.session.scalar(select(func.count()).select_from(table))
        for table in _db.metadata.sorted_tables
    }


def unit_depth(unit: Unit, units: dict[int, Unit]) -> int:
    depth = 1
    while unit.parent_id is not None:
        unit = units[unit.parent_id]
        depth += 1
        assert depth < 50, "unit tree has a cycle"
    return depth


def assert_valid_supervisor_tree(instansi: Instansi) -> list[Employee]:
    """One head; everyone else has a supervisor of the same instansi; no cycles."""
    people = list(_db.session.scalars(select(Employee).where(Employee.instansi_id == instansi.id)))
    by_id = {e.id: e for e in people}
    heads = [e for e in people if e.atasan_id is None]
    assert len(heads) == 1, [e.name for e in heads]
    for employee in people:
        seen = {employee.id}
        current = employee
        while current.atasan_id is not None:
            assert current.atasan_id in by_id, "supervisor outside the instansi"
            current = by_id[current.atasan_id]
            assert current.id not in seen, "supervisor cycle"
            seen.add(current.id)
        assert current is heads[0]
    return people


def assert_valid_people(people: list[Employee]) -> None:
    assert len({e.nip for e in people}) == len(people)
    for employee in people:
        assert parse(employee.nip).digits == employee.nip
        assert employee.golongan in JenisASN(employee.jenis_asn).golongan
        assert JenisJabatan(employee.jenis_jabatan)
        assert employee.name and employee.jabatan


# seed-demo


def test_seed_demo_builds_a_realistic_agency_once(cli, app, make_client):
    first = cli("seed-demo")
    assert first.exit_code == 0, first.output
    counts = row_counts()

    instansi = _db.session.scalar(select(Instansi).where(Instansi.code == INSTANSI["code"]))
    assert instansi.name == INSTANSI["name"] and instansi.city == INSTANSI["city"]
    people = assert_valid_supervisor_tree(instansi)
    assert len(people) >= 50
    assert_valid_people(people)
    by_nip = {e.nip: e for e in people}
    assert by_nip[KEPALA.nip].atasan_id is None
    assert by_nip[PEGAWAI.nip].atasan_id == by_nip[ATASAN.nip].id
    assert [e.nip for e in people if e.is_admin] == [ADMIN.nip]
    assert not any(e.is_superadmin for e in people)
    assert all(e.active and not e.must_change_password for e in people)
    titled = [e for e in people if e.gelar_depan or e.gelar_belakang]
    assert len(titled) >= len(people) // 2
    assert len({e.jabatan for e in people}) >= 10

    units = {
        u.id: u for u in _db.session.scalars(select(Unit).where(Unit.instansi_id == instansi.id))
    }
    assert max(unit_depth(u, units) for u in units.values()) >= 4
    # Supervisors sit in the employee's unit or the unit above it.
    for employee in people:
        if employee.atasan_id is not None:
            atasan = next(e for e in people if e.id == employee.atasan_id)
            assert atasan.unit_id in (employee.unit_id, units[employee.unit_id].parent_id)

    today = date.today()
    open_periods = list(
        _db.session.scalars(
            select(Period).where(
                Period.instansi_id == instansi.id, Period.status == PeriodStatus.OPEN
            )
        )
    )
    assert [p.start_date <= today <= p.end_date for p in open_periods] == [True]
    assert open_periods[0].start_date.year == today.year

    # The logins are printed with the demo password, and they work.
    for person in (KEPALA, ATASAN, PEGAWAI, ADMIN):
        assert format_nip(person.nip) in first.output
    assert DEMO_PASSWORD in first.output
    client = make_client()
    assert client.login(PEGAWAI.nip, DEMO_PASSWORD).headers["Location"] == "/"

    counts["audit_event"] += 1  # the sign-in
    second = cli("seed-demo")
    assert second.exit_code == 0, second.output
    assert "Data demo sudah ada." in second.output
    assert row_counts() == counts
    third = cli("demo-if-empty")
    assert third.exit_code == 0, third.output
    assert "tidak dimuat ulang" in third.output
    assert row_counts() == counts


# seed-scale


def test_seed_scale_builds_a_valid_tree_of_the_size_asked(cli):
    result = cli("seed-scale", "--employees", "300", *NO_ENTRIES)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("300 pegawai dibuat")
    instansi = _db.session.scalar(select(Instansi).where(Instansi.code == "SCALE"))
    people = assert_valid_supervisor_tree(instansi)
    assert len(people) == 300
    assert_valid_people(people)
    units = {
        u.id: u for u in _db.session.scalars(select(Unit).where(Unit.instansi_id == instansi.id))
    }
    assert max(unit_depth(u, units) for u in units.values()) == 4
    by_id = {e.id: e for e in people}
    for employee in people:
        if employee.atasan_id is not None:
            atasan = by_id[employee.atasan_id]
            assert atasan.unit_id in (employee.unit_id, units[employee.unit_id].parent_id)
    assert (
        _db.session.scalar(
            select(func.count())
            .select_from(Period)
            .where(Period.instansi_id == instansi.id, Period.status == PeriodStatus.OPEN)
        )
        == 1
    )

    again = cli("seed-scale", "--employees", "300", *NO_ENTRIES)
    assert again.exit_code == 0
    assert "sudah ada" in again.output
    assert _db.session.scalar(select(func.count()).select_from(Employee)) == 300


def test_seed_scale_builds_the_rhythm_in_every_state(cli, monkeypatch):
    """Monthly reports and periodic evaluations at scale, as in the demo: accepted, late,
    submitted, returned and not yet sent; evaluated, acknowledged and still due; nothing
    dated after today."""
    today = date(2026, 7, 20)  # June's report due on 5 July; Q2 ended on 30 June
    monkeypatch.setattr(clock, "today", lambda: today)
    result = cli("seed-scale", "--employees", "300", *NO_ENTRIES)
    assert result.exit_code == 0, result.output
    assert "laporan bulanan, riwayatnya dan evaluasi periodik dibuat" in result.output
    states = dict(
        _db.session.execute(
            select(MonthlyReport.state, func.count()).group_by(MonthlyReport.state)
        ).all()
    )
    assert set(states) == {"accepted", "submitted", "returned"}
    months = _db.session.scalars(select(MonthlyReport.month).distinct()).all()
    assert sorted(months) == [1, 2, 3, 4, 5, 6]  # the ended months only
    assert _db.session.scalar(select(func.count()).where(MonthlyReport.late)) > 0
    assert _db.session.scalar(select(func.max(MonthlyReport.submitted_on))) <= today
    history = _db.session.scalar(select(func.count()).select_from(MonthlyReportHistory))
    assert history == 2 * states["accepted"] + 2 * states["returned"] + states["submitted"]
    periodic = dict(
        _db.session.execute(
            select(PeriodicEvaluation.sub_period, func.count()).group_by(
                PeriodicEvaluation.sub_period
            )
        ).all()
    )
    supervised = _db.session.scalar(
        select(func.count(func.distinct(Target.owner_id))).where(Target.state == "approved")
    )
    assert periodic[1] == supervised and 0 < periodic[2] < supervised  # Q2 still due for some
    assert {s for (s,) in _db.session.execute(select(PeriodicEvaluation.status).distinct())} == {
        "final",
        "acknowledged",
    }
    latest = _db.session.scalar(select(func.max(PeriodicEvaluation.acknowledged_at)))
    assert clock.local_date(latest) <= today


def test_seed_scale_small_sizes(cli, subtests):
    for size in [1, 2, 21, 22]:
        with subtests.test(size=size):
            code = f"SMALL{size}"
            assert (
                cli("seed-scale", "--employees", str(size), "--code", code, *NO_ENTRIES).exit_code
                == 0
            )
            instansi = _db.session.scalar(select(Instansi).where(Instansi.code == code))
            assert len(assert_valid_supervisor_tree(instansi)) == size


# create-admin


def create_admin(cli, password=ADMIN_PASSWORD, nip="19870918 201101 2 005", *extra):
    return cli(
        "create-admin",
        "--nip",
        nip,
        "--name",
        "Wulan Anggraini",
        "--instansi-code",
        "BKD",
        "--instansi-name",
        "Badan Kepegawaian Daerah",
        "--password",
        password,
        *extra,
    )


@pytest.mark.parametrize(
    ("password", "nip", "message"),
    [
        ("password123", "19870918 201101 2 005", PASSWORD_TOO_COMMON),
        ("bismillah", "19870918 201101 2 005", PASSWORD_TOO_COMMON),
        ("Ab3-xyz", "19870918 201101 2 005", "Kata sandi minimal 8 karakter."),
        ("x198709182011012005", "19870918 201101 2 005", PASSWORD_CONTAINS_NIP),
        (ADMIN_PASSWORD, "19870918 201101 2 00", "NIP harus 18 digit (yang diisi 17 digit)."),
        (ADMIN_PASSWORD, "19870230 201101 2 005", BIRTH_DATE_INVALID),
    ],
)
def test_create_admin_refuses_bad_input(cli, password, nip, message):
    result = create_admin(cli, password, nip)
    assert result.exit_code == 1
    assert f"Error: {message!s}" in result.output
    assert _db.session.scalar(select(func.count()).select_from(Employee)) == 0
    assert _db.session.scalar(select(func.count()).select_from(Instansi)) == 0


def test_create_admin_with_a_good_password(cli, make_client):
    result = create_admin(cli)
    assert result.exit_code == 0, result.output
    assert "Admin Wulan Anggraini (19870918 201101 2 005) siap" in result.output
    admin = _db.session.scalar(select(Employee))
    assert admin.nip == "198709182011012005"
    assert admin.is_admin and not admin.is_superadmin and not admin.must_change_password
    assert admin.instansi.code == "BKD" and admin.unit.parent_id is None
    event = _db.session.scalar(select(AuditEvent))
    assert (event.action, event.object_id) == ("employee.create_admin", admin.id)
    client = make_client()
    assert client.login(admin, ADMIN_PASSWORD).headers["Location"] == "/"
    assert client.get("/admin/pegawai").status_code == 200


def test_create_admin_promotes_an_existing_employee_and_ends_their_sessions(
    cli, factory, db, login_as
):
    head, boss, staff = factory.team(1)
    old_session = login_as(staff[0])
    result = cli(
        "create-admin",
        "--nip",
        staff[0].nip,
        "--name",
        staff[0].name,
        "--instansi-code",
        head.instansi.code,
        "--password",
        ADMIN_PASSWORD,
    )
    assert result.exit_code == 0, result.output
    assert _db.session.scalar(select(func.count()).select_from(Employee)) == 3
    promoted = _db.session.get(Employee, staff[0].id)
    assert promoted.is_admin and promoted.atasan_id == boss.id
    assert old_session.get("/").status_code == 302


def test_create_admin_refuses_a_nip_of_another_instansi(cli, factory):
    head, boss, staff = factory.team(1)
    result = create_admin(cli, ADMIN_PASSWORD, staff[0].nip)
    assert result.exit_code == 1
    assert "NIP ini sudah terdaftar di instansi lain." in result.output
    assert not _db.session.get(Employee, staff[0].id).is_admin


def test_create_admin_needs_a_name_for_a_new_instansi(cli):
    result = cli(
        "create-admin",
        "--nip",
        "19870918 201101 2 005",
        "--name",
        "Wulan",
        "--instansi-code",
        "BARU",
        "--password",
        ADMIN_PASSWORD,
    )
    assert result.exit_code == 1
    assert "Instansi BARU belum ada" in result.output
    assert _db.session.scalar(select(func.count()).select_from(Instansi)) == 0


# demo-if-empty


@pytest.fixture
def seed_calls(monkeypatch) -> list[str]:
    """seed_demo replaced by a recorder: what it builds is tested above, once."""
    from portal.seed import demo

    calls: list[str] = []

    def recorded():
        calls.append("seed_demo")
        return 58, demo.demo_logins()

    monkeypatch.setattr(demo, "seed_demo", recorded)
    return calls


def test_demo_if_empty_loads_an_empty_database(cli, seed_calls):
    result = cli("demo-if-empty")
    assert result.exit_code == 0, result.output
    assert seed_calls == ["seed_demo"]
    # Said in words (the recorder made nothing, so every count is 0).
    assert (
        "Data demo dimuat: 0 instansi, 0 unit kerja, 0 pegawai, 0 periode penilaian, "
        "0 target SKP, 0 laporan harian, dan 0 evaluasi kinerja." in result.output
    )
    assert format_nip(PEGAWAI.nip) in result.output and DEMO_PASSWORD in result.output


def test_demo_if_empty_leaves_a_database_with_data_alone(cli, factory, seed_calls):
    factory.team(1)
    before = row_counts()
    result = cli("demo-if-empty")
    assert result.exit_code == 0, result.output
    assert seed_calls == []
    assert "Basis data sudah berisi data; data demo tidak dimuat ulang." in result.output
    assert row_counts() == before
    assert _db.session.scalar(select(Instansi.id).where(Instansi.code == INSTANSI["code"])) is None


def test_the_demo_summary_counts_what_is_there(factory):
    from portal.cli import demo_summary

    factory.team(2)
    employees = _db.session.scalar(select(func.count()).select_from(Employee))
    assert f", {employees} pegawai, " in demo_summary()
    assert demo_summary().endswith(" evaluasi kinerja")
