"""The periodic evaluation's pages: the evaluator's team per sub-period, the one screen
of an employee's sub-period (show, save, finish), the employee's own results and the
acknowledgement. Thin: a form, ``load_or_404``, a service, a render."""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_login import login_required

from portal import clock, policy, scoring, subperiods
from portal.errors import Conflict, InvalidInput, NotFound
from portal.extensions import db
from portal.models import Employee, Period, PeriodicEvaluation, Plan
from portal.periodic import bp, queries, services
from portal.periodic.forms import AcknowledgeForm, periodic_form, saved_periodic_form
from portal.periodic.messages import ACKNOWLEDGED, FINISHED, SAVED, say
from portal.periodic.scores import frozen
from portal.plans.expectations import load_terms
from portal.plans.services import find_plan
from portal.policy import Action, PlanRef
from portal.routing import load_or_404
from portal.web import current_employee, render

RATINGS = tuple(scoring.Rating)


def _plan_or_404(period_id: int, employee_id: int) -> Plan:
    period = load_or_404(Period, period_id)
    employee = db.session.get(Employee, employee_id)
    if employee is None or employee.instansi_id != period.instansi_id:
        raise NotFound(policy.NOT_FOUND)
    plan = find_plan(employee, period)
    if plan is None:
        raise NotFound(policy.NOT_FOUND)
    return plan


@bp.route("/evaluasi-periodik/<int:period_id>")
@login_required
def team(period_id: int):
    """The evaluator's subordinates, each sub-period's evaluation and its state."""
    period = load_or_404(Period, period_id, Action.VIEW_PERIOD)
    today = clock.today()
    return render(
        "periodic/team.html",
        period=period,
        rows=queries.team(current_employee(), period, today),
        sub_periods=[
            (n, subperiods.label(period, n), subperiods.end(period, n))
            for n in range(1, subperiods.count(period) + 1)
        ],
        due_days=queries.due_days(),
    )


@bp.route("/admin/evaluasi-periodik/<int:period_id>/terlambat")
@login_required
def late(period_id: int):
    """The admin's list of periodic evaluations past their due date."""
    period = load_or_404(Period, period_id, Action.MANAGE_INSTANSI)
    return render(
        "periodic/late.html",
        period=period,
        rows=queries.late(period, clock.today()),
        due_days=queries.due_days(),
    )


def _screen(ctx: queries.Context, form=None, *, errors=None, status=200, message=None):
    me = current_employee()
    plan = ctx.plan
    evaluation = ctx.evaluation
    ref = PlanRef(plan.employee, plan.period, plan)
    evaluator = policy.can(me, Action.EVALUATE_PERIODIC, ref)
    hidden = False
    if not evaluator:
        # Others see a finished result only; before that, whoever may see the plan is
        # told it is not finished yet (no draft's figures), anyone else is refused.
        policy.authorize(me, Action.VIEW_PLAN, ref)
        hidden = evaluation is None or not policy.can(me, Action.VIEW_PERIODIC, evaluation)
    today = clock.today()
    editable = evaluator and ctx.open_for_evaluation(today)
    form = form if form is not None else saved_periodic_form(ctx)
    if evaluation is not None and evaluation.is_finished:
        result = frozen(evaluation)
    else:
        result = services.compute(ctx, form.typed(), errors=errors or {})
    return render(
        "periodic/screen.html",
        ctx=ctx,
        plan=plan,
        evaluation=evaluation,
        form=form,
        outcome=result,
        errors=errors or {},
        editable=editable,
        hidden=hidden,
        overdue=ctx.overdue(today),
        may_acknowledge=evaluation is not None
        and policy.can(me, Action.ACKNOWLEDGE_PERIODIC, evaluation)
        and evaluation.status == "final",
        ratings=RATINGS,
        # Each value's ekspektasi khusus pimpinan of the SKP: its feedback answers it.
        expectations=load_terms(plan),
        message=message,
        status=status,
    )


def _context(period_id: int, employee_id: int, sub_period: int) -> queries.Context:
    plan = _plan_or_404(period_id, employee_id)
    if not 1 <= sub_period <= subperiods.count(plan.period):
        raise NotFound(policy.NOT_FOUND)
    return queries.context(plan, sub_period)


@bp.route("/evaluasi-periodik/<int:period_id>/pegawai/<int:employee_id>/<int:sub_period>")
@login_required
def screen(period_id: int, employee_id: int, sub_period: int):
    ctx = _context(period_id, employee_id, sub_period)
    return _screen(ctx, message=services.not_ended(ctx.period, sub_period, clock.today()))


@bp.route(
    "/evaluasi-periodik/<int:period_id>/pegawai/<int:employee_id>/<int:sub_period>/pratinjau",
    methods=["POST"],
)
@login_required
def preview(period_id: int, employee_id: int, sub_period: int):
    """The live outcome as the evaluator changes the inputs (htmx; nothing saved)."""
    ctx = _context(period_id, employee_id, sub_period)
    services.authorize_evaluator(current_employee(), ctx)
    form = periodic_form(ctx)
    form.validate()
    errors = form.errors_by_field()
    return render(
        "periodic/_outcome.html",
        partial="periodic/_outcome.html",
        replace_messages=False,
        ctx=ctx,
        plan=ctx.plan,
        form=form,
        outcome=services.compute(ctx, form.typed(), errors=errors),
        errors=errors,
        editable=ctx.open_for_evaluation(clock.today()),
        ratings=RATINGS,
    )


@bp.route(
    "/evaluasi-periodik/<int:period_id>/pegawai/<int:employee_id>/<int:sub_period>",
    methods=["POST"],
)
@login_required
def save(period_id: int, employee_id: int, sub_period: int):
    ctx = _context(period_id, employee_id, sub_period)
    me = current_employee()
    services.authorize_evaluator(me, ctx)
    form = periodic_form(ctx)
    finish = form.finishing
    if not form.validate():
        return _screen(ctx, form, errors=form.errors_by_field(), status=422)
    try:
        evaluation = services.save(ctx, form.typed(), me, clock.today(), finish=finish)
    except InvalidInput as exc:
        db.session.rollback()
        ctx = _context(period_id, employee_id, sub_period)
        return _screen(ctx, form, errors=exc.errors or {"_": exc.message}, status=422)
    except Conflict as exc:
        db.session.rollback()
        ctx = _context(period_id, employee_id, sub_period)
        return _screen(ctx, status=409, message=exc.message)
    db.session.commit()
    if finish:
        flash(say(FINISHED, sub=ctx.label, name=evaluation.employee.display_name), "success")
    else:
        flash(str(SAVED), "success")
    return redirect(
        url_for(
            "periodic.screen",
            period_id=period_id,
            employee_id=employee_id,
            sub_period=sub_period,
        ),
        code=303,
    )


@bp.route("/evaluasi-periodik/saya/<int:period_id>")
@login_required
def mine(period_id: int):
    """The employee's own finished results, each to acknowledge."""
    period = load_or_404(Period, period_id, Action.VIEW_PERIOD)
    me = current_employee()
    return render(
        "periodic/mine.html",
        period=period,
        results=queries.finished_results(me.id, period.id),
    )


@bp.route("/evaluasi-periodik/hasil/<int:evaluation_id>/terima", methods=["POST"])
@login_required
def acknowledge(evaluation_id: int):
    evaluation = load_or_404(PeriodicEvaluation, evaluation_id, Action.VIEW_PERIODIC)
    form = AcknowledgeForm()
    me = current_employee()
    if not form.validate():
        raise InvalidInput(errors=form.errors_by_field())
    try:
        services.acknowledge(evaluation, me, form.version.data)
    except Conflict as exc:
        db.session.rollback()
        flash(exc.message, "warning")
        return redirect(url_for("periodic.mine", period_id=evaluation.period_id), code=303)
    db.session.commit()
    flash(
        say(ACKNOWLEDGED, sub=subperiods.label(evaluation.period, evaluation.sub_period)), "success"
    )
    return redirect(url_for("periodic.mine", period_id=evaluation.period_id), code=303)
