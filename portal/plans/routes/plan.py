"""The plan (SKP) of an employee in a period, a target's page, the cascade, the SKP
form as PDF."""

from __future__ import annotations

import hmac

from flask import flash, redirect, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import login_required

from portal import clock, exports, letters
from portal.errors import Conflict, InvalidInput
from portal.extensions import db
from portal.models import Pendekatan, Period, Plan, SkpForm
from portal.months import month_label
from portal.periods.queries import upcoming_period
from portal.plans import analysis, bp, matrix, queries, services, skp_document
from portal.plans.forms import PlanVariantForm, fresh_comment_form
from portal.plans.routes import loading
from portal.policy import Action, PlanRef
from portal.reassign.notes import assignment_panel
from portal.routing import NO_OPEN_PERIOD, current_period, load_or_404
from portal.web import current_employee as _me
from portal.web import render
from workflows.targets import STATE_LABELS


@bp.route("/skp")
@login_required
def my_plan():
    period = current_period(_me().instansi_id) or upcoming_period(_me().instansi_id)
    if period is None:
        flash(str(NO_OPEN_PERIOD), "info")
        return redirect(url_for("home.index"))
    # A period still being prepared: its plan page says it is not open yet.
    return redirect(url_for("plans.plan", period_id=period.id, employee_id=_me().id))


def _plan_page(ref: PlanRef, variant_form=None, status: int = 200, message: str | None = None):
    page = queries.plan_page(_me(), ref, services.previous_period(ref.period))
    if variant_form is None:
        pendekatan, skp_form = services.plan_variant(ref)
        variant_form = PlanVariantForm(
            formdata=None,
            pendekatan=pendekatan.value,
            skp_form=skp_form.value,
            version=ref.plan.version if ref.plan else 1,
        )
    return render(
        "plans/plan.html",
        page=page,
        ref=ref,
        variant=services.plan_variant(ref),
        variant_form=variant_form,
        variant_message=message,
        status=status,
    )


@bp.route("/skp/<int:period_id>/pegawai/<int:employee_id>")
@login_required
def plan(period_id: int, employee_id: int):
    return _plan_page(loading.plan_ref(period_id, employee_id))


@bp.route("/skp/<int:period_id>/pegawai/<int:employee_id>/varian", methods=["POST"])
@login_required
def set_variant(period_id: int, employee_id: int):
    ref = loading.plan_ref(period_id, employee_id, Action.EDIT_PLAN)
    form = PlanVariantForm()
    if not form.validate():
        return _plan_page(ref, form, status=422)
    try:
        changes = services.set_variant(
            ref,
            _me(),
            Pendekatan(form.pendekatan.data),
            SkpForm(form.skp_form.data),
            form.version.data,
        )
    except InvalidInput as exc:
        db.session.rollback()
        form.add_errors(exc.errors or {})
        return _plan_page(ref, form, status=422, message=exc.message)
    except Conflict as exc:
        db.session.rollback()
        fresh = loading.plan_ref(period_id, employee_id, Action.EDIT_PLAN)
        return _plan_page(fresh, status=409, message=exc.message)
    db.session.commit()
    flash(
        _("Pendekatan dan bentuk SKP tersimpan.") if changes else _("Tidak ada yang berubah."),
        "success" if changes else "info",
    )
    return redirect(url_for("plans.plan", period_id=period_id, employee_id=employee_id), code=303)


def target_page(target) -> queries.TargetPage:
    return queries.target_page(_me(), target, assignment_panel(target, _me()))


@bp.route("/target/<int:target_id>")
@login_required
def target(target_id: int):
    target = loading.target(target_id)
    return render("plans/target.html", page=target_page(target), comment=fresh_comment_form())


@bp.route("/skp/<int:period_id>/salin", methods=["POST"])
@login_required
def copy_previous(period_id: int):
    period = load_or_404(Period, period_id)
    me = _me()
    copies = services.copy_previous(PlanRef(me, period, services.find_plan(me, period)), me)
    db.session.commit()
    flash(
        ngettext(
            "%(num)d target periode lalu disalin sebagai draf. Periksa rincian bulanannya.",
            "%(num)d target periode lalu disalin sebagai draf. Periksa rincian bulanannya.",
            len(copies),
        ),
        "success",
    )
    return redirect(url_for("plans.plan", period_id=period_id, employee_id=me.id), code=303)


@bp.route("/skp/<int:period_id>/kaskade")
@bp.route("/skp/<int:period_id>/pegawai/<int:employee_id>/kaskade")
@login_required
def cascade(period_id: int, employee_id: int | None = None):
    ref = loading.plan_ref(period_id, employee_id or _me().id)
    return render("plans/cascade.html", ref=ref, cascade=analysis.cascade(ref.employee, ref.period))


@bp.route("/skp/<int:period_id>/matriks")
@bp.route("/skp/<int:period_id>/pegawai/<int:employee_id>/matriks")
@login_required
def role_matrix(period_id: int, employee_id: int | None = None):
    """The matriks peran–hasil of the supervisor's RHK: theirs, or anyone's for an admin."""
    ref = loading.plan_ref(period_id, employee_id or _me().id, Action.VIEW_ROLE_MATRIX)
    return render("plans/matrix.html", ref=ref, matrix=matrix.role_matrix(ref.employee, ref.period))


@bp.route("/skp/<int:period_id>/pegawai/<int:employee_id>/cetak.pdf")
@login_required
def plan_pdf(period_id: int, employee_id: int):
    """The SKP in the regulation's layout: official once every target is approved (with
    its approval, signatures and verification code), a marked DRAF before."""
    ref = loading.plan_ref(period_id, employee_id)
    targets = queries.plan_targets(ref.plan.id) if ref.plan else []
    doc = skp_document.build(ref, targets)
    pdf = letters.render_pdf(
        "letters/skp.html",
        ref=ref,
        doc=doc,
        today=clock.today(),
        month_label=month_label,
        STATE_LABELS=STATE_LABELS,
    )
    name = f"skp-{ref.employee.nip}-{ref.period.id}{'-draf' if doc.draft else ''}.pdf"
    return exports.download(pdf, name, exports.PDF)


@bp.route("/cek-skp/<int:plan_id>/<code>")
def verify_skp(plan_id: int, code: str):
    """Public: whether a printed SKP is genuine and still states the current SKP."""
    code = code.strip().upper()
    plan = db.session.get(Plan, plan_id) if skp_document.CODE.match(code) else None
    doc = None
    if plan is not None:
        ref = PlanRef(plan.employee, plan.period, plan)
        doc = skp_document.build(ref, queries.plan_targets(plan.id))
    genuine = doc is not None and not doc.draft and hmac.compare_digest(doc.code, code)
    return render(
        "plans/verify_skp.html",
        code=code,
        doc=doc if genuine else None,
        status=200 if genuine else 404,
    )
