"""Who may do what to which object: the one place that decides.

Routes call :func:`authorize`; templates call :func:`can`. Nothing else checks roles.
Objects outside the user's instansi answer 404 (their existence must not leak);
inside it but not permitted, 403. What the refusals say is in
:mod:`portal.policy_messages`; this module decides which one applies.

Relations of a user to an employee, from closest to widest:
``self``; ``subordinate`` (direct); ``subtree`` (anyone below, read only);
``admin`` (admin of the employee's instansi); ``superadmin``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from flask import g, has_request_context
from sqlalchemy import literal, select
from sqlalchemy.orm import aliased

from portal import policy_messages as messages
from portal.errors import NotFound, PermissionDenied
from portal.extensions import db
from portal.models import (
    Employee,
    EntryStatus,
    Evaluation,
    FollowUpItem,
    Instansi,
    MailMessage,
    MonthlyReport,
    Notification,
    Period,
    PeriodicEvaluation,
    Plan,
    Target,
    Unit,
    WorkEntry,
)
from portal.models.periods import PeriodStatus, Scheme
from portal.policy_messages import NOT_FOUND  # also read as ``policy.NOT_FOUND``
from workflows.states import ADMIN, DISCUSSED, DRAFTED, EVALUATOR, OWNER
from workflows.targets import STATE_LABELS


class Action(StrEnum):
    VIEW_PROFILE = "view_profile"
    EDIT_OWN_SETTINGS = "edit_own_settings"
    MANAGE_EMPLOYEE = "manage_employee"  # create, edit, deactivate, set supervisor
    VIEW_INSTANSI = "view_instansi"
    MANAGE_INSTANSI = "manage_instansi"  # units, periods, people of the instansi
    VIEW_PERIOD = "view_period"
    VIEW_PLAN = "view_plan"  # obj: PlanRef
    EDIT_PLAN = "edit_plan"  # add or copy targets; obj: PlanRef
    VIEW_TARGET = "view_target"
    EDIT_TARGET = "edit_target"  # content, only while drafted
    COMMENT_TARGET = "comment_target"
    ANALYSE_PLAN = "analyse_plan"  # the supervisor's analysis; obj: PlanRef
    # The matriks peran–hasil of a supervisor's RHK; obj: the supervisor's PlanRef.
    VIEW_ROLE_MATRIX = "view_role_matrix"
    RATE_TARGET = "rate_target"  # monthly quality rating by the evaluator
    VIEW_ENTRY = "view_entry"  # a work entry and its evidence files
    EDIT_ENTRY = "edit_entry"  # the owner, until it is verified
    VERIFY_ENTRY = "verify_entry"  # accept or reject, as the target's evaluator
    VIEW_EVALUATION = "view_evaluation"  # the owner only once it is final
    RESPOND_EVALUATION = "respond_evaluation"  # the owner agrees or objects
    DECIDE_OBJECTION = "decide_objection"  # the evaluator's own supervisor
    PLAN_FOLLOW_UP = "plan_follow_up"  # the evaluator, once the evaluation is final
    CLOSE_FOLLOW_UP = "close_follow_up"  # the person responsible, or the evaluator
    # Periodic evaluations (evaluasi kinerja periodik): the evaluator of the employee's
    # targets evaluates (obj: PlanRef); the employee sees a finished one and acknowledges it.
    EVALUATE_PERIODIC = "evaluate_periodic"
    VIEW_PERIODIC = "view_periodic"
    ACKNOWLEDGE_PERIODIC = "acknowledge_periodic"
    REASSIGN_TARGET = "reassign_target"  # admin: another evaluator (never on own targets)
    WRITE_INTERIM_NOTE = "write_interim_note"  # the evaluator or an admin, for the next one
    # The audit trail of one's own data (the data subject's right of access); admins
    # read everyone's through the audit log viewer (MANAGE_INSTANSI).
    VIEW_AUDIT_TRAIL = "view_audit_trail"
    # The monthly report (laporan bulanan) of an employee and month; obj: MonthRef.
    VIEW_MONTHLY_REPORT = "view_monthly_report"
    WRITE_MONTHLY_REPORT = "write_monthly_report"  # the employee: fill in and submit
    REVIEW_MONTHLY_REPORT = "review_monthly_report"  # the evaluator of their targets
    # A notification: read, open and mark it read, by its recipient only (anyone else,
    # admins included, is told it does not exist).
    READ_NOTIFICATION = "read_notification"
    # "My pejabat penilai is wrong": an active employee about themself (obj: Employee).
    REPORT_WRONG_EVALUATOR = "report_wrong_evaluator"
    # The instansi's reminder thresholds (obj: Instansi): its admins.
    MANAGE_REMINDERS = "manage_reminders"
    # The SKP's perilaku kerja expectations (ekspektasi khusus pimpinan) and its lampiran
    # (obj: PlanRef): the evaluator of the plan's targets, while the plan is discussed.
    SET_EXPECTATIONS = "set_expectations"


@dataclass(frozen=True)
class PlanRef:
    """An employee's plan in a period, whether or not its row exists yet."""

    employee: Employee
    period: Period
    plan: Plan | None = None

    @property
    def instansi_id(self) -> int:
        return self.employee.instansi_id


@dataclass(frozen=True)
class MonthRef:
    """An employee's month of a period, with its monthly report once the row exists."""

    employee: Employee
    period: Period
    month: int
    report: MonthlyReport | None = None

    @property
    def instansi_id(self) -> int:
        return self.employee.instansi_id


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


def supervisor_chain(employee_id: int) -> list[int]:
    """The supervisor chain, cached for the request (policy is asked many times per page)."""
    if not has_request_context():
        return supervisor_chain_ids(employee_id)
    cache = g.setdefault("policy_cache", {})
    key = ("chain", employee_id)
    if key not in cache:
        chain = supervisor_chain_ids(employee_id)
        # Each supervisor's own chain is the rest of this one: a profile page asks about
        # every supervisor in it, and need not query again for any of them.
        for position, member in enumerate([employee_id, *chain]):
            cache.setdefault(("chain", member), chain[position:])
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
    if user.instansi_id == employee.instansi_id and user.id in supervisor_chain(employee.id):
        return "subtree"
    return None


def _is_instansi_admin(user: Employee, instansi_id: int | None) -> bool:
    return user.is_superadmin or (user.is_admin and user.instansi_id == instansi_id)


# What changes the work of a period: refused unless the period is open, whoever asks —
# before the admin opens it and after it is closed. CLOSE_FOLLOW_UP is not here on
# purpose: open follow-up items carry into the next period until someone closes them.
PERIOD_BOUND = frozenset(
    {
        Action.EDIT_PLAN,
        Action.EDIT_TARGET,
        Action.COMMENT_TARGET,
        Action.RATE_TARGET,
        Action.EDIT_ENTRY,
        Action.VERIFY_ENTRY,
        Action.RESPOND_EVALUATION,
        Action.DECIDE_OBJECTION,
        Action.PLAN_FOLLOW_UP,
        Action.WRITE_MONTHLY_REPORT,
        Action.REVIEW_MONTHLY_REPORT,
        Action.EVALUATE_PERIODIC,
        Action.ACKNOWLEDGE_PERIODIC,
        Action.SET_EXPECTATIONS,
    }
)


def period_of(obj) -> Period | None:
    """The period whose work ``obj`` is, for the period-bound actions."""
    if isinstance(obj, PlanRef | Target | Evaluation | MonthRef | PeriodicEvaluation):
        return obj.period
    if isinstance(obj, WorkEntry):
        return obj.target.period
    return None


def _period_allows(action: Action, obj) -> bool:
    if action not in PERIOD_BOUND:
        return True
    period = period_of(obj)
    return period is None or period.is_open


def can(user: Employee, action: Action | str, obj=None) -> bool:
    """May ``user`` do ``action`` to ``obj``? Pure answer, no exception."""
    return _permitted(user, action, obj) and _period_allows(Action(action), obj)


def _permitted(user: Employee, action: Action | str, obj=None) -> bool:
    """``can``, leaving aside whether the object's period is open."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.active:
        return False
    action = Action(action)
    if action is Action.VIEW_PROFILE:
        return isinstance(obj, Employee) and relation(user, obj) is not None
    if action is Action.REPORT_WRONG_EVALUATOR:
        return isinstance(obj, Employee) and obj.id == user.id
    if action in (Action.EDIT_OWN_SETTINGS, Action.VIEW_AUDIT_TRAIL):
        return isinstance(obj, Employee) and obj.id == user.id
    if action is Action.MANAGE_EMPLOYEE:
        return isinstance(obj, Employee | Unit | Instansi) and _is_instansi_admin(
            user, _instansi_of(obj)
        )
    if action is Action.MANAGE_REMINDERS:
        return isinstance(obj, Instansi) and _is_instansi_admin(user, obj.id)
    if action in (Action.VIEW_INSTANSI, Action.VIEW_PERIOD):
        return user.is_superadmin or user.instansi_id == _instansi_of(obj)
    if action is Action.MANAGE_INSTANSI:
        return isinstance(obj, Instansi | Unit | Period | MailMessage) and _is_instansi_admin(
            user, _instansi_of(obj)
        )
    if isinstance(obj, PlanRef):
        return _can_plan(user, action, obj)
    if isinstance(obj, MonthRef):
        return _can_month(user, action, obj)
    if isinstance(obj, Target):
        return _can_target(user, action, obj)
    if isinstance(obj, WorkEntry):
        return _can_entry(user, action, obj)
    if isinstance(obj, Evaluation):
        return _can_evaluation(user, action, obj)
    if isinstance(obj, PeriodicEvaluation):
        return _can_periodic(user, action, obj)
    if isinstance(obj, Notification):
        return action is Action.READ_NOTIFICATION and obj.recipient_id == user.id
    if isinstance(obj, FollowUpItem):
        # Whether the item is still open is the service's question (a second close is a
        # conflict, not a refusal).
        return action is Action.CLOSE_FOLLOW_UP and (
            user.id in (obj.responsible_id, obj.evaluation.evaluator_id)
        )
    return False


def _can_evaluation(user: Employee, action: Action, evaluation: Evaluation) -> bool:
    final = evaluation.status == "final"
    owner = evaluation.employee_id == user.id
    evaluator = evaluation.evaluator_id == user.id
    decider = evaluation.evaluator.atasan_id == user.id
    if action is Action.VIEW_EVALUATION:
        if owner:
            return final
        return evaluator or decider or relation(user, evaluation.employee) is not None
    if action is Action.RESPOND_EVALUATION:
        return owner and final
    if action is Action.DECIDE_OBJECTION:
        # Once an objection was made; deciding it twice is the service's conflict.
        return decider and evaluation.objection_status is not None
    if action is Action.PLAN_FOLLOW_UP:
        return evaluator and final
    return False


def _can_periodic(user: Employee, action: Action, evaluation: PeriodicEvaluation) -> bool:
    finished = evaluation.is_finished
    if action is Action.VIEW_PERIODIC:
        if evaluation.evaluator_id == user.id:
            return True
        if evaluation.employee_id == user.id:
            return finished
        return finished and relation(user, evaluation.employee) is not None
    if action is Action.ACKNOWLEDGE_PERIODIC:
        # Acknowledging twice is the service's conflict, not a refusal.
        return evaluation.employee_id == user.id and finished
    return False


def target_roles(user: Employee, target: Target) -> frozenset[str]:
    """The workflow roles ``user`` holds on ``target``: owner, evaluator, admin.

    An admin is also a PNS with a plan: on their own targets they are the owner only,
    so that the admin's override (reopen, revert) is never used on one's own work.
    Remembered for the request: a plan page asks it of every card, and the engine of
    the target it fires on.
    """
    key = ("roles", user.id, target.id, target.owner_id, target.evaluator_id)
    cache = g.setdefault("policy_cache", {}) if has_request_context() else {}
    if key not in cache:
        roles = set()
        if target.owner_id == user.id:
            roles.add(OWNER)
        if target.evaluator_id == user.id:
            roles.add(EVALUATOR)
        if target.owner_id != user.id and _is_instansi_admin(user, target.instansi_id):
            roles.add(ADMIN)
        cache[key] = frozenset(roles)
    return cache[key]


def _evaluates_in_plan(user: Employee, plan: Plan | None) -> bool:
    if plan is None:
        return False
    cache = g.setdefault("policy_cache", {}) if has_request_context() else {}
    key = ("evaluates", user.id, plan.id)
    if key not in cache:
        cache[key] = (
            db.session.scalar(
                select(Target.id)
                .where(Target.plan_id == plan.id, Target.evaluator_id == user.id)
                .limit(1)
            )
            is not None
        )
    return cache[key]


def plan_in_discussion(plan: Plan | None) -> bool:
    """Whether the plan is still being agreed: some target of it not approved yet
    (drafted or discussed). Its perilaku kerja expectations and lampiran are set in that
    dialog and approved with the plan: once every target is approved they are read-only,
    until a target is reopened for discussion. Once per request."""
    if plan is None:
        return False
    cache = g.setdefault("policy_cache", {}) if has_request_context() else {}
    key = ("in_discussion", plan.id)
    if key not in cache:
        cache[key] = (
            db.session.scalar(
                select(Target.id)
                .where(Target.plan_id == plan.id, Target.state.in_((DRAFTED, DISCUSSED)))
                .limit(1)
            )
            is not None
        )
    return cache[key]


def _can_plan(user: Employee, action: Action, ref: PlanRef) -> bool:
    rel = relation(user, ref.employee)
    if action is Action.VIEW_PLAN:
        return rel is not None or _evaluates_in_plan(user, ref.plan)
    if action is Action.EDIT_PLAN:
        return rel == "self" and ref.employee.active
    if action is Action.EVALUATE_PERIODIC:
        return rel != "self" and _evaluates_in_plan(user, ref.plan)
    if action is Action.SET_EXPECTATIONS:
        # The SKP of PermenPANRB 6/2022 only: a PP 46 plan has no perilaku kerja section.
        return (
            ref.period.scheme == Scheme.PERMENPANRB_6_2022
            and rel != "self"
            and ref.employee.active
            and _evaluates_in_plan(user, ref.plan)
            and plan_in_discussion(ref.plan)
        )
    if action is Action.VIEW_ROLE_MATRIX:
        return rel in ("self", "admin", "superadmin")
    if action is Action.ANALYSE_PLAN:
        return rel in ("subordinate", "subtree", "admin", "superadmin") or _evaluates_in_plan(
            user, ref.plan
        )
    return False


def reviews_employee(user: Employee, employee_id: int, period_id: int) -> bool:
    """Whether ``user`` evaluates any of the employee's targets in the period (the one who
    reviews their monthly reports), once per request."""
    if user.id == employee_id:
        return False
    cache = g.setdefault("policy_cache", {}) if has_request_context() else {}
    key = ("reviews", user.id, employee_id, period_id)
    if key not in cache:
        cache[key] = (
            db.session.scalar(
                select(Target.id)
                .where(
                    Target.owner_id == employee_id,
                    Target.period_id == period_id,
                    Target.evaluator_id == user.id,
                )
                .limit(1)
            )
            is not None
        )
    return cache[key]


def monthly_report_roles(user: Employee, ref: MonthRef) -> frozenset[str]:
    """The workflow roles ``user`` holds on a monthly report: the employee (owner) or the
    evaluator of their targets (evaluator)."""
    if ref.employee.id == user.id:
        return frozenset({OWNER})
    if reviews_employee(user, ref.employee.id, ref.period.id):
        return frozenset({EVALUATOR})
    return frozenset()


def _can_month(user: Employee, action: Action, ref: MonthRef) -> bool:
    if not 1 <= ref.month <= ref.period.month_count:
        return False
    roles = monthly_report_roles(user, ref)
    if action is Action.VIEW_MONTHLY_REPORT:
        return bool(roles) or relation(user, ref.employee) is not None
    if action is Action.WRITE_MONTHLY_REPORT:
        return OWNER in roles and ref.employee.active
    if action is Action.REVIEW_MONTHLY_REPORT:
        return EVALUATOR in roles
    return False


def _can_target(user: Employee, action: Action, target: Target) -> bool:
    roles = target_roles(user, target)
    # The ketua tim who assigned the RHK (*penugasan dari*) follows it and gives feedback
    # in its discussion; the decisions stay with the evaluator.
    assigner = target.assigned_by_id is not None and target.assigned_by_id == user.id
    if action is Action.VIEW_TARGET:
        return bool(roles) or assigner or relation(user, target.owner) is not None
    if action is Action.EDIT_TARGET:
        return OWNER in roles and target.state == DRAFTED
    if action is Action.COMMENT_TARGET:
        return assigner or bool(roles & {OWNER, EVALUATOR})
    if action is Action.RATE_TARGET:
        return EVALUATOR in roles
    if action is Action.REASSIGN_TARGET:
        return ADMIN in roles
    if action is Action.WRITE_INTERIM_NOTE:
        return bool(roles & {EVALUATOR, ADMIN})
    return False


def _can_entry(user: Employee, action: Action, entry: WorkEntry) -> bool:
    target = entry.target
    if action is Action.VIEW_ENTRY:
        return _can_target(user, Action.VIEW_TARGET, target)
    if action is Action.EDIT_ENTRY:
        return entry.owner_id == user.id and entry.status != EntryStatus.ACCEPTED
    if action is Action.VERIFY_ENTRY:
        return target.evaluator_id == user.id
    return False


def visible(user: Employee, obj) -> bool:
    """Whether ``obj`` may be known to exist by ``user``: same instansi, or superadmin;
    a notification, only by its recipient."""
    if isinstance(obj, Notification):
        return obj.recipient_id == user.id
    return user.is_superadmin or _instansi_of(obj) == user.instansi_id


def authorize(user: Employee, action: Action | str, obj=None) -> None:
    """Raise :class:`NotFound` outside the user's instansi, :class:`PermissionDenied` inside."""
    if obj is not None and not visible(user, obj):
        raise NotFound(NOT_FOUND)
    if not can(user, action, obj):
        raise PermissionDenied(_refusal(user, Action(action), obj))


def authorize_target(user: Employee, target: Target) -> frozenset[str]:
    """:func:`authorize` to view ``target``, and the workflow roles ``user`` holds on it:
    the engine's one question before a transition."""
    authorize(user, Action.VIEW_TARGET, target)
    return target_roles(user, target)


def _refusal(user: Employee, action: Action, obj) -> str:
    """Why the refusal, when the user is the one who could act but for the period or the
    target's state; everyone else gets the plain refusal, which tells them nothing."""
    own_target = isinstance(obj, Target) and obj.owner_id == user.id
    period = period_of(obj)
    if (
        action in PERIOD_BOUND
        and period is not None
        and not period.is_open
        and (_permitted(user, action, obj) or (action is Action.EDIT_TARGET and own_target))
    ):
        return period_refusal(period, action)
    if action is Action.EDIT_TARGET and own_target and obj.state != DRAFTED:
        return str(messages.ONLY_DRAFTS) % {"state": STATE_LABELS[obj.state]}
    if (
        action is Action.SET_EXPECTATIONS
        and isinstance(obj, PlanRef)
        and obj.employee.id != user.id
        and _evaluates_in_plan(user, obj.plan)
        and not plan_in_discussion(obj.plan)
    ):
        return str(messages.EXPECTATIONS_AGREED)
    return str(messages.NOT_PERMITTED)


def period_refusal(period: Period, action: Action | None = None) -> str:
    """Why nothing of ``period`` can change now, in the user's words."""
    if period.status == PeriodStatus.DRAFT:
        return str(messages.NOT_YET_OPEN) % {"period": period.name}
    return str(messages.FROZEN.get(action, messages.FROZEN_OTHER)) % {"period": period.name}
