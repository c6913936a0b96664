"""The matriks peran–hasil (PermenPANRB 6/2022): how a supervisor's RHK are shared among
their team, the cascade laid out as the regulation's matrix.

Rows are the supervisor's RHK, columns the members of the team — the subordinates, and
the tim kerja members whose RHK the supervisor assigned as ketua tim (*penugasan dari*)
— and each cell holds the member's RHK that intervene in that row's RHK (an assigned
RHK may name the ketua tim's RHK it supports). Two further rows: the RHK the supervisor
assigned without naming one of their RHK, and the subordinates' RHK that support nothing
(*belum selaras*).
Four statements, however large the team.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from portal.extensions import db
from portal.models import Employee, Period, Target
from portal.models.plans import KindGroup, group_by_kind
from portal.plans.analysis import team_targets


@dataclass(frozen=True)
class Member:
    """A column of the matrix: a subordinate, or a member of the supervisor's tim kerja."""

    employee: Employee
    subordinate: bool


@dataclass
class MatrixRow:
    """One row: the supervisor's RHK (None for the two further rows), and per member's
    id the member's RHK in it."""

    target: Target | None
    cells: dict[int, list[Target]] = field(default_factory=dict)

    def cell(self, member: Member) -> list[Target]:
        return self.cells.get(member.employee.id, [])

    @property
    def count(self) -> int:
        return sum(len(targets) for targets in self.cells.values())


@dataclass
class RoleMatrix:
    supervisor: Employee
    period: Period
    members: list[Member]
    rows: list[MatrixRow]  # one per RHK of the supervisor, in the plan's order
    assigned: MatrixRow  # penugasan dari the supervisor as ketua tim
    unaligned: MatrixRow  # the subordinates' RHK that support nothing

    @property
    def groups(self) -> list[KindGroup]:
        """The supervisor's rows under A. Utama and B. Tambahan."""
        return group_by_kind(self.rows, lambda row: row.target)


def role_matrix(supervisor: Employee, period: Period) -> RoleMatrix:
    own, subordinates, theirs = team_targets(supervisor, period)
    # The tim kerja: whoever holds an RHK the supervisor assigned, subordinates or not.
    assigned_targets = db.session.scalars(
        select(Target)
        .join(Employee, Employee.id == Target.owner_id)
        .where(Target.assigned_by_id == supervisor.id, Target.period_id == period.id)
        .order_by(Employee.name, Target.position, Target.id)
        .options(contains_eager(Target.owner))
    ).all()

    members = [Member(e, subordinate=True) for e in subordinates]
    known = {e.id for e in subordinates}
    for target in assigned_targets:
        if target.owner_id not in known:
            known.add(target.owner_id)
            members.append(Member(target.owner, subordinate=False))

    rows = {t.id: MatrixRow(t) for t in own}
    assigned = MatrixRow(None)
    unaligned = MatrixRow(None)
    for target in assigned_targets:
        # In the row of the supervisor's RHK it supports, when the member chose one.
        row = rows.get(target.parent_id, assigned)
        row.cells.setdefault(target.owner_id, []).append(target)
    for target in theirs:
        if target.assigned_by_id is not None:
            continue  # assigned by another ketua tim: aligned in that tim kerja
        # A parent outside this plan (an earlier atasan's) counts as none, as the
        # cascade counts it.
        row = rows.get(target.parent_id, unaligned)
        row.cells.setdefault(target.owner_id, []).append(target)
    return RoleMatrix(supervisor, period, members, list(rows.values()), assigned, unaligned)
