"""What an import file would do to the instansi: the preview, computed in bulk.

Rows match people by NIP and units by code. Every row is checked with the same rules as
the admin's form (:func:`portal.people.services.check_fields`); what only the file as a
whole can tell — duplicate NIPs, supervisors and parent units that exist nowhere,
cycles through file and database, leavers — is checked here, against the database as
it is now. The database is read with a handful of set-based queries whatever the size.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property

from sqlalchemy import func, select

from portal import nip as nip_module
from portal.extensions import db
from portal.imports import columns
from portal.imports.columns import FIELD_COLUMN
from portal.imports.reader import Issue, Sheet, SheetRow
from portal.models import Employee, Instansi, Target, Unit, WorkEntry
from portal.people.services import EmployeeData, check_fields
from workflows.targets import STATES

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
    ("golongan", "Golongan"),
    ("email", "Email"),
)


@dataclass
class UnitPlan:
    code: str
    row: int  # the first row naming it
    unit: Unit | None  # None: to be created
    name: str
    parent_code: str | None
    changes: dict[str, list] = field(default_factory=dict)

    @property
    def action(self) -> str:
        return "create" if self.unit is None else "update"


@dataclass
class EmployeePlan:
    row: int
    data: EmployeeData
    unit_code: str
    unit_name: str
    parent_code: str
    atasan_nip: str | None
    employee: Employee | None = None  # None: to be created
    changes: dict[str, list] = field(default_factory=dict)

    @property
    def action(self) -> str:
        if self.employee is None:
            return "create"
        if not self.changes:
            return "unchanged"
        if "Aktif" in self.changes and not self.data.active:
            return "deactivate"
        return "update"

    @property
    def nip_display(self) -> str:
        return nip_module.format_nip(self.data.nip)

    @property
    def display_name(self) -> str:
        name = f"{self.data.gelar_depan} {self.data.name}".strip()
        return f"{name}, {self.data.gelar_belakang}" if self.data.gelar_belakang else name


@dataclass
class Leaver:
    """Someone of the instansi missing from a full import, or set inactive by a row."""

    employee: Employee
    row: int | None  # None: missing from the file
    targets: int = 0  # targets waiting on them as evaluator
    entries: int = 0  # daily entries waiting for their verification
    subordinates: int = 0  # active people whose supervisor they still are

    @property
    def has_pending_work(self) -> bool:
        return bool(self.targets or self.entries or self.subordinates)


@dataclass
class ImportPlan:
    row_count: int
    full_import: bool
    file_format: str = "csv"
    units: list[UnitPlan] = field(default_factory=list)
    employees: list[EmployeePlan] = field(default_factory=list)
    leavers: list[Leaver] = field(default_factory=list)  # missing from a full import
    deactivated: list[Leaver] = field(default_factory=list)  # rows with Aktif = Tidak
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    units_by_code: dict[str, Unit] = field(default_factory=dict)  # the instansi's, now
    people_by_nip: dict[str, Employee] = field(default_factory=dict)  # the instansi's, now

    @cached_property
    def unit_codes(self) -> dict[int, str]:
        return {unit.id: code for code, unit in self.units_by_code.items()}

    @cached_property
    def nips(self) -> dict[int, str]:
        return {employee.id: nip for nip, employee in self.people_by_nip.items()}

    def of(self, action: str) -> list[EmployeePlan]:
        return [e for e in self.employees if e.action == action]

    @property
    def counts(self) -> dict[str, int]:
        actions = defaultdict(int)
        for plan in self.employees:
            actions[plan.action] += 1
        return {
            "rows": self.row_count,
            "created": actions["create"],
            "updated": actions["update"],
            "deactivated": actions["deactivate"] + len(self.leavers),
            "unchanged": actions["unchanged"],
            "units_created": sum(1 for u in self.units if u.action == "create"),
            "units_updated": sum(1 for u in self.units if u.action == "update"),
            "errors": len(self.errors),
        }

    def errors_by_row(self) -> list[tuple[int | None, list[Issue]]]:
        grouped: dict[int | None, list[Issue]] = defaultdict(list)
        for issue in self.errors:
            grouped[issue.row].append(issue)
        return sorted(grouped.items(), key=lambda item: -1 if item[0] is None else item[0])

    @property
    def pending_leavers(self) -> list[Leaver]:
        return [p for p in (*self.deactivated, *self.leavers) if p.has_pending_work]


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


def build_plan(sheet: Sheet, instansi: Instansi, actor: Employee | None, full_import: bool):
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
    rows = [_parse_row(row, plan) for row in sheet.rows]
    rows = [r for r in rows if r is not None]
    elsewhere = _nips_elsewhere(
        {r.data.nip for r in rows} | {r.atasan_nip for r in rows if r.atasan_nip},
        plan.people_by_nip,
    )
    _plan_units(rows, plan)
    _plan_people(rows, plan, elsewhere)
    _check_supervisor_cycles(plan)
    _plan_leavers(plan, actor)
    plan.errors.sort(key=lambda i: (i.row or 0,))
    return plan


def _issue(plan: ImportPlan, row: SheetRow | int | None, column: str, message: str) -> None:
    """An error at a row (a number, or None for the file as a whole) and column."""
    number = row.number if isinstance(row, SheetRow) else row
    plan.errors.append(Issue(number, column, message))


def _parse_row(row: SheetRow, plan: ImportPlan) -> EmployeePlan | None:
    """Check one row on its own; None when its NIP is unusable (nothing can refer to it)."""
    plan.errors.extend(row.issues)
    flagged = {issue.column for issue in row.issues}
    cells = row.cells
    active = columns.active(cells["active"])
    if active is None:
        _issue(plan, row, "Aktif", f"Isi “Ya” atau “Tidak” (tertulis “{cells['active']}”).")
    data = EmployeeData(
        nip=cells["nip"],
        name=cells["name"],
        gelar_depan=cells["gelar_depan"],
        gelar_belakang=cells["gelar_belakang"],
        jabatan=cells["jabatan"],
        jenis_jabatan=columns.jenis_jabatan(cells["jenis_jabatan"]),
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
        if name == "golongan" and cells["golongan"]:
            message = f"Pangkat/golongan “{cells['golongan']}” tidak dikenal; tulis mis. III/a."
        if name == "jenis_jabatan":
            message = (
                f"Jenis jabatan “{cells['jenis_jabatan']}” tidak dikenal; "
                "isi jpt, administrasi atau fungsional."
            )
        _issue(plan, row, column, message)
    unit_code = " ".join(cells["unit_code"].split())
    if not unit_code:
        _issue(plan, row, "Kode Unit", "Kode unit wajib diisi.")
    elif len(unit_code) > columns.UNIT_CODE_MAX:
        _issue(plan, row, "Kode Unit", f"Paling banyak {columns.UNIT_CODE_MAX} karakter.")
    atasan_nip = None
    if cells["atasan_nip"]:
        try:
            atasan_nip = nip_module.parse(cells["atasan_nip"]).digits
        except nip_module.InvalidNIP as exc:
            _issue(plan, row, "NIP Atasan", str(exc))
    if "nip" in field_errors or "NIP" in flagged:
        return None
    return EmployeePlan(
        row=row.number,
        data=data,
        unit_code=unit_code,
        unit_name=" ".join(cells["unit_name"].split()),
        parent_code=" ".join(cells["parent_code"].split()),
        atasan_nip=atasan_nip,
    )


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
            _issue(plan, row.row, "Nama Unit", f"Paling banyak {columns.UNIT_NAME_MAX} karakter.")
        elif name:
            if code in named and named[code][0] != name:
                _issue(
                    plan,
                    row.row,
                    "Nama Unit",
                    f"Unit {code} bernama “{named[code][0]}” di baris {named[code][1]}; "
                    f"di sini “{name}”. Samakan namanya.",
                )
            named.setdefault(code, (name, row.row))
        if parent:
            if parent == code:
                _issue(plan, row.row, "Kode Unit Induk", "Unit tidak boleh menjadi induk dirinya.")
                continue
            if code in parents and parents[code][0] != parent:
                _issue(
                    plan,
                    row.row,
                    "Kode Unit Induk",
                    f"Unit {code} berinduk {parents[code][0]} di baris {parents[code][1]}; di sini "
                    f"{parent}. Samakan induknya.",
                )
            parents.setdefault(code, (parent, row.row))
    for parent, row in parents.values():
        if parent not in first_row and parent not in existing:
            _issue(
                plan,
                row,
                "Kode Unit Induk",
                f"Unit induk dengan kode {parent} tidak ada di berkas maupun di instansi ini.",
            )
    for code, row in first_row.items():
        unit = existing.get(code)
        name = named.get(code, (None, row))[0]
        parent = parents.get(code, (None, row))[0]
        if unit is None and not name:
            _issue(plan, row, "Nama Unit", f"Unit {code} belum ada; nama unitnya wajib diisi.")
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
                _issue(
                    plan,
                    parents[code][1],
                    "Kode Unit Induk",
                    f"Susunan unit melingkar: {path}. Unit tidak boleh berada di bawah "
                    "unit turunannya.",
                )


def _plan_people(rows: list[EmployeePlan], plan: ImportPlan, elsewhere: set[str]) -> None:
    ours = plan.people_by_nip
    seen: dict[str, int] = {}
    in_file: set[str] = set()
    for row in rows:
        nip = row.data.nip
        if nip in seen:
            _issue(plan, row.row, "NIP", f"NIP ini sudah ada di baris {seen[nip]}.")
            continue
        seen[nip] = row.row
        if nip in elsewhere:
            _issue(
                plan,
                row.row,
                "NIP",
                "NIP ini sudah terdaftar di instansi lain; pindah instansi tidak dapat "
                "lewat impor.",
            )
            continue
        in_file.add(nip)
        plan.employees.append(row)
    for row in plan.employees:
        row.employee = ours.get(row.data.nip)
        atasan = row.atasan_nip
        if atasan == row.data.nip:
            _issue(plan, row.row, "NIP Atasan", "Pegawai tidak boleh menjadi atasan dirinya.")
        elif atasan and atasan not in in_file and atasan not in ours:
            message = (
                "Atasan dengan NIP ini terdaftar di instansi lain; atasan harus dari instansi "
                "yang sama."
                if atasan in elsewhere
                else "Atasan dengan NIP ini tidak ada di berkas maupun di instansi ini."
            )
            _issue(plan, row.row, "NIP Atasan", message)
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
                _issue(
                    plan,
                    rows[nip],
                    "NIP Atasan",
                    f"Rantai atasan melingkar: {path}. Atasan tidak boleh berada di bawah "
                    "pegawai tersebut.",
                )


def _plan_leavers(plan: ImportPlan, actor: Employee | None) -> None:
    in_file = {row.data.nip for row in plan.employees}
    for row in plan.employees:
        if row.action == "deactivate":
            plan.deactivated.append(Leaver(row.employee, row.row))
            if actor is not None and row.employee.id == actor.id:
                _issue(plan, row.row, "Aktif", "Anda tidak dapat menonaktifkan akun Anda sendiri.")
    if plan.full_import:
        plan.leavers = [
            Leaver(e, None)
            for nip, e in sorted(plan.people_by_nip.items(), key=lambda item: item[1].name)
            if e.active and nip not in in_file
        ]
        if actor is not None and any(p.employee.id == actor.id for p in plan.leavers):
            _issue(
                plan,
                None,
                "NIP",
                "NIP Anda sendiri tidak ada di berkas, sehingga impor penuh akan menonaktifkan "
                "akun Anda. Tambahkan baris Anda ke berkas.",
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
