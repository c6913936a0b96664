"""Who may do what to which object: the one place that decides.

Routes call :func:`authorize`; templates call :func:`can`. Nothing else checks roles.
Objects outside the user's instansi answer 404 (their existence must not leak);
inside it but not permitted, 403.

Relations of a user to an employee, from closest to widest:
``self``; ``subordinate`` (direct); ``subtree`` (anyone below, read only);
``admin`` (admin of the employee's instansi); ``superadmin``.
"""

from __future__ import annotations

from enum import StrEnum

from flask import g, has_request_context
from sqlalchemy import literal, select
from sqlalchemy.orm import aliased

from portal.errors import NotFound, PermissionDenied
from portal.extensions import db
from portal.models import Employee, Instansi, Period, Unit


class Action(StrEnum):
    VIEW_PROFILE = "view_profile"
    EDIT_OWN_SETTINGS = "edit_own_settings"
    MANAGE_EMPLOYEE = "manage_employee"  # create, edit, deactivate, set supervisor
    VIEW_INSTANSI = "view_instansi"
    MANAGE_INSTANSI = "manage_instansi"  # units, periods, people of the instansi
    VIEW_PERIOD = "view_period"


def supervisor_chain_ids(employee_id: int, max_depth: int = 64) -> list[int]:
    """Ids of the employee's supervisors, nearest first, in one recursive query."""
    emp = aliased(Employee)
    chain = (
        select(Employee.atasan_id.label("id"), literal(1).label("depth"))
        .where(Employee.id == employee_id, Employee.atasan_id.is_not(None))
        .cte("chain", recursive=True)
    )
    chain = chain.union_all(
        select(emp.atasan_id, chain.c.depth + 1)
        .join(chain, emp.id == chain.c.id)
        .where(emp.atasan_id.is_not(None), chain.c.depth < max_depth)
    )
    rows = db.session.execute(select(chain.c.id).order_by(chain.c.depth)).scalars()
    return list(rows)


def _chain(employee_id: int) -> list[int]:
    """The supervisor chain, cached for the request (policy is asked many times per page)."""
    if not has_request_context():
        return supervisor_chain_ids(employee_id)
    cache = g.setdefault("policy_cache", {})
    key = ("chain", employee_id)
    if key not in cache:
        cache[key] = supervisor_chain_ids(employee_id)
    return cache[key]


def _instansi_of(obj) -> int | None:
    if isinstance(obj, Instansi):
        return obj.id
    return getattr(obj, "instansi_id", None)


def relation(user: Employee, employee: Employee) -> str | None:
    """How ``user`` stands to ``employee``; None when unrelated."""
    if user.id == employee.id:
        return "self"
    if employee.atasan_id == user.id:
        return "subordinate"
    if user.is_superadmin:
        return "superadmin"
    if user.is_admin and user.instansi_id == employee.instansi_id:
        return "admin"
    if user.instansi_id == employee.instansi_id and user.id in _chain(employee.id):
        return "subtree"
    return None


def _is_instansi_admin(user: Employee, instansi_id: int | None) -> bool:
    return user.is_superadmin or (user.is_admin and user.instansi_id == instansi_id)


def can(user: Employee, action: Action | str, obj=None) -> bool:
    """May ``user`` do ``action`` to ``obj``? Pure answer, no exception."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.active:
        return False
    action = Action(action)
    if action is Action.VIEW_PROFILE:
        return isinstance(obj, Employee) and relation(user, obj) is not None
    if action is Action.EDIT_OWN_SETTINGS:
        return isinstance(obj, Employee) and obj.id == user.id
    if action is Action.MANAGE_EMPLOYEE:
        return isinstance(obj, Employee | Unit | Instansi) and _is_instansi_admin(
            user, _instansi_of(obj)
        )
    if action in (Action.VIEW_INSTANSI, Action.VIEW_PERIOD):
        return user.is_superadmin or user.instansi_id == _instansi_of(obj)
    if action is Action.MANAGE_INSTANSI:
        return isinstance(obj, Instansi | Unit | Period) and _is_instansi_admin(
            user, _instansi_of(obj)
        )
    return False


def visible(user: Employee, obj) -> bool:
    """Whether ``obj`` may be known to exist by ``user``: same instansi, or superadmin."""
    return user.is_superadmin or _instansi_of(obj) == user.instansi_id


def authorize(user: Employee, action: Action | str, obj=None) -> None:
    """Raise :class:`NotFound` outside the user's instansi, :class:`PermissionDenied` inside."""
    if obj is not None and not visible(user, obj):
        raise NotFound("Data yang Anda cari tidak ditemukan.")
    if not can(user, action, obj):
        raise PermissionDenied("Anda tidak berwenang melakukan tindakan ini.")
