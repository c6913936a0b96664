"""Read models of the people screens: the admin's employee list and a profile's chain."""

from __future__ import annotations

from dataclasses import dataclass

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from portal import policy
from portal.extensions import db
from portal.models import Employee, Unit
from portal.nip import normalise
from portal.pagination import paginate

PAGE_SIZE = 25
SEARCH_MAX = 100


def employee_page(instansi_id: int, query: str, page: int | None) -> Pagination:
    """One page of the instansi's employees matching ``query`` (a name, a jabatan or the
    start of a NIP; what was typed is matched as typed, ``%`` and ``_`` included)."""
    stmt = select(Employee).where(Employee.instansi_id == instansi_id)
    if query:
        conditions = [
            Employee.name.icontains(query, autoescape=True),
            Employee.jabatan.icontains(query, autoescape=True),
        ]
        digits = normalise(query)
        if digits.isdigit():
            conditions.append(Employee.nip.startswith(digits, autoescape=True))
        stmt = stmt.where(or_(*conditions))
    stmt = stmt.options(selectinload(Employee.unit), selectinload(Employee.atasan)).order_by(
        Employee.name, Employee.id
    )
    return paginate(stmt, page, PAGE_SIZE)


@dataclass(frozen=True)
class Profile:
    """An employee with their supervisor chain (nearest first) and direct staff."""

    employee: Employee
    chain: list[Employee]
    subordinates: list[Employee]


def profile(employee: Employee) -> Profile:
    chain_ids = policy.supervisor_chain(employee.id)
    by_id = {
        e.id: e
        for e in db.session.scalars(
            select(Employee).where(Employee.id.in_(chain_ids)).options(selectinload(Employee.unit))
        )
    }
    subordinates = db.session.scalars(
        select(Employee)
        .where(Employee.atasan_id == employee.id)
        .options(selectinload(Employee.unit))
        .order_by(Employee.name)
    ).all()
    return Profile(employee, [by_id[i] for i in chain_ids if i in by_id], list(subordinates))


def unit_choices(instansi_id: int) -> list[tuple[str, str]]:
    """The instansi's units as ``(id, "code · name")``, by code."""
    units = db.session.scalars(
        select(Unit).where(Unit.instansi_id == instansi_id).order_by(Unit.code)
    )
    return [(str(u.id), f"{u.code} · {u.name}") for u in units]


def atasan_id_by_nip(nip: str, instansi_id: int) -> int | None:
    return db.session.scalar(
        select(Employee.id).where(
            Employee.nip == normalise(nip), Employee.instansi_id == instansi_id
        )
    )
