"""The target editor: a new target, changes to a draft, deleting a draft, and the
monthly breakdown's running sum (htmx, nothing saved)."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from portal.errors import Conflict, InvalidInput
from portal.extensions import db
from portal.models import Period, Target
from portal.models.plans import IndicatorAspect, load_target
from portal.plans import bp, queries, services
from portal.plans.forms import DeleteTargetForm, TargetForm, running_sum, target_form
from portal.plans.routes import loading
from portal.policy import Action, PlanRef
from portal.routing import load_or_404
from portal.web import current_employee as _me
from portal.web import render


def _editor(ref: PlanRef, target: Target | None, form: TargetForm, status: int = 200):
    return render(
        "plans/editor.html",
        aspects=IndicatorAspect,
        ref=ref,
        period=ref.period,
        target=target,
        form=form,
        monthly=form.month.raw_values,
        monthly_sum=form.monthly_sum,
        quantity=form.shown_quantity,
        status=status,
    )


def _refused(ref: PlanRef, target: Target | None, form: TargetForm, exc: InvalidInput):
    db.session.rollback()
    form.add_errors(exc.errors or {})
    return _editor(ref, target, form, status=422)


@bp.route("/skp/<int:period_id>/pegawai/<int:employee_id>/target/baru", methods=["GET", "POST"])
@login_required
def new_target(period_id: int, employee_id: int):
    ref = loading.plan_ref(period_id, employee_id, Action.EDIT_PLAN)
    form = target_form(
        ref.period,
        services.cascade_candidates(ref.employee, ref.period),
        uses_perspektif=services.uses_perspektif(ref),
    )
    if request.method == "GET":
        return _editor(ref, None, form)
    if not form.validate():
        return _editor(ref, None, form, status=422)
    try:
        target = services.create_target(ref, form.to_input(), _me())
    except InvalidInput as exc:
        return _refused(ref, None, form, exc)
    db.session.commit()
    flash(_("Target “%(title)s” tersimpan sebagai draf.", title=target.title), "success")
    return redirect(url_for("plans.plan", period_id=period_id, employee_id=employee_id), code=303)


@bp.route("/target/<int:target_id>/ubah", methods=["GET", "POST"])
@login_required
def edit_target(target_id: int):
    target = loading.target(target_id, Action.EDIT_TARGET)
    ref = queries.plan_ref_of(target)
    candidates = services.cascade_candidates(ref.employee, ref.period)
    perspektif = services.uses_perspektif(ref)
    # The RHK of the ketua tim already named, which the assigned one may support.
    options = {
        "versioned": True,
        "uses_perspektif": perspektif,
        "leader_targets": services.leader_candidates(target.assigned_by, ref.period),
    }
    if request.method == "GET":
        return _editor(ref, target, target_form(ref.period, candidates, shown=target, **options))
    form = target_form(ref.period, candidates, **options)
    if not form.validate():
        return _editor(ref, target, form, status=422)
    try:
        services.update_target(target, form.to_input(), _me(), form.version.data)
    except InvalidInput as exc:
        return _refused(ref, target, form, exc)
    except Conflict as exc:
        db.session.rollback()
        target = load_target(target_id)
        flash(exc.message, "warning")
        shown = target_form(ref.period, candidates, shown=target, formdata=None, **options)
        return _editor(ref, target, shown, status=409)
    db.session.commit()
    flash(_("Perubahan target tersimpan."), "success")
    return redirect(url_for("plans.target", target_id=target_id), code=303)


@bp.route("/target/<int:target_id>/hapus", methods=["GET", "POST"])
@login_required
def delete_target(target_id: int):
    """Two steps: without the confirmation's "yes" this only names the draft that will be
    lost; with it, the draft is deleted."""
    target = loading.target(target_id, Action.EDIT_TARGET)
    form = DeleteTargetForm()
    if not (form.is_submitted() and form.confirmed.given):
        return render(
            "confirm_delete.html",
            heading=_("Hapus draf target?"),
            lost=_("Draf target “%(title)s” akan dihapus.", title=target.title),
            details=[],
            action=url_for("plans.delete_target", target_id=target.id),
            version=form.version.data or target.version,
            back=url_for("plans.target", target_id=target.id),
        )
    if not form.validate():
        raise InvalidInput(form.first_error())
    period_id, owner_id, title = target.period_id, target.owner_id, target.title
    services.delete_target(target, _me(), form.version.data)
    db.session.commit()
    flash(_("Draf target “%(title)s” dihapus.", title=title), "success")
    return redirect(url_for("plans.plan", period_id=period_id, employee_id=owner_id), code=303)


@bp.route("/skp/<int:period_id>/rincian-bulanan")
@login_required
def monthly_breakdown(period_id: int):
    """The monthly inputs with their running sum, or spread evenly (htmx, no saving)."""
    period = load_or_404(Period, period_id)
    form = target_form(period, [], formdata=request.args, meta={"csrf": False})
    monthly, quantity = form.month.raw_values, form.shown_quantity
    spread = bool(request.args.get("spread"))
    if spread and quantity and quantity <= services.QUANTITY_MAX:
        monthly = [str(q) for q in services.spread_evenly(quantity, period.month_count)]
    return render(
        "plans/_months.html" if spread else "plans/_monthly_sum.html",
        period=period,
        form=form,
        monthly=monthly,
        monthly_sum=running_sum(monthly),
        quantity=quantity,
        sum_error="",
    )
