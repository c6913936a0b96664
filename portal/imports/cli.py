"""``flask --app wsgi import-employees FILE``: the import without the browser."""

from __future__ import annotations

import os
from pathlib import Path

import click
from sqlalchemy import select

from portal import exports
from portal import nip as nip_module
from portal.errors import DomainError
from portal.extensions import db
from portal.imports import services
from portal.imports.plan import ImportPlan
from portal.imports.reader import FileRefused
from portal.models import Employee, Instansi

SHOWN_PER_KIND = 20
ACTIONS = {"create": "baru", "update": "diubah", "deactivate": "dinonaktifkan"}


@click.command("import-employees")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Hanya tampilkan pratinjau; tidak ada yang diubah.")
@click.option(
    "--full",
    is_flag=True,
    help="Impor penuh: pegawai instansi yang tidak ada di berkas dinonaktifkan (tidak dihapus).",
)
@click.option("--instansi", "instansi_code", help="Kode instansi (bawaan: satu-satunya instansi).")
@click.option("--admin", "admin_nip", help="NIP admin yang dicatat (bawaan: admin pertama).")
@click.option(
    "--passwords-out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Tulis kata sandi sementara akun baru ke berkas CSV ini (bukan ke layar).",
)
def import_employees(file, dry_run, full, instansi_code, admin_nip, passwords_out):
    """Import people and units from a CSV or XLSX file (same columns as the export)."""
    instansi = _instansi(instansi_code)
    admin = _admin(instansi, admin_nip)
    data = file.read_bytes()
    try:
        plan = services.plan_file(data, instansi, admin, full)
    except FileRefused as exc:
        _fail([exc.message, *(_issue_line(i) for i in exc.issues)])
    _print_plan(plan)
    if plan.errors:
        db.session.rollback()
        _fail(
            [f"{len(plan.errors)} kesalahan; tidak ada yang diubah."]
            + [_issue_line(issue) for issue in plan.errors]
        )
    if dry_run:
        db.session.rollback()
        click.echo("Uji coba (--dry-run): tidak ada yang diubah.")
        return
    try:
        batch, _ = services.upload(data, file.name, instansi, admin, full)
        result = services.commit(batch, admin)
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        _fail([exc.message])
    services.remove_file(batch)
    click.echo(f"Impor #{batch.id} diterapkan: {_counts(result.counts)}.")
    if result.accounts:
        _hand_out(result.accounts, passwords_out)


def _instansi(code: str | None) -> Instansi:
    if code:
        instansi = db.session.scalar(select(Instansi).where(Instansi.code == code))
        if instansi is None:
            raise click.ClickException(f"Instansi dengan kode {code} tidak ada.")
        return instansi
    found = db.session.scalars(select(Instansi).order_by(Instansi.code).limit(21)).all()
    if len(found) == 1:
        return found[0]
    if not found:
        raise click.ClickException("Belum ada instansi; buat dulu dengan create-admin.")
    codes = ", ".join(i.code for i in found[:20])
    raise click.ClickException(f"Ada beberapa instansi; sebutkan --instansi ({codes}).")


def _admin(instansi: Instansi, nip: str | None) -> Employee:
    query = select(Employee).where(Employee.active.is_(True))
    if nip:
        admin = db.session.scalar(query.where(Employee.nip == nip_module.normalise(nip)))
        if admin is None or not (
            admin.is_superadmin or (admin.is_admin and admin.instansi_id == instansi.id)
        ):
            raise click.ClickException(f"{nip} bukan admin aktif instansi {instansi.code}.")
        return admin
    admin = db.session.scalar(
        query.where(Employee.instansi_id == instansi.id, Employee.is_admin.is_(True))
        .order_by(Employee.id)
        .limit(1)
    )
    if admin is None:
        raise click.ClickException(
            f"Instansi {instansi.code} belum punya admin aktif; buat dengan create-admin "
            "atau sebutkan --admin."
        )
    return admin


def _issue_line(issue) -> str:
    where = f"Baris {issue.row}" if issue.row else "Berkas"
    return f"{where}, kolom {issue.column}: {issue.message}"


def _fail(lines: list[str]) -> None:
    for line in lines:
        click.echo(line, err=True)
    raise click.exceptions.Exit(1)


def _counts(counts: dict[str, int]) -> str:
    return (
        f"{counts['created']} pegawai baru, {counts['updated']} diubah, "
        f"{counts['deactivated']} dinonaktifkan, {counts['unchanged']} tetap; "
        f"{counts['units_created']} unit baru, {counts['units_updated']} unit diubah"
    )


def _print_plan(plan: ImportPlan) -> None:
    click.echo(f"Pratinjau {plan.row_count} baris: {_counts(plan.counts)}.")
    for unit in plan.units:
        verb = "unit baru" if unit.action == "create" else "unit diubah"
        click.echo(f"  {verb} {unit.code} “{unit.name}” (induk: {unit.parent_code or '—'})")
    for action, word in ACTIONS.items():
        rows = plan.of(action)
        for row in rows[:SHOWN_PER_KIND]:
            changes = "; ".join(
                f"{column}: {old or '—'} → {new or '—'}"
                for column, (old, new) in row.changes.items()
            )
            click.echo(
                f"  baris {row.row}: {word} {nip_module.format_nip(row.data.nip)} "
                f"{row.display_name}" + (f" ({changes})" if changes else "")
            )
        if len(rows) > SHOWN_PER_KIND:
            click.echo(f"  … dan {len(rows) - SHOWN_PER_KIND} lagi {word}")
    for leaver in plan.leavers:
        click.echo(
            f"  dinonaktifkan (tidak ada di berkas): {leaver.employee.nip_display} "
            f"{leaver.employee.display_name}"
        )
    for leaver in plan.pending_leavers:
        click.echo(
            f"Peringatan: {leaver.employee.display_name} masih menjadi penilai "
            f"{leaver.targets} target, memverifikasi {leaver.entries} laporan dan atasan "
            f"{leaver.subordinates} pegawai aktif. Alihkan dulu pekerjaannya."
        )
    for warning in plan.warnings:
        click.echo(f"Peringatan: {_issue_line(warning)}")


def _hand_out(accounts, passwords_out: Path | None) -> None:
    """The one-time passwords: to a private file, or to the screen."""
    if passwords_out is None:
        click.echo("Kata sandi sementara akun baru (hanya ditampilkan sekali):")
        for account in accounts:
            click.echo(f"  {account.nip}  {account.password}  {account.display_name}")
        return
    fd = os.open(passwords_out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    header = ("NIP", "Nama", "Jabatan", "Unit", "Kata sandi sementara")
    rows = ((a.nip, a.display_name, a.jabatan, a.unit_name, a.password) for a in accounts)
    with os.fdopen(fd, "w", newline="", encoding="utf-8") as handle:
        handle.writelines(exports.csv_chunks(header, rows))  # the BOM comes first
    click.echo(f"Kata sandi sementara {len(accounts)} akun baru ditulis ke {passwords_out}.")
