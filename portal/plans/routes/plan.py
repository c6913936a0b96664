"""The plan (SKP) of an employee in a period, a target's page, the cascade, the SKP
form as PDF."""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_babel import ngettext
from flask_login import login_required

from portal import clock, exports, letters
from portal.extensions import db
from portal.models import Period
from portal.months import month_label
from portal.periods.queries import upcoming_period
from portal.plans import analysis, bp, queries, services
from portal.plans.forms import fresh_comment_form
from portal.plans.routes import loading
from portal.policy import PlanRef
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


@bp.route("/skp/<int:period_id>/pegawai/<int:employee_id>")
@login_required
def plan(period_id: int, employee_id: int):
    ref = loading.plan_ref(period_id, employee_id)
    page = queries.plan_page(_me(), ref, services.previous_period(ref.period))
    return render("plans/plan.html", page=page, ref=ref)


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


@bp.route("/skp/<int:period_id>/pegawai/<int:employee_id>/cetak.pdf")
@login_required
def plan_pdf(period_id: int, employee_id: int):
    """The SKP form: the plan with its targets and monthly breakdown, for signatures."""
    ref = loading.plan_ref(period_id, employee_id)
    targets = queries.plan_targets(ref.plan.id) if ref.plan else []
    evaluator = targets[0].evaluator if targets and targets[0].evaluator else ref.employee.atasan
    pdf = letters.render_pdf(
        "letters/skp.html",
        ref=ref,
        targets=targets,
        evaluator=evaluator,
        today=clock.today(),
        month_label=month_label,
        STATE_LABELS=STATE_LABELS,
    )
    return exports.download(pdf, f"skp-{ref.employee.nip}-{ref.period.id}.pdf", exports.PDF)
