"""Checking one row of an import file on its own, before the file as a whole.

A row is checked with the same rules as the admin's form
(:func:`portal.people.services.check_fields`), its cells read the way the columns
allow (:mod:`portal.imports.columns`); every error goes onto the plan at its row and column.
"""

from __future__ import annotations

from flask_babel import gettext as _

from portal import nip as nip_module
from portal.imports import columns
from portal.imports.columns import FIELD_COLUMN
from portal.imports.plan import EmployeePlan, ImportPlan
from portal.imports.reader import Issue, SheetRow
from portal.people.services import UNKNOWN_GOLONGAN, EmployeeData, check_fields


def add_error(plan: ImportPlan, row: SheetRow | int | None, column: str, message: str) -> None:
    """An error at a row (a number, or None for the file as a whole) and column."""
    number = row.number if isinstance(row, SheetRow) else row
    plan.errors.append(Issue(number, column, message))


def too_long(limit: int) -> str:
    return _("Paling banyak %(max)s karakter.", max=limit)


def parse_row(row: SheetRow, plan: ImportPlan) -> EmployeePlan:
    """Check one row on its own; None when its NIP is unusable (nothing can refer to it)."""
    plan.errors.extend(row.issues)
    flagged = {issue.column for issue in row.issues}
    cells = row.cells
    active = columns.active(cells["active"])
    if active is None:
        message = _("Isi “Ya” atau “Tidak” (tertulis “%(value)s”).", value=cells["active"])
        add_error(plan, row, "Aktif", message)
    data = EmployeeData(
        nip=cells["nip"],
        name=cells["name"],
        gelar_depan=cells["gelar_depan"],
        gelar_belakang=cells["gelar_belakang"],
        jabatan=cells["jabatan"],
        jenis_jabatan=columns.jenis_jabatan(cells["jenis_jabatan"]),
        # An optional column: a file without it lists PNS only.
        jenis_asn=columns.jenis_asn(cells.get("jenis_asn", "")),
        golongan=columns.golongan(cells["golongan"]),
        unit_id=0,
        email=cells["email"],
        active=active is not False,
    )
    field_errors = check_fields(data)
    for name, message in field_errors.items():
        column = FIELD_COLUMN[name]
        if column in flagged:
            continue
        if name == "golongan" and cells["golongan"] and message == str(UNKNOWN_GOLONGAN):
            message = _(
                "Pangkat/golongan “%(value)s” tidak dikenal; tulis mis. III/a.",
                value=cells["golongan"],
            )
        if name == "jenis_asn":
            message = _(
                "Jenis ASN “%(value)s” tidak dikenal; isi PNS atau PPPK.",
                value=cells["jenis_asn"],
            )
        if name == "jenis_jabatan":
            message = _(
                "Jenis jabatan “%(value)s” tidak dikenal; isi jpt, administrasi atau fungsional.",
                value=cells["jenis_jabatan"],
            )
        add_error(plan, row, column, message)
    unit_code = " ".join(cells["unit_code"].split())
    if not unit_code:
        add_error(plan, row, "Kode Unit", _("Kode unit wajib diisi."))
    elif len(unit_code) > columns.UNIT_CODE_MAX:
        add_error(plan, row, "Kode Unit", too_long(columns.UNIT_CODE_MAX))
    atasan_nip = None
    if cells["atasan_nip"]:
        try:
            atasan_nip = nip_module.parse(cells["atasan_nip"]).digits
        except nip_module.InvalidNIP as exc:
            add_error(plan, row, "NIP Atasan", str(exc))
    return EmployeePlan(
        row=row.number,
        data=data,
        unit_code=unit_code,
        unit_name=" ".join(cells["unit_name"].split()),
        parent_code=" ".join(cells["parent_code"].split()),
        atasan_nip=atasan_nip,
        identified="nip" not in field_errors and "NIP" not in flagged,
    )
