"""What an import file would do to the instansi: the preview, computed in bulk.

Rows match people by NIP and units by code. Each row is first checked on its own
(:mod:`portal.imports.rows`); what only the file as a whole can tell — duplicate NIPs,
supervisors and parent units that exist nowhere, cycles through file and database,
leavers — is checked here, against the database as it is now. The database is read with
a handful of set-based queries whatever the size.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from portal import nip as nip_module
from portal.extensions import db
from portal.imports import columns
from portal.imports.plan import EmployeePlan, ImportPlan, Leaver, UnitPlan
from portal.imports.reader import Sheet
from portal.imports.rows import add_error, parse_row, too_long
from portal.models import Employee, Instansi, Target, Unit, WorkEntry
from workflows.targets import STATES

UNIT_OWN_PARENT = _l("Unit tidak boleh menjadi induk dirinya.")
CANNOT_DEACTIVATE_SELF = _l("Anda tidak dapat menonaktifkan akun Anda sendiri.")

# Targets still waiting on their evaluator.
PENDING_STATES = ("drafted", "discussed", "approved", "reported")
assert set(PENDING_STATES) <= set(STATES)
CHUNK = 2000
# The employee fields an import sets, with the column that shows each change.
COMPARED = (
    ("name", "Nama"),
    ("gelar_depan", "Gelar Depan"),
    ("gelar_belakang", "Gelar Belakang"),
    ("jabatan", "Jabatan"),
    ("jenis_jabatan", "Jenis Jabatan"),
    ("jenis_asn", "Jenis ASN"),
    ("golongan", "Golongan"),
    ("email", "Email"),
)


def chunks(values: Iterable, size: int = CHUNK) -> Iterator[list]:
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start : start + size]


def find_cycles(parent_of: dict) -> list[list]:
    """Every cycle in a forest given as ``{node: parent or None}``, each once."""
    state: dict = {}  # 1: on the current path, 2: done
    cycles = []
    for start in parent_of:
        path, node = [], start
        while node is not None and node in parent_of and state.get(node) is None:
            state[node] = 1
            path.append(node)
            node = parent_of[node]
        if node is not None and state.get(node) == 1:
            cycles.append(path[path.index(node) :])
        for visited in path:
            state[visited] = 2
    return cycles


def build_plan(
    sheet: Sheet, instansi: Instansi, actor: Employee | None, full_import: bool
) -> ImportPlan:
    """The preview of ``sheet`` for ``instansi``: every change, error and warning."""
    plan = ImportPlan(len(sheet.rows), full_import, sheet.file_format)
    plan.warnings.extend(sheet.warnings)
    plan.units_by_code = {
        u.code: u for u in db.session.scalars(select(Unit).where(Unit.instansi_id == instansi.id))
    }
    plan.people_by_nip = {
        e.nip: e
        for e in db.session.scalars(select(Employee).where(Employee.instansi_id == instansi.id))
    }
    parsed = [parse_row(row, plan) for row in sheet.rows]
    rows = [r for r in parsed if r.identified]
    elsewhere = _nips_elsewhere(
        {r.data.nip for r in rows} | {r.atasan_nip for r in rows if r.atasan_nip},
        plan.people_by_nip,
    )
    _plan_units(parsed, plan)
    _plan_people(rows, plan, elsewhere)
    _check_supervisor_cycles(plan)
    _plan_leavers(plan, actor)
    plan.errors.sort(key=lambda i: (i.row or 0,))
    return plan


def _nips_elsewhere(nips: set[str], ours: dict[str, Employee]) -> set[str]:
    """The NIPs among ``nips`` registered in another instansi."""
    wanted = [n for n in nips if n not in ours]
    found: set[str] = set()
    for part in chunks(wanted):
        found.update(db.session.scalars(select(Employee.nip).where(Employee.nip.in_(part))))
    return found


def _plan_units(rows: list[EmployeePlan], plan: ImportPlan) -> None:
    existing = plan.units_by_code
    named: dict[str, tuple[str, int]] = {}
    parents: dict[str, tuple[str, int]] = {}
    first_row: dict[str, int] = {}
    for row in rows:
        code = row.unit_code
        if not code or len(code) > columns.UNIT_CODE_MAX:
            continue
        first_row.setdefault(code, row.row)
        name, parent = row.unit_name, row.parent_code
        if len(name) > columns.UNIT_NAME_MAX:
            add_error(plan, row.row, "Nama Unit", too_long(columns.UNIT_NAME_MAX))
        elif name:
            if code in named and named[code][0] != name:
                add_error(
                    plan,
                    row.row,
                    "Nama Unit",
                    _(
                        "Unit %(code)s bernama “%(first)s” di baris %(row)d; di sini "
                        "“%(name)s”. Samakan namanya.",
                        code=code,
                        first=named[code][0],
                        row=named[code][1],
                        name=name,
                    ),
                )
            named.setdefault(code, (name, row.row))
        if parent:
            if parent == code:
                message = str(UNIT_OWN_PARENT)
                add_error(plan, row.row, "Kode Unit Induk", message)
                continue
            if code in parents and parents[code][0] != parent:
                add_error(
                    plan,
                    row.row,
                    "Kode Unit Induk",
                    _(
                        "Unit %(code)s berinduk %(first)s di baris %(row)d; di sini "
                        "%(parent)s. Samakan induknya.",
                        code=code,
                        first=parents[code][0],
                        row=parents[code][1],
                        parent=parent,
                    ),
                )
            parents.setdefault(code, (parent, row.row))
    for parent, row in parents.values():
        if parent not in first_row and parent not in existing:
            add_error(
                plan,
                row,
                "Kode Unit Induk",
                _(
                    "Unit induk dengan kode %(code)s tidak ada di berkas maupun di instansi ini.",
                    code=parent,
                ),
            )
    for code, row in first_row.items():
        unit = existing.get(code)
        name = named.get(code, (None, row))[0]
        parent = parents.get(code, (None, row))[0]
        if unit is None and not name:
            message = _("Unit %(code)s belum ada; nama unitnya wajib diisi.", code=code)
            add_error(plan, row, "Nama Unit", message)
        unit_plan = UnitPlan(code, row, unit, name or (unit.name if unit else ""), parent)
        if unit is not None:
            old_parent = plan.unit_codes.get(unit.parent_id)
            if name and name != unit.name:
                unit_plan.changes["Nama Unit"] = [unit.name, name]
            if parent and parent != old_parent:
                unit_plan.changes["Kode Unit Induk"] = [old_parent, parent]
            else:
                unit_plan.parent_code = old_parent
        if unit is None or unit_plan.changes:
            plan.units.append(unit_plan)
    # The tree after the import: the file's parents over the database's.
    parent_of = {code: plan.unit_codes.get(unit.parent_id) for code, unit in existing.items()}
    parent_of.update({u.code: u.parent_code for u in plan.units})
    for cycle in find_cycles(parent_of):
        path = " → ".join([*cycle, cycle[0]])
        for code in cycle:
            if code in parents:
                add_error(
                    plan,
                    parents[code][1],
                    "Kode Unit Induk",
                    _(
                        "Susunan unit melingkar: %(path)s. Unit tidak boleh berada di bawah "
                        "unit turunannya.",
                        path=path,
                    ),
                )


def _plan_people(rows: list[EmployeePlan], plan: ImportPlan, elsewhere: set[str]) -> None:
    ours = plan.people_by_nip
    seen: dict[str, int] = {}
    in_file: set[str] = set()
    for row in rows:
        nip = row.data.nip
        if nip in seen:
            add_error(plan, row.row, "NIP", _("NIP ini sudah ada di baris %(row)d.", row=seen[nip]))
            continue
        seen[nip] = row.row
        if nip in elsewhere:
            add_error(
                plan,
                row.row,
                "NIP",
                _(
                    "NIP ini sudah terdaftar di instansi lain; pindah instansi tidak dapat "
                    "lewat impor."
                ),
            )
            continue
        in_file.add(nip)
        plan.employees.append(row)
    for row in plan.employees:
        row.employee = ours.get(row.data.nip)
        atasan = row.atasan_nip
        if atasan == row.data.nip:
            message = _("Pegawai tidak boleh menjadi atasan dirinya.")
            add_error(plan, row.row, "NIP Atasan", message)
        elif atasan and atasan not in in_file and atasan not in ours:
            message = (
                _(
                    "Atasan dengan NIP ini terdaftar di instansi lain; atasan harus dari "
                    "instansi yang sama."
                )
                if atasan in elsewhere
                else _("Atasan dengan NIP ini tidak ada di berkas maupun di instansi ini.")
            )
            add_error(plan, row.row, "NIP Atasan", message)
        if row.employee is not None:
            row.changes = _changes(row, plan)


def _changes(row: EmployeePlan, plan: ImportPlan) -> dict[str, list]:
    employee, data = row.employee, row.data
    changes = {}
    for name, column in COMPARED:
        old, new = getattr(employee, name), getattr(data, name)
        if old != new:
            changes[column] = [str(old.value if hasattr(old, "value") else old), new]
    old_unit = plan.unit_codes[employee.unit_id]
    if old_unit != row.unit_code:
        changes["Kode Unit"] = [old_unit, row.unit_code]
    old_atasan = plan.nips.get(employee.atasan_id)
    if old_atasan != row.atasan_nip:
        changes["NIP Atasan"] = [
            nip_module.format_nip(old_atasan) if old_atasan else "",
            nip_module.format_nip(row.atasan_nip) if row.atasan_nip else "",
        ]
    if employee.active != data.active:
        changes["Aktif"] = [columns.yes_no(employee.active), columns.yes_no(data.active)]
    return changes


def supervisor_map(plan: ImportPlan) -> dict[str, str | None]:
    """Everyone's supervisor (by NIP) after the import: the file's over the database's."""
    result = {nip: plan.nips.get(e.atasan_id) for nip, e in plan.people_by_nip.items()}
    result.update({row.data.nip: row.atasan_nip for row in plan.employees})
    return result


def _check_supervisor_cycles(plan: ImportPlan) -> None:
    rows = {row.data.nip: row.row for row in plan.employees}
    for cycle in find_cycles(supervisor_map(plan)):
        path = " → ".join(nip_module.format_nip(n) for n in [*cycle, cycle[0]])
        for nip in cycle:
            if nip in rows and len(cycle) > 1:
                add_error(
                    plan,
                    rows[nip],
                    "NIP Atasan",
                    _(
                        "Rantai atasan melingkar: %(path)s. Atasan tidak boleh berada di bawah "
                        "pegawai tersebut.",
                        path=path,
                    ),
                )


def _plan_leavers(plan: ImportPlan, actor: Employee | None) -> None:
    in_file = {row.data.nip for row in plan.employees}
    for row in plan.employees:
        if row.action == "deactivate":
            plan.deactivated.append(Leaver(row.employee, row.row))
            if actor is not None and row.employee.id == actor.id:
                message = str(CANNOT_DEACTIVATE_SELF)
                add_error(plan, row.row, "Aktif", message)
    if plan.full_import:
        plan.leavers = [
            Leaver(e, None)
            for nip, e in sorted(plan.people_by_nip.items(), key=lambda item: item[1].name)
            if e.active and nip not in in_file
        ]
        if actor is not None and any(p.employee.id == actor.id for p in plan.leavers):
            add_error(
                plan,
                None,
                "NIP",
                _(
                    "NIP Anda sendiri tidak ada di berkas, sehingga impor penuh akan "
                    "menonaktifkan akun Anda. Tambahkan baris Anda ke berkas."
                ),
            )
    leaving = [*plan.deactivated, *plan.leavers]
    if leaving:
        _count_pending_work(plan, leaving)


def _count_pending_work(plan: ImportPlan, leaving: list[Leaver]) -> None:
    ids = [p.employee.id for p in leaving]
    targets: dict[int, int] = {}
    entries: dict[int, int] = {}
    for part in chunks(ids):
        targets.update(
            db.session.execute(
                select(Target.evaluator_id, func.count())
                .where(Target.evaluator_id.in_(part), Target.state.in_(PENDING_STATES))
                .group_by(Target.evaluator_id)
            ).all()
        )
        entries.update(
            db.session.execute(
                select(Target.evaluator_id, func.count(WorkEntry.id))
                .join(Target, Target.id == WorkEntry.target_id)
                .where(Target.evaluator_id.in_(part), WorkEntry.is_pending())
                .group_by(Target.evaluator_id)
            ).all()
        )
    leaving_nips = {p.employee.nip for p in leaving}
    staying_active = {nip for nip, e in plan.people_by_nip.items() if e.active}
    staying_active |= {row.data.nip for row in plan.employees if row.data.active}
    staying_active -= leaving_nips
    subordinates: dict[str, int] = defaultdict(int)
    for nip, atasan in supervisor_map(plan).items():
        if atasan in leaving_nips and nip in staying_active:
            subordinates[atasan] += 1
    for leaver in leaving:
        leaver.targets = targets.get(leaver.employee.id, 0)
        leaver.entries = entries.get(leaver.employee.id, 0)
        leaver.subordinates = subordinates[leaver.employee.nip]
