"""Command-line tools: ``flask --app wsgi <command>``."""

from __future__ import annotations

import time

import click
from flask import Flask
from sqlalchemy import func, select

from portal import audit
from portal import nip as nip_module
from portal.auth.passwords import check_password_rules, hash_password
from portal.errors import InvalidInput
from portal.extensions import db
from portal.models import Employee, Instansi, Unit
from portal.ranks import GOLONGAN, JenisJabatan


def init_app(app: Flask) -> None:
    app.cli.add_command(create_admin)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(seed_scale_command)
    app.cli.add_command(demo_if_empty)


def print_logins(logins) -> None:
    from portal.seed.demo import DEMO_PASSWORD

    click.echo("")
    click.echo(f"Akun demo (kata sandi semua akun: {DEMO_PASSWORD})")
    for login in logins:
        click.echo(f"  {login.role:<15} NIP {nip_module.format_nip(login.nip)}  {login.note}")
    click.echo("")


@click.command("seed-demo")
def seed_demo_command() -> None:
    """Load the demo agency (idempotent) and print the demo logins."""
    from portal.seed.demo import seed_demo

    created, logins = seed_demo()
    click.echo(f"Data demo: {created} data baru dibuat." if created else "Data demo sudah ada.")
    print_logins(logins)


@click.command("demo-if-empty")
def demo_if_empty() -> None:
    """Load the demo data only when the database has no employee yet (for `make run`)."""
    from portal.seed.demo import demo_logins, seed_demo

    if db.session.scalar(select(func.count()).select_from(Employee)):
        click.echo("Basis data sudah berisi data; data demo tidak dimuat ulang.")
        print_logins(demo_logins())
        return
    created, logins = seed_demo()
    click.echo(f"Data demo dimuat: {created} data.")
    print_logins(logins)


@click.command("seed-scale")
@click.option("--employees", type=click.IntRange(1, 500_000), default=20_000, show_default=True)
@click.option(
    "--entries-per-employee",
    type=click.IntRange(0, 1000),
    default=200,
    show_default=True,
    help="Laporan harian per pegawai (0: hanya pegawai dan target).",
)
@click.option("--code", default="SCALE", show_default=True, help="Kode instansi uji skala.")
def seed_scale_command(employees: int, entries_per_employee: int, code: str) -> None:
    """Create an agency of N employees, with plans and a year of entries, for benchmarks."""
    from portal.seed.scale import seed_scale
    from portal.seed.scale_work import seed_work

    started = time.perf_counter()
    created = seed_scale(employees, code)
    if not created:
        click.echo(f"Instansi {code} sudah ada; tidak ada yang dibuat.")
        return
    click.echo(f"{created} pegawai dibuat dalam {time.perf_counter() - started:.1f} detik.")
    started = time.perf_counter()
    instansi_id = db.session.scalar(select(Instansi.id).where(Instansi.code == code))
    entries = seed_work(instansi_id, entries_per_employee)
    click.echo(
        f"Rencana, target dan {entries} laporan harian dibuat dalam "
        f"{time.perf_counter() - started:.1f} detik."
    )


@click.command("create-admin")
@click.option("--nip", prompt="NIP", help="NIP 18 digit admin.")
@click.option("--name", prompt="Nama", help="Nama tanpa gelar.")
@click.option("--jabatan", default="Analis SDM Aparatur", show_default=True)
@click.option("--golongan", type=click.Choice(GOLONGAN), default="III/a", show_default=True)
@click.option("--instansi-code", prompt="Kode instansi")
@click.option("--instansi-name", default=None, help="Nama instansi, bila instansi baru.")
@click.option("--superadmin", is_flag=True, help="Admin semua instansi.")
@click.password_option("--password", prompt="Kata sandi")
def create_admin(nip, name, jabatan, golongan, instansi_code, instansi_name, superadmin, password):
    """Create (or promote) an admin of an instansi."""
    try:
        parsed = nip_module.parse(nip)
        check_password_rules(password, nip=parsed.digits, name=name)
    except (nip_module.InvalidNIP, InvalidInput) as exc:
        raise click.ClickException(getattr(exc, "message", str(exc))) from None
    instansi = db.session.scalar(select(Instansi).where(Instansi.code == instansi_code))
    if instansi is None:
        if not instansi_name:
            raise click.ClickException(
                f"Instansi {instansi_code} belum ada; sebutkan --instansi-name untuk membuatnya."
            )
        instansi = Instansi(code=instansi_code, name=instansi_name)
        db.session.add(instansi)
        db.session.flush()
    unit = db.session.scalar(
        select(Unit).where(Unit.instansi_id == instansi.id, Unit.parent_id.is_(None)).limit(1)
    )
    if unit is None:
        unit = Unit(instansi_id=instansi.id, code="00", name=instansi.name)
        db.session.add(unit)
        db.session.flush()
    employee = db.session.scalar(select(Employee).where(Employee.nip == parsed.digits))
    if employee is not None and employee.instansi_id != instansi.id:
        raise click.ClickException("NIP ini sudah terdaftar di instansi lain.")
    if employee is None:
        employee = Employee(
            nip=parsed.digits,
            name=name.strip()[:150],
            jabatan=jabatan,
            jenis_jabatan=JenisJabatan.FUNGSIONAL,
            golongan=golongan,
            instansi_id=instansi.id,
            unit_id=unit.id,
        )
        db.session.add(employee)
    employee.is_admin = True
    employee.is_superadmin = employee.is_superadmin or superadmin
    employee.active = True
    employee.password_hash = hash_password(password)
    employee.must_change_password = False
    employee.session_version = (employee.session_version or 1) + 1
    db.session.flush()
    audit.record("employee.create_admin", employee, summary={"superadmin": superadmin})
    db.session.commit()
    click.echo(
        f"Admin {employee.display_name} ({employee.nip_display}) siap untuk {instansi.name}."
    )
