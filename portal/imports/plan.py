"""What an import file would do to the instansi: the plan the preview shows and the
commit carries out, made by :func:`portal.imports.planner.build_plan`."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property

from portal import nip as nip_module
from portal.imports.reader import Issue
from portal.models import Employee, Unit
from portal.people.services import EmployeeData


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
    # False when the row's NIP is unusable: no person is planned from it, but its unit
    # columns are still checked (their errors are reported with the row's others).
    identified: bool = True
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

    @property
    def pending_leavers(self) -> list[Leaver]:
        return [p for p in (*self.deactivated, *self.leavers) if p.has_pending_work]
