"""The evaluation screen: show it, preview the outcome while typing, save or finish."""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_login import login_required

from portal.errors import Conflict, InvalidInput, PermissionDenied
from portal.evaluations import bp, queries, services
from portal.evaluations.forms import evaluation_form
from portal.evaluations.messages import DRAFT_SAVED, NOT_THE_EVALUATOR, finished_message
from portal.evaluations.routes.screen import plan_or_404, render_screen
from portal.extensions import db
from portal.web import current_employee, render


@bp.route("/evaluasi/<int:period_id>/pegawai/<int:employee_id>")
@login_required
def screen(period_id: int, employee_id: int):
    return render_screen(plan_or_404(period_id, employee_id))


@bp.route("/evaluasi/<int:period_id>/pegawai/<int:employee_id>/pratinjau", methods=["POST"])
@login_required
def preview(period_id: int, employee_id: int):
    """The live outcome as the evaluator changes the inputs (htmx, nothing saved)."""
    plan = plan_or_404(period_id, employee_id)
    ctx = queries.context(plan)
    if not queries.is_evaluator(current_employee(), ctx):
        raise PermissionDenied(str(NOT_THE_EVALUATOR))
    form = evaluation_form(ctx)
    form.validate()
    # The fragment replaces the whole outcome card: it needs what the page gives the
    # partial (the rating choices, and whether it is still live), or the swapped-in card
    # comes back with empty, disabled selects and stops previewing.
    return render(
        "evaluations/_outcome.html",
        partial="evaluations/_outcome.html",
        replace_messages=False,
        outcome=services.compute(ctx, form.typed(), form.errors_by_field()),
        plan=plan,
        editable=queries.editable(ctx, True),
        ratings=queries.RATINGS,
    )


@bp.route("/evaluasi/<int:period_id>/pegawai/<int:employee_id>", methods=["POST"])
@login_required
def save(period_id: int, employee_id: int):
    plan = plan_or_404(period_id, employee_id)
    ctx = queries.context(plan)
    form = evaluation_form(ctx)
    finish = form.action.data == "finish"
    try:
        services.authorize_evaluator(current_employee(), ctx)
        if not form.validate():
            return render_screen(plan, form, refused=True, status=422)
        evaluation = services.save(ctx, form.typed(), current_employee(), finish=finish)
    except InvalidInput as exc:
        db.session.rollback()
        return render_screen(plan, form, errors=exc.errors or {"_": exc.message}, status=422)
    except Conflict as exc:
        db.session.rollback()
        return render_screen(plan, status=409, message=exc.message)
    done = str(DRAFT_SAVED)
    if finish:
        covered = services.coverage_of(ctx, evaluation)
        done = finished_message(
            covered.scored, covered.unreported, covered.excluded, covered.not_approved
        )
    db.session.commit()
    flash(done, "success")
    return redirect(
        url_for("evaluations.screen", period_id=period_id, employee_id=employee_id), code=303
    )
