"""The SKP's perilaku kerja expectations and lampiran: the evaluator's edit page (one
form for both, one compare-and-swap on the plan)."""

from __future__ import annotations

from flask import flash, g, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from portal import policy
from portal.berakhlak import VALUES
from portal.errors import Conflict, InvalidInput
from portal.extensions import db
from portal.plans import bp
from portal.plans.expectation_forms import (
    LAMPIRAN_HINTS,
    LAMPIRAN_LABELS,
    ExpectationsForm,
    expectations_form,
)
from portal.plans.expectations import FIELD_PREFIX, LAMPIRAN_FIELDS, load_terms, save_terms
from portal.plans.routes import loading
from portal.policy import Action, PlanRef
from portal.web import current_employee as _me
from portal.web import render


def _page(ref: PlanRef, form: ExpectationsForm, status: int = 200, message: str = ""):
    """The edit page; after a lost race to the plan's approval, what was approved, read-only."""
    may_edit = policy.can(_me(), Action.SET_EXPECTATIONS, ref)
    return render(
        "plans/expectations.html",
        ref=ref,
        form=form,
        may_edit=may_edit,
        terms=None if may_edit else load_terms(ref.plan),
        values=VALUES,
        prefix=FIELD_PREFIX,
        lampiran_fields=LAMPIRAN_FIELDS,
        lampiran_labels=LAMPIRAN_LABELS,
        lampiran_hints=LAMPIRAN_HINTS,
        errors=form.errors_by_field() if status == 422 else {},
        message=message,
        status=status,
    )


@bp.route("/skp/<int:period_id>/pegawai/<int:employee_id>/perilaku", methods=["GET", "POST"])
@login_required
def expectations(period_id: int, employee_id: int):
    ref = loading.plan_ref(period_id, employee_id, Action.SET_EXPECTATIONS)
    if request.method == "GET":
        return _page(ref, expectations_form(load_terms(ref.plan), formdata=None))
    form = expectations_form()
    if not form.validate():
        return _page(ref, form, status=422)
    try:
        changes = save_terms(ref, form.to_input(), _me(), form.version.data)
    except InvalidInput as exc:
        db.session.rollback()
        form.add_errors(exc.errors or {})
        return _page(ref, form, status=422)
    except Conflict as exc:
        db.session.rollback()
        g.pop("policy_cache", None)  # what the policy saw before the race is stale now
        ref = loading.plan_ref(period_id, employee_id)
        fresh = expectations_form(load_terms(ref.plan), formdata=None)
        return _page(ref, fresh, status=409, message=exc.message)
    db.session.commit()
    flash(
        _("Ekspektasi perilaku kerja dan lampiran SKP tersimpan.")
        if changes
        else _("Tidak ada perubahan."),
        "success",
    )
    return redirect(url_for("plans.plan", period_id=period_id, employee_id=employee_id), code=303)
