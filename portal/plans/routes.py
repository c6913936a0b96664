from __future__ import annotations

import secrets
from collections.abc import Callable

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from portal import policy
from portal.errors import Conflict, DomainError, InvalidInput
from portal.extensions import db
from portal.home.queries import current_period
from portal.models import Employee, Period, Target
from portal.months import month_label
from portal.periods.queries import upcoming_period
from portal.plans import analysis, bp, queries, services
from portal.policy import Action, PlanRef
from portal.reports.realisation import cached_realisations
from portal.web import (
    current_employee,
    form_version,
    is_fragment_request,
    render,
    versioned_ids,
)
from workflows import engine
from workflows.targets import STATE_LABELS, TRIGGER_DONE

INBOX_EVENT = "inbox-changed"


_me = current_employee


def _period_or_404(period_id: int) -> Period:
    period = db.session.get(Period, period_id)
    if period is None or not policy.visible(_me(), period):
        abort(404)
    return period


def _plan_ref(period_id: int, employee_id: int) -> PlanRef:
    period = _period_or_404(period_id)
    employee = db.session.get(Employee, employee_id)
    if employee is None or employee.instansi_id != period.instansi_id:
        abort(404)
    return PlanRef(employee, period, services.find_plan(employee, period))


def _target_or_404(target_id: int, action: Action = Action.VIEW_TARGET) -> Target:
    target = queries.load_target(target_id)
    if target is None:
        abort(404)
    policy.authorize(_me(), action, target)
    return target


@bp.route("/skp")
@login_required
def my_plan():
    period = current_period(_me().instansi_id) or upcoming_period(_me().instansi_id)
    if period is None:
        flash(_("Belum ada periode penilaian yang dibuka untuk instansi Anda."), "info")
        return redirect(url_for("home.index"))
    # A period still being prepared: its plan page says it is not open yet.
    return redirect(url_for("plans.plan", period_id=period.id, employee_id=_me().id))


def _plan_context(ref: PlanRef) -> dict:
    me = _me()
    targets = queries.plan_targets(ref.plan.id) if ref.plan else []
    analyses = {}
    if policy.can(me, Action.ANALYSE_PLAN, ref) and targets:
        analyses = analysis.analyse(ref.employee, ref.period, targets)
    drafted = [t.id for t in targets if t.state == "drafted"]
    # One batch for the guards of every approved card instead of one load per card.
    cached_realisations([t for t in targets if t.state == "approved"])
    return {
        "ref": ref,
        "targets": targets,
        "analyses": analyses,
        "revisions": queries.revision_reasons(drafted),
        "previous": services.previous_period(ref.period),
        "can_edit": policy.can(me, Action.EDIT_PLAN, ref),
    }


@bp.route("/skp/<int:period_id>/pegawai/<int:employee_id>")
@login_required
def plan(period_id: int, employee_id: int):
    ref = _plan_ref(period_id, employee_id)
    policy.authorize(_me(), Action.VIEW_PLAN, ref)
    return render("plans/plan.html", **_plan_context(ref))


def _editor(ref: PlanRef, target: Target | None, form=None, errors=None, status=200):
    candidates = services.cascade_candidates(ref.employee, ref.period)
    if form is None:
        form = (
            _form_from_target(target, ref.period)
            if target
            else {
                "quality_target": "100",
                "time_months": str(ref.period.month_count),
                "kind": "utama",
            }
        )
    monthly = [form.get(f"month_{i}", "") for i in range(1, ref.period.month_count + 1)]
    quantity_text = str(form.get("quantity") or "").replace(".", "").strip()
    return render(
        "plans/editor.html",
        ref=ref,
        period=ref.period,
        target=target,
        form=form,
        errors=errors or {},
        candidates=candidates,
        monthly=monthly,
        monthly_sum=_safe_sum(monthly),
        quantity=int(quantity_text) if quantity_text.isdigit() else None,
        status=status,
    )


def _form_from_target(target: Target, period: Period) -> dict:
    form = {
        "title": target.title,
        "kind": target.kind.value,
        "parent_id": str(target.parent_id or ""),
        "indicator": target.indicator,
        "lower_is_better": "1" if target.lower_is_better else "",
        "quantity": str(target.quantity),
        "quantity_unit": target.quantity_unit,
        "quality_target": str(target.quality_target),
        "time_months": str(target.time_months),
        "cost": str(target.cost or ""),
        "version": str(target.version),
    }
    for month in target.months:
        form[f"month_{month.month}"] = str(month.quantity)
    return form


def _safe_sum(values) -> int | None:
    total = 0
    for value in values:
        text = str(value or "0").replace(".", "").strip() or "0"
        if not text.isdigit():
            return None
        total += int(text)
    return total


@bp.route("/skp/<int:period_id>/pegawai/<int:employee_id>/target/baru", methods=["GET", "POST"])
@login_required
def new_target(period_id: int, employee_id: int):
    ref = _plan_ref(period_id, employee_id)
    policy.authorize(_me(), Action.EDIT_PLAN, ref)
    if request.method == "GET":
        return _editor(ref, None)
    candidates = services.cascade_candidates(ref.employee, ref.period)
    try:
        data = services.parse_target_input(request.form, ref.period, candidates)
        target = services.create_target(ref, data, _me())
    except InvalidInput as exc:
        db.session.rollback()
        return _editor(ref, None, form=request.form, errors=exc.errors, status=422)
    db.session.commit()
    flash(_("Target “%(title)s” tersimpan sebagai draf.", title=target.title), "success")
    return redirect(url_for("plans.plan", period_id=period_id, employee_id=employee_id), code=303)


@bp.route("/target/<int:target_id>/ubah", methods=["GET", "POST"])
@login_required
def edit_target(target_id: int):
    target = _target_or_404(target_id, Action.EDIT_TARGET)
    ref = PlanRef(target.owner, target.period, target.plan)
    if request.method == "GET":
        return _editor(ref, target)
    candidates = services.cascade_candidates(ref.employee, ref.period)
    try:
        version = form_version()
        data = services.parse_target_input(request.form, ref.period, candidates)
        services.update_target(target, data, _me(), version)
    except InvalidInput as exc:
        db.session.rollback()
        return _editor(ref, target, form=request.form, errors=exc.errors, status=422)
    except Conflict as exc:
        db.session.rollback()
        target = queries.load_target(target_id)
        flash(exc.message, "warning")
        return _editor(ref, target, status=409)
    db.session.commit()
    flash(_("Perubahan target tersimpan."), "success")
    return redirect(url_for("plans.target", target_id=target_id), code=303)


@bp.route("/target/<int:target_id>/hapus", methods=["POST"])
@login_required
def delete_target(target_id: int):
    target = _target_or_404(target_id, Action.EDIT_TARGET)
    period_id, owner_id, title = target.period_id, target.owner_id, target.title
    services.delete_target(target, _me(), form_version())
    db.session.commit()
    flash(_("Draf target “%(title)s” dihapus.", title=title), "success")
    return redirect(url_for("plans.plan", period_id=period_id, employee_id=owner_id), code=303)


@bp.route("/skp/<int:period_id>/rincian-bulanan")
@login_required
def monthly_breakdown(period_id: int):
    """The monthly inputs with their running sum, or spread evenly (htmx, no saving)."""
    period = _period_or_404(period_id)
    months = period.month_count
    monthly = [request.args.get(f"month_{i}", "") for i in range(1, months + 1)]
    quantity_text = (request.args.get("quantity") or "").replace(".", "").strip()
    quantity = int(quantity_text) if quantity_text.isdigit() else None
    spread = bool(request.args.get("spread"))
    if spread and quantity and quantity <= services.QUANTITY_MAX:
        monthly = [str(q) for q in services.spread_evenly(quantity, months)]
    return render(
        "plans/_months.html" if spread else "plans/_monthly_sum.html",
        period=period,
        monthly=monthly,
        monthly_sum=_safe_sum(monthly),
        quantity=quantity,
        errors={},
    )


@bp.route("/target/<int:target_id>")
@login_required
def target(target_id: int):
    target = _target_or_404(target_id)
    return render("plans/target.html", **_target_context(target))


def _target_context(target: Target, message: str | None = None) -> dict:
    me = _me()
    ref = PlanRef(target.owner, target.period, target.plan)
    analyses = {}
    if policy.can(me, Action.ANALYSE_PLAN, ref):
        analyses = analysis.analyse(target.owner, target.period, [target])
    return {
        "target": target,
        "timeline": queries.timeline(target.id),
        "revisions": queries.revision_reasons([target.id]),
        "analyses": analyses,
        "message": message,
        "comment_token": secrets.token_hex(16),
    }


def _render_target_fragment(target: Target, view: str, *, status=200, message=None):
    """The part of the page an action changed: a card of the plan, or the target page."""
    level = "success" if status < 400 else "warning"
    if view == "card":
        ref = PlanRef(target.owner, target.period, target.plan)
        analyses = {}
        if policy.can(_me(), Action.ANALYSE_PLAN, ref):
            analyses = analysis.analyse(target.owner, target.period, [target])
        html_context = {
            "t": target,
            "analyses": analyses,
            "message": message,
            "message_level": level,
            "revisions": queries.revision_reasons([target.id]),
        }
        return render(
            "plans/_target_card.html",
            partial="plans/_target_card.html",
            status=status,
            **html_context,
        )
    return render(
        "plans/target.html",
        partial="plans/_target_main.html",
        status=status,
        message_level=level,
        **_target_context(target, message),
    )


@bp.route("/target/<int:target_id>/aksi/<trigger>", methods=["POST"])
@login_required
def fire(target_id: int, trigger: str):
    target = _target_or_404(target_id)
    view = "card" if request.form.get("view") == "card" else "detail"
    try:
        engine.fire(
            target,
            trigger,
            _me(),
            reason=request.form.get("reason", ""),
            expected_version=form_version(),
        )
    except (Conflict, InvalidInput) as exc:
        db.session.rollback()
        fresh = queries.load_target(target_id)
        if not is_fragment_request():
            flash(exc.message, "warning" if exc.status == 409 else "error")
            return redirect(url_for("plans.target", target_id=target_id), code=303)
        return _render_target_fragment(fresh, view, status=exc.status, message=exc.message)
    db.session.commit()
    fresh = queries.load_target(target_id)
    done = TRIGGER_DONE[trigger] if trigger in TRIGGER_DONE else _("Tersimpan")
    if not is_fragment_request():
        flash(_("%(done)s: “%(title)s”.", done=done, title=fresh.title), "success")
        return redirect(request.referrer or url_for("plans.target", target_id=target_id), code=303)
    response = _render_target_fragment(fresh, view, message=f"{done}.")
    response.headers["HX-Trigger"] = INBOX_EVENT
    return response


@bp.route("/target/<int:target_id>/komentar", methods=["POST"])
@login_required
def comment(target_id: int):
    target = _target_or_404(target_id)
    try:
        services.add_comment(
            target, _me(), request.form.get("body", ""), request.form.get("form_token", "")
        )
    except InvalidInput as exc:
        db.session.rollback()
        if not is_fragment_request():
            flash(exc.message, "error")
            return redirect(url_for("plans.target", target_id=target_id), code=303)
        return render(
            "plans/_discussion.html",
            partial="plans/_discussion.html",
            status=422,
            target=target,
            timeline=queries.timeline(target.id),
            comment_token=request.form.get("form_token", ""),
            body=request.form.get("body", ""),
            error=exc.message,
        )
    db.session.commit()
    if not is_fragment_request():
        return redirect(url_for("plans.target", target_id=target_id) + "#diskusi", code=303)
    return render(
        "plans/_discussion.html",
        partial="plans/_discussion.html",
        target=target,
        timeline=queries.timeline(target.id),
        comment_token=secrets.token_hex(16),
    )


def _bulk(period_id: int, employee_id: int, trigger: str, done: Callable[[int], str]):
    """Fire ``trigger`` on the chosen targets; ``done(n)`` says that n of them went through."""
    ref = _plan_ref(period_id, employee_id)
    policy.authorize(_me(), Action.VIEW_PLAN, ref)
    chosen = versioned_ids("target")
    if not chosen:
        raise InvalidInput(_("Pilih minimal satu target."))
    targets = {t.id: t for t in (queries.plan_targets(ref.plan.id) if ref.plan else [])}
    results = []
    for target_id, version in chosen.items():
        target = targets.get(target_id)
        if target is None:
            results.append((None, _("Target tidak ditemukan pada SKP ini.")))
            continue
        try:
            with db.session.begin_nested():
                engine.fire(target, trigger, _me(), expected_version=version)
            results.append((target, None))
        except DomainError as exc:
            results.append((target, exc.message))
    db.session.commit()
    succeeded = sum(1 for _, error in results if error is None)
    failed = [(t, e) for t, e in results if e is not None]
    if succeeded:
        flash(done(succeeded), "success")
    for target, error in failed:
        if target is not None:
            error = _("“%(title)s”: %(error)s", title=target.title, error=error)
        flash(error, "error")
    response = redirect(
        url_for("plans.plan", period_id=period_id, employee_id=employee_id), code=303
    )
    return response


@bp.route("/skp/<int:period_id>/pegawai/<int:employee_id>/setujui", methods=["POST"])
@login_required
def bulk_approve(period_id: int, employee_id: int):
    return _bulk(
        period_id,
        employee_id,
        "approve",
        lambda n: ngettext("%(num)d target disetujui.", "%(num)d target disetujui.", n),
    )


@bp.route("/skp/<int:period_id>/pegawai/<int:employee_id>/ajukan", methods=["POST"])
@login_required
def bulk_submit(period_id: int, employee_id: int):
    return _bulk(
        period_id,
        employee_id,
        "submit",
        lambda n: ngettext(
            "%(num)d target diajukan ke atasan.", "%(num)d target diajukan ke atasan.", n
        ),
    )


@bp.route("/skp/<int:period_id>/salin", methods=["POST"])
@login_required
def copy_previous(period_id: int):
    period = _period_or_404(period_id)
    me = _me()
    ref = PlanRef(me, period, services.find_plan(me, period))
    copies = services.copy_previous(ref, me)
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
    ref = _plan_ref(period_id, employee_id or _me().id)
    policy.authorize(_me(), Action.VIEW_PLAN, ref)
    return render("plans/cascade.html", ref=ref, cascade=analysis.cascade(ref.employee, ref.period))


@bp.route("/perlu-tindakan")
@login_required
def inbox():
    return render("plans/inbox.html", inbox=queries.inbox(_me().id))


@bp.route("/perlu-tindakan/jumlah")
@login_required
def inbox_badge():
    return render("partials/_inbox_badge.html")


@bp.app_context_processor
def planning_helpers():
    """``inbox_count()`` for the navigation badge (queried only when a template asks),
    and the action buttons of a target, which only ``workflows.engine`` decides."""

    def count() -> int:
        if not current_user.is_authenticated:
            return 0
        return queries.inbox_count(current_user.id)

    return {
        "inbox_count": count,
        "actions_for": lambda target: engine.available_actions(_me(), target),
        "STATE_LABELS": STATE_LABELS,
        "TRIGGER_DONE": TRIGGER_DONE,
        "month_label": month_label,
    }


@bp.route("/skp/<int:period_id>/pegawai/<int:employee_id>/cetak.pdf")
@login_required
def plan_pdf(period_id: int, employee_id: int):
    """The SKP form: the plan with its targets and monthly breakdown, for signatures."""
    from portal import clock, exports, letters

    ref = _plan_ref(period_id, employee_id)
    policy.authorize(_me(), Action.VIEW_PLAN, ref)
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
