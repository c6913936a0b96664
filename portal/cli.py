"""Command-line tools: ``flask --app wsgi <command>``."""

from __future__ import annotations

import time
from pathlib import Path

import click
from flask import Flask, current_app
from sqlalchemy import func, select

from portal import audit, clock, jobs
from portal import nip as nip_module
from portal.auth.passwords import check_password_rules, hash_password
from portal.errors import InvalidInput
from portal.extensions import db
from portal.models import Employee, Evaluation, Instansi, Period, Target, Unit, WorkEntry
from portal.ranks import GOLONGAN, JenisJabatan


def init_app(app: Flask) -> None:
    app.cli.add_command(create_admin)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(seed_scale_command)
    app.cli.add_command(demo_if_empty)
    app.cli.add_command(letter_command)
    app.cli.add_command(worker_command)
    app.cli.add_command(jobs_revive_command)
    app.cli.add_command(reminders_command)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    from portal.imports.cli import import_employees
    from portal.notify.cli import notify_command

    app.cli.add_command(import_employees)
    app.cli.add_command(notify_command)


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
    seed_demo()
    click.echo(f"Data demo dimuat: {demo_summary()}.")
    print_logins(demo_logins())


# What the demo is made of, in the words its users know (counted after loading it into
# an empty database, so every row counted is the demo's).
DEMO_PARTS = (
    (Instansi, "instansi"),
    (Unit, "unit kerja"),
    (Employee, "pegawai"),
    (Period, "periode penilaian"),
    (Target, "target SKP"),
    (WorkEntry, "laporan harian"),
    (Evaluation, "evaluasi kinerja"),
)


def demo_summary() -> str:
    """E.g. "1 instansi, 6 unit kerja, 12 pegawai, …, dan 3 evaluasi kinerja"."""
    counts = db.session.execute(
        select(
            *(select(func.count()).select_from(model).scalar_subquery() for model, _ in DEMO_PARTS)
        )
    ).one()
    parts = [f"{count} {name}" for count, (_, name) in zip(counts, DEMO_PARTS, strict=True)]
    return ", ".join(parts[:-1]) + ", dan " + parts[-1]


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
    from portal.seed.scale_rhythm import seed_rhythm
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
    started = time.perf_counter()
    rhythm = seed_rhythm(instansi_id)
    click.echo(
        f"{rhythm} laporan bulanan, riwayatnya dan evaluasi periodik dibuat dalam "
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


@click.command("letter")
@click.option("--nip", help="NIP pegawai (satu surat).")
@click.option("--unit", "unit_code", help="Kode unit kerja (semua pegawai unit dan subunitnya).")
@click.option("--period", "period_id", type=int, required=True, help="ID periode.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), required=True)
@click.option("--as-nip", help="Dicetak atas nama (NIP admin); bawaan: admin pertama instansi.")
def letter_command(nip, unit_code, period_id, output, as_nip):
    """Print evaluation letters to a PDF file: one employee, or a whole unit."""
    from portal.evaluations import letter as letters
    from portal.models import Evaluation, EvaluationStatus, Period

    if bool(nip) == bool(unit_code):
        raise click.UsageError("Sebutkan tepat satu: --nip atau --unit.")
    period = db.session.get(Period, period_id)
    if period is None:
        raise click.ClickException(f"Periode {period_id} tidak ditemukan.")
    query = (
        select(Evaluation)
        .join(Employee, Employee.id == Evaluation.employee_id)
        .where(Evaluation.period_id == period.id, Evaluation.status == EvaluationStatus.FINAL)
    )
    if nip:
        query = query.where(Employee.nip == nip_module.normalise(nip))
    else:
        unit = db.session.scalar(
            select(Unit).where(Unit.instansi_id == period.instansi_id, Unit.code == unit_code)
        )
        if unit is None:
            raise click.ClickException(f"Unit {unit_code} tidak ditemukan di instansi periode.")
        query = query.where(Employee.unit_id.in_(_unit_tree(unit.id)))
    evaluations = list(db.session.scalars(query.order_by(Employee.name)))
    if not evaluations:
        raise click.ClickException("Tidak ada evaluasi selesai yang cocok.")
    actor = db.session.scalar(
        select(Employee)
        .where(
            Employee.instansi_id == period.instansi_id,
            Employee.nip == nip_module.normalise(as_nip) if as_nip else Employee.is_admin,
        )
        .order_by(Employee.id)
    )
    if actor is None:
        raise click.ClickException("Tidak ada admin instansi untuk dicatat sebagai pencetak.")
    with click.progressbar(length=len(evaluations), label="Mencetak surat") as bar:
        pdf = letters.letters_of(evaluations, actor, lambda done, total: bar.update(1))
    db.session.commit()
    with open(output, "wb") as handle:
        handle.write(pdf)
    click.echo(f"{len(evaluations)} surat ditulis ke {output}.")


def _unit_tree(unit_id: int) -> list[int]:
    ids, frontier = [unit_id], [unit_id]
    while frontier:
        frontier = list(db.session.scalars(select(Unit.id).where(Unit.parent_id.in_(frontier))))
        ids.extend(frontier)
    return ids


@click.command("worker")
@click.option("--burst", is_flag=True, help="Berhenti bila antrean sudah kosong.")
def worker_command(burst: bool):
    """Run an RQ worker for background jobs (needs PORTAL_REDIS_URL)."""
    if not current_app.config.get("PORTAL_REDIS_URL"):
        raise click.ClickException("PORTAL_REDIS_URL belum diatur; pekerjaan berjalan di web.")
    jobs.work(burst=burst)


@click.command("jobs-revive")
def jobs_revive_command():
    """Run again the background jobs whose runner stopped (a killed worker or web process)."""
    revived = jobs.revive_stale()
    click.echo(f"{len(revived)} pekerjaan dijalankan lagi.")


@click.command("reminders")
def reminders_command():
    """Write the reminders and escalations due today (cron or a systemd timer runs it every
    15 minutes; a second run the same day writes nothing again)."""
    from portal.notify import reminders

    written = reminders.run_and_commit(clock.today())
    click.echo(f"{written} pengingat baru ditulis.")


@click.command("backup")
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False), required=True, help="Berkas arsip (.tar.gz)."
)
def backup_command(output: str):
    """Write one archive of the database and the evidence files (README "Backup dan
    pemulihan"); safe while the portal runs."""
    from portal.backup import BackupError, create_backup

    try:
        manifest = create_backup(Path(output))
    except BackupError as exc:
        raise click.ClickException(exc.message) from None
    rows = sum(manifest["tables"].values())
    click.echo(
        f"Cadangan ditulis ke {output}: {rows} baris dari {len(manifest['tables'])} tabel "
        f"dan {len(manifest['files'])} berkas bukti dukung."
    )


@click.command("restore")
@click.argument("archive", type=click.Path(dir_okay=False))
@click.option("--force", is_flag=True, help="Timpa basis data tujuan walau sudah berisi data.")
def restore_command(archive: str, force: bool):
    """Bring an archive of `backup` back into the configured database and upload folder
    (refuses a database that has rows, unless --force)."""
    from portal.backup import BackupError, restore_backup

    try:
        result = restore_backup(Path(archive), force=force)
    except BackupError as exc:
        raise click.ClickException(exc.message) from None
    rows = sum(result.manifest["tables"].values())
    click.echo(
        f"Dipulihkan dari {archive} (dibuat {result.manifest['created_at']}): {rows} baris "
        f"dan {result.files} berkas bukti dukung."
    )
    for note in result.notes:
        click.echo(note)
