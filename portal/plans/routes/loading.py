"""What the planning routes load before their work: a plan by its URL, a target."""

from __future__ import annotations

from sqlalchemy import and_, select
from sqlalchemy.orm import joinedload

from portal import policy
from portal.errors import NotFound
from portal.extensions import db
from portal.models import Employee, Period, Plan, Target
from portal.models.plans import load_target
from portal.policy import Action, PlanRef
from portal.routing import load_or_404
from portal.web import current_employee


def plan_ref(period_id: int, employee_id: int, action: Action = Action.VIEW_PLAN) -> PlanRef:
    """The plan of the employee in the period, authorised for ``action``: 404 for a
    period the user does not see or an employee of another instansi."""
    period = load_or_404(Period, period_id)
    # The employee, their plan of the period (if any) and the unit the plan's header
    # shows, in one statement.
    row = db.session.execute(
        select(Employee, Plan)
        .outerjoin(Plan, and_(Plan.employee_id == Employee.id, Plan.period_id == period.id))
        .where(Employee.id == employee_id)
        .options(joinedload(Employee.unit))
    ).first()
    if row is None or row[0].instansi_id != period.instansi_id:
        raise NotFound(policy.NOT_FOUND)
    employee, plan = row
    ref = PlanRef(employee, period, plan)
    policy.authorize(current_employee(), action, ref)
    return ref


def target(target_id: int, action: Action = Action.VIEW_TARGET) -> Target:
    """The target with what its card and page show, authorised for ``action``."""
    return load_or_404(load_target, target_id, action)
