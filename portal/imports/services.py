"""Import batches: upload (preview), commit once, discard.

The uploaded bytes are kept in the import folder under a random name, with their
SHA-256 on the :class:`ImportBatch`; the commit reads exactly those bytes again and
plans them against the database as it is then. The preview page reads the plan made at
the upload, kept beside the file (:mod:`portal.imports.preview`).
``preview → committed | discarded`` moves by compare-and-swap, so a double submit
commits once. The commit is one transaction: units, people, leavers and the audit log,
or nothing.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import update

from portal import audit
from portal.auth.passwords import hash_one_time_password
from portal.concurrency import compare_and_swap
from portal.errors import Conflict, InvalidInput
from portal.extensions import db
from portal.imports import preview
from portal.imports.plan import ImportPlan
from portal.imports.planner import build_plan
from portal.imports.reader import FileRefused, read
from portal.models import Employee, ImportBatch, Instansi, Unit
from portal.models.types import utcnow
from portal.people.services import one_time_password
from portal.ranks import JenisASN, JenisJabatan

STORED_NAME = re.compile(r"[0-9a-f]{32}")
SHA256 = re.compile(r"[0-9a-f]{64}")
SAFE_NAME = re.compile(r"[^\w.()\- ]+")
ALREADY_DONE = {
    "committed": _l("Impor ini sudah diterapkan; tidak ada yang diterapkan dua kali."),
    "discarded": _l("Impor ini sudah dibatalkan; unggah berkasnya lagi bila perlu."),
}


class PlanHasErrors(InvalidInput):
    """The file has errors now (perhaps the database changed since the preview)."""

    def __init__(self, plan: ImportPlan) -> None:
        super().__init__(
            _(
                "Berkas masih memuat %(count)d kesalahan; perbaiki lalu unggah lagi.",
                count=len(plan.errors),
            ),
            field="file",
        )
        self.plan = plan


@dataclass
class NewAccount:
    nip: str
    display_name: str
    jabatan: str
    unit_name: str
    password: str = field(repr=False)


@dataclass
class CommitResult:
    counts: dict[str, int]
    accounts: list[NewAccount]


def max_bytes() -> int:
    return current_app.config["PORTAL_IMPORT_MAX_MB"] * 1024 * 1024


def folder() -> Path:
    return Path(current_app.config["PORTAL_IMPORT_FOLDER"])


def path_of(batch: ImportBatch) -> Path:
    if not STORED_NAME.fullmatch(batch.stored_name):
        raise ValueError("not a stored import name")
    return folder() / batch.stored_name


def preview_path(batch: ImportBatch) -> Path:
    """Where the batch's preview is kept: beside its file, named by the file's SHA-256."""
    if not SHA256.fullmatch(batch.sha256):
        raise ValueError("not a SHA-256")
    return path_of(batch).with_name(f"{batch.stored_name}.{batch.sha256}.preview.json")


def plan_file(data: bytes, instansi: Instansi, actor: Employee, full: bool) -> ImportPlan:
    """Read and plan a file without storing anything (preview, dry run)."""
    if len(data) > max_bytes():
        raise FileRefused(
            _(
                "Berkas melebihi batas %(mb)d MB; bagi menjadi beberapa berkas.",
                mb=current_app.config["PORTAL_IMPORT_MAX_MB"],
            )
        )
    sheet = read(data, current_app.config["PORTAL_IMPORT_MAX_ROWS"])
    return build_plan(sheet, instansi, actor, full)


def upload(
    data: bytes, filename: str, instansi: Instansi, actor: Employee, full: bool
) -> tuple[ImportBatch, ImportPlan]:
    """Plan the file and keep it as a batch in preview; a file that cannot be read at all
    is refused (:class:`FileRefused`) and nothing is kept."""
    plan = plan_file(data, instansi, actor, full)
    stored = secrets.token_hex(16)
    target = folder()
    target.mkdir(parents=True, exist_ok=True)
    with open(target / stored, "xb") as handle:
        handle.write(data)
    batch = ImportBatch(
        instansi_id=instansi.id,
        uploaded_by_id=actor.id,
        filename=(SAFE_NAME.sub("_", filename).strip() or "berkas")[-200:],
        file_format=plan.file_format,
        sha256=hashlib.sha256(data).hexdigest(),
        stored_name=stored,
        full_import=full,
        status="preview",
        row_count=plan.row_count,
        summary=plan.counts,
    )
    db.session.add(batch)
    db.session.flush()
    audit.record(
        "import.upload",
        batch,
        actor=actor,
        summary={"filename": batch.filename, "sha256": batch.sha256, **plan.counts},
    )
    return batch, plan


def stored_bytes(batch: ImportBatch) -> bytes:
    try:
        data = path_of(batch).read_bytes()
    except OSError:
        raise Conflict(
            _("Berkas impor ini tidak tersimpan lagi; unggah ulang berkasnya.")
        ) from None
    if hashlib.sha256(data).hexdigest() != batch.sha256:
        raise Conflict(_("Berkas impor yang tersimpan telah berubah; unggah ulang berkasnya."))
    return data


def plan_batch(batch: ImportBatch, actor: Employee) -> ImportPlan:
    """The batch's stored file, planned against the database as it is now."""
    instansi = db.session.get(Instansi, batch.instansi_id)
    return plan_file(stored_bytes(batch), instansi, actor, batch.full_import)


def _preview_key(batch: ImportBatch, actor: Employee) -> dict:
    return {"sha256": batch.sha256, "actor": actor.id, "locale": str(get_locale())}


def keep_preview(batch: ImportBatch, actor: Employee, plan: ImportPlan) -> preview.Preview:
    """The plan as the preview page shows it, kept for the next views of ``actor``."""
    shown = preview.Preview.of(plan)
    path = preview_path(batch)
    try:
        preview.save(path, _preview_key(batch, actor), shown)
    except OSError:
        current_app.logger.warning("import preview %s not kept", path.name, exc_info=True)
        return shown
    if not path_of(batch).exists():  # closed meanwhile: nothing of it may stay behind
        path.unlink(missing_ok=True)
    return shown


def preview_of(batch: ImportBatch, actor: Employee) -> preview.Preview:
    """The batch's preview as kept; planned again (and kept) only when none fits."""
    kept = preview.load(preview_path(batch), _preview_key(batch, actor))
    if kept is not None:
        return kept
    return keep_preview(batch, actor, plan_batch(batch, actor))


def _close(batch: ImportBatch, status: str) -> None:
    compare_and_swap(
        update(ImportBatch)
        .where(ImportBatch.id == batch.id, ImportBatch.status == "preview")
        .values(status=status, committed_at=utcnow() if status == "committed" else None),
        ALREADY_DONE[status],
    )
    db.session.expire(batch, ["status", "committed_at"])


def commit(batch: ImportBatch, actor: Employee) -> CommitResult:
    """Apply the batch once, all or nothing; raise :class:`PlanHasErrors` if it has any."""
    if batch.status != "preview":
        raise Conflict(ALREADY_DONE.get(batch.status, ALREADY_DONE["committed"]))
    _close(batch, "committed")
    plan = plan_batch(batch, actor)
    if plan.errors:
        raise PlanHasErrors(plan)
    instansi = db.session.get(Instansi, batch.instansi_id)
    accounts = apply(plan, instansi, actor, batch.id)
    counts = plan.counts
    batch.summary = counts
    audit.record(
        "import.commit",
        batch,
        actor=actor,
        summary={
            "filename": batch.filename,
            "sha256": batch.sha256,
            "full_import": batch.full_import,
            **counts,
        },
    )
    db.session.flush()
    return CommitResult(counts, accounts)


def discard(batch: ImportBatch, actor: Employee) -> None:
    if batch.status != "preview":
        raise Conflict(ALREADY_DONE.get(batch.status, ALREADY_DONE["discarded"]))
    _close(batch, "discarded")
    audit.record("import.discard", batch, actor=actor, summary={"filename": batch.filename})


def remove_file(batch: ImportBatch) -> None:
    """Once the batch is closed and committed to the database, its file and its kept
    preview go."""
    path_of(batch).unlink(missing_ok=True)
    preview_path(batch).unlink(missing_ok=True)


def _hash_all(passwords: list[str]) -> list[str]:
    """Argon2 releases the GIL: hash on every core."""
    if len(passwords) < 8:
        return [hash_one_time_password(p) for p in passwords]
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        return list(pool.map(hash_one_time_password, passwords, chunksize=16))


def apply(plan: ImportPlan, instansi: Instansi, actor: Employee, batch_id: int) -> list[NewAccount]:
    """Carry out a plan without errors; flush. Return the new accounts with their
    one-time passwords (never stored in plain text)."""
    units = _apply_units(plan, instansi, actor, batch_id)
    creates = plan.of("create")
    passwords = [one_time_password() for _ in creates]
    hashes = _hash_all(passwords)
    people = dict(plan.people_by_nip)
    new_people = []
    for row, password_hash in zip(creates, hashes, strict=True):
        employee = Employee(
            nip=row.data.nip,
            name=row.data.name,
            gelar_depan=row.data.gelar_depan,
            gelar_belakang=row.data.gelar_belakang,
            jabatan=row.data.jabatan,
            jenis_jabatan=JenisJabatan(row.data.jenis_jabatan),
            jenis_asn=JenisASN(row.data.jenis_asn),
            golongan=row.data.golongan,
            email=row.data.email,
            active=row.data.active,
            instansi_id=instansi.id,
            unit_id=units[row.unit_code].id,
            password_hash=password_hash,
            must_change_password=True,
        )
        new_people.append(employee)
        people[row.data.nip] = employee
    db.session.add_all(new_people)
    db.session.flush()
    for row in creates:
        employee = people[row.data.nip]
        employee.set_atasan(people[row.atasan_nip].id if row.atasan_nip else None)
    db.session.flush()
    for row in creates:
        employee = people[row.data.nip]
        audit.record(
            "employee.create",
            employee,
            actor=actor,
            summary={
                "batch": batch_id,
                "nip": employee.nip,
                "name": employee.name,
                "jabatan": employee.jabatan,
                "unit": row.unit_code,
                "atasan": row.atasan_nip,
            },
        )
    for row in plan.employees:
        if row.action in ("update", "deactivate"):
            _apply_changes(row, people, units, actor, batch_id)
    for leaver in plan.leavers:
        employee = leaver.employee
        employee.active = False
        employee.session_version += 1  # their sessions end now
        audit.record(
            "employee.deactivate",
            employee,
            actor=actor,
            summary={"batch": batch_id, "reason": "not_in_full_import", "nip": employee.nip},
        )
    db.session.flush()
    return [
        NewAccount(
            nip=people[row.data.nip].nip_display,
            display_name=row.display_name,
            jabatan=row.data.jabatan,
            unit_name=units[row.unit_code].name,
            password=password,
        )
        for row, password in zip(creates, passwords, strict=True)
    ]


def _apply_units(
    plan: ImportPlan, instansi: Instansi, actor: Employee, batch_id: int
) -> dict[str, Unit]:
    units = dict(plan.units_by_code)
    created = []
    for unit_plan in plan.units:
        if unit_plan.unit is None:
            unit = Unit(instansi_id=instansi.id, code=unit_plan.code, name=unit_plan.name)
            units[unit_plan.code] = unit
            created.append(unit)
    db.session.add_all(created)
    db.session.flush()
    for unit_plan in plan.units:
        unit = units[unit_plan.code]
        unit.name = unit_plan.name
        unit.parent_id = units[unit_plan.parent_code].id if unit_plan.parent_code else None
    db.session.flush()
    for unit_plan in plan.units:
        unit = units[unit_plan.code]
        if unit_plan.action == "create":
            summary = {"code": unit.code, "name": unit.name, "parent": unit_plan.parent_code}
            audit.record("unit.create", unit, actor=actor, summary={"batch": batch_id, **summary})
        else:
            audit.record(
                "unit.update",
                unit,
                actor=actor,
                summary={"batch": batch_id, "changes": unit_plan.changes},
            )
    return units


def _apply_changes(row, people: dict, units: dict, actor, batch_id: int) -> None:
    employee, data = row.employee, row.data
    for name in ("name", "gelar_depan", "gelar_belakang", "jabatan", "golongan", "email"):
        setattr(employee, name, getattr(data, name))
    employee.jenis_jabatan = JenisJabatan(data.jenis_jabatan)
    employee.jenis_asn = JenisASN(data.jenis_asn)
    employee.unit_id = units[row.unit_code].id
    employee.set_atasan(people[row.atasan_nip].id if row.atasan_nip else None)
    if employee.active and not data.active:
        employee.session_version += 1  # a deactivated account is signed out everywhere
    employee.active = data.active
    audit.record(
        "employee.deactivate" if row.action == "deactivate" else "employee.update",
        employee,
        actor=actor,
        summary={"batch": batch_id, "nip": employee.nip, "changes": row.changes},
    )
