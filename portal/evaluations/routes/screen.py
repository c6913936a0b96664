"""What the evaluation routes share: the plan behind a screen URL, and the screen itself,
shown again (with the errors next to the fields) when an operation refuses."""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from flask import flash, redirect, url_for
from flask_wtf import FlaskForm

from portal import policy, scoring
from portal.errors import Conflict, InvalidInput, NotFound
from portal.evaluations import queries, services
from portal.evaluations.forms import EvaluationForm, saved_evaluation_form
from portal.extensions import db
from portal.models import Employee, Evaluation, Period, Plan
from portal.plans.expectations import load_terms
from portal.plans.services import find_plan
from portal.policy import Action, PlanRef
from portal.routing import load_or_404
from portal.web import current_employee, render


def plan_or_404(period_id: int, employee_id: int) -> Plan:
    """The employee's plan in the period, both in the user's instansi."""
    period = load_or_404(Period, period_id)
    employee = db.session.get(Employee, employee_id)
    if employee is None or employee.instansi_id != period.instansi_id:
        raise NotFound(policy.NOT_FOUND)
    plan = find_plan(employee, period)
    if plan is None:
        raise NotFound(policy.NOT_FOUND)
    return plan


def render_screen(
    plan: Plan,
    form: EvaluationForm | None = None,
    *,
    errors: dict[str, str] | None = None,
    refused: bool = False,
    status: int = 200,
    message: str | None = None,
    refusal: Refusal | None = None,
):
    """The evaluation screen: the posted ``form`` (the saved inputs by default), with
    ``errors``, or, when the form was ``refused``, every error its inputs come to."""
    me = current_employee()
    ctx = queries.context(plan)
    evaluation = ctx.evaluation
    evaluator = queries.is_evaluator(me, ctx)
    if not evaluator:
        if evaluation is None or (plan.employee_id == me.id and not evaluation.is_final):
            # Nothing to show the employee yet (not even a draft's scores): say so.
            policy.authorize(me, Action.VIEW_PLAN, PlanRef(plan.employee, plan.period, plan))
        else:
            policy.authorize(me, Action.VIEW_EVALUATION, evaluation)
    form = form if form is not None else saved_evaluation_form(ctx)
    editable = queries.editable(ctx, evaluator)
    outcome = None
    if editable or evaluation:
        outcome = services.compute(ctx, form.typed(), form.errors_by_field())
    if refused:
        errors = outcome.errors if outcome else form.errors_by_field()
    if editable and message is None and not errors:
        message = queries.split_evaluators(ctx, me)
    response = render(
        "evaluations/screen.html",
        plan=plan,
        ctx=ctx,
        view=queries.screen_view(ctx, me, editable=editable),
        evaluation=evaluation,
        form=form,
        errors=errors or {},
        outcome=outcome,
        editable=editable,
        message=message,
        ratings=queries.RATINGS,
        kreativitas_choices=queries.KREATIVITAS_CHOICES,
        organisation_ratings=scoring.ORGANISATION_RATINGS,
        # Each value's ekspektasi khusus pimpinan of the SKP, shown beside its rating.
        expectations=load_terms(plan),
        refusal=refusal,
        status=status,
    )
    if refusal is not None:
        # A boosted form scrolls to the top of the page; a refusal stays where the person
        # acted, with its message shown there once.
        response.headers["HX-Reswap"] = f"innerHTML show:#{refusal.section}-title:top"
    return response


def back(evaluation: Evaluation):
    return redirect(
        url_for(
            "evaluations.screen", period_id=evaluation.period_id, employee_id=evaluation.employee_id
        ),
        code=303,
    )


class Refusal(NamedTuple):
    """Why an action on the screen was refused, shown in its own ``section`` (the id of
    the section's heading without ``-title``: ``response`` or ``followup``)."""

    section: str
    message: str


def act(
    evaluation_id: int,
    action: Action,
    operation: Callable[[Evaluation, FlaskForm | None], object],
    done,
    form_class: type[FlaskForm] | None = None,
    *,
    section: str,
):
    """Run ``operation`` on the evaluation (``action`` authorised) with the posted form;
    on success flash ``done`` (lazily translated), else show the screen with the refusal
    in ``section``."""
    evaluation = load_or_404(Evaluation, evaluation_id, action)
    form = form_class() if form_class is not None else None
    try:
        if form is not None and not form.validate():
            raise InvalidInput(errors=form.errors_by_field())
        operation(evaluation, form)
    except (InvalidInput, Conflict) as exc:
        db.session.rollback()
        evaluation = db.session.get(Evaluation, evaluation_id)
        return render_screen(
            evaluation.plan,
            errors=getattr(exc, "errors", {}),
            status=exc.status,
            refusal=Refusal(section, exc.message),
        )
    db.session.commit()
    flash(str(done), "success")
    return back(evaluation)
