from __future__ import annotations

import re

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from sqlalchemy import select

from portal import exports, policy, scoring
from portal.errors import Conflict, InvalidInput, PermissionDenied
from portal.evaluations import bp, letter, services
from portal.evaluations.scores import perilaku_aspects
from portal.extensions import db
from portal.models import Employee, Evaluation, FollowUpItem, FollowUpKind, Letter, Period
from portal.plans.services import find_plan
from portal.policy import Action, PlanRef
from portal.web import current_employee, is_fragment_request, render

CODE = re.compile(r"^[A-Z2-7]{4}(-[A-Z2-7]{4}){3}$")


_me = current_employee


def _plan_or_404(period_id: int, employee_id: int):
    period = db.session.get(Period, period_id)
    employee = db.session.get(Employee, employee_id)
    if period is None or employee is None or employee.instansi_id != period.instansi_id:
        abort(404)
    if not policy.visible(_me(), period):
        abort(404)
    plan = find_plan(employee, period)
    if plan is None:
        abort(404)
    return plan


def _evaluation_or_404(evaluation_id: int, action: Action) -> Evaluation:
    evaluation = db.session.get(Evaluation, evaluation_id)
    if evaluation is None:
        abort(404)
    policy.authorize(_me(), action, evaluation)
    return evaluation


RATINGS = list(scoring.Rating)


def _is_evaluator(me: Employee, ctx: services.Context) -> bool:
    return any(r.target.evaluator_id == me.id for r in ctx.results)


def _editable(ctx: services.Context, is_evaluator: bool) -> bool:
    evaluation = ctx.evaluation
    return (
        is_evaluator and (evaluation is None or not evaluation.is_final) and ctx.plan.period.is_open
    )


def _screen(plan, form=None, errors=None, status=200, message=None):
    me = _me()
    ctx = services.context(plan)
    evaluation = ctx.evaluation
    is_evaluator = _is_evaluator(me, ctx)
    if not is_evaluator:
        if evaluation is None or (plan.employee_id == me.id and not evaluation.is_final):
            # Nothing to show the employee yet (not even a draft's scores): say so.
            policy.authorize(me, Action.VIEW_PLAN, PlanRef(plan.employee, plan.period, plan))
        else:
            policy.authorize(me, Action.VIEW_EVALUATION, evaluation)
    form = form if form is not None else services.form_of(evaluation, ctx)
    editable = _editable(ctx, is_evaluator)
    if editable and message is None and not errors:
        message = services.split_evaluators(ctx, me)
    outcome = services.compute(ctx, form) if (editable or evaluation) else None
    hide_scores = plan.employee_id == me.id and (evaluation is None or not evaluation.is_final)
    follow_ups = []
    if evaluation is not None:
        follow_ups = list(
            db.session.scalars(
                select(FollowUpItem)
                .where(FollowUpItem.evaluation_id == evaluation.id)
                .order_by(FollowUpItem.due_date, FollowUpItem.id)
            )
        )
    return render(
        "evaluations/screen.html",
        plan=plan,
        ctx=ctx,
        evaluation=evaluation,
        form=form,
        errors=errors if errors is not None else {},
        outcome=outcome,
        editable=editable,
        hide_scores=hide_scores,
        follow_ups=follow_ups,
        message=message,
        aspects=perilaku_aspects(ctx.structural),
        berakhlak=scoring.BERAKHLAK,
        ratings=RATINGS,
        organisation_ratings=scoring.ORGANISATION_RATINGS,
        predikats=scoring.PREDIKAT_PP46 if plan.period.scheme == "pp46" else scoring.PREDIKAT_2022,
        follow_up_kinds=list(FollowUpKind),
        deadline=services.objection_deadline(evaluation) if evaluation else None,
        improvement_required=bool(evaluation and services.improvement_required(evaluation)),
        status=status,
    )


@bp.route("/evaluasi/<int:period_id>/pegawai/<int:employee_id>")
@login_required
def screen(period_id: int, employee_id: int):
    return _screen(_plan_or_404(period_id, employee_id))


@bp.route("/evaluasi/<int:period_id>/pegawai/<int:employee_id>/pratinjau", methods=["POST"])
@login_required
def preview(period_id: int, employee_id: int):
    """The live outcome as the evaluator changes the inputs (htmx, nothing saved)."""
    plan = _plan_or_404(period_id, employee_id)
    ctx = services.context(plan)
    if not _is_evaluator(_me(), ctx):
        raise PermissionDenied(_("Anda bukan pejabat penilai target pegawai ini."))
    # The fragment replaces the whole outcome card: it needs what the page gives the
    # partial (the rating choices, and whether it is still live), or the swapped-in card
    # comes back with empty, disabled selects and stops previewing.
    return render(
        "evaluations/_outcome.html",
        partial="evaluations/_outcome.html",
        outcome=services.compute(ctx, request.form),
        plan=plan,
        editable=_editable(ctx, True),
        ratings=RATINGS,
    )


@bp.route("/evaluasi/<int:period_id>/pegawai/<int:employee_id>", methods=["POST"])
@login_required
def save(period_id: int, employee_id: int):
    plan = _plan_or_404(period_id, employee_id)
    finish = request.form.get("action") == "finish"
    try:
        services.save(services.context(plan), request.form, _me(), finish=finish)
    except InvalidInput as exc:
        db.session.rollback()
        return _screen(plan, form=request.form, errors=exc.errors or {"_": exc.message}, status=422)
    except Conflict as exc:
        db.session.rollback()
        return _screen(plan, status=409, message=exc.message)
    db.session.commit()
    flash(
        _("Evaluasi selesai; semua target dievaluasi.")
        if finish
        else _("Draf evaluasi tersimpan."),
        "success",
    )
    return redirect(
        url_for("evaluations.screen", period_id=period_id, employee_id=employee_id), code=303
    )


def _back(evaluation: Evaluation):
    return redirect(
        url_for(
            "evaluations.screen", period_id=evaluation.period_id, employee_id=evaluation.employee_id
        ),
        code=303,
    )


def _act(evaluation_id: int, operation, done):
    """Run ``operation`` on the evaluation; on success flash ``done`` (lazily translated)."""
    evaluation = _evaluation_or_404(evaluation_id, Action.VIEW_EVALUATION)
    try:
        operation(evaluation)
    except (InvalidInput, Conflict) as exc:
        db.session.rollback()
        evaluation = db.session.get(Evaluation, evaluation_id)
        return _screen(
            evaluation.plan,
            errors=getattr(exc, "errors", {}) or {"_": exc.message},
            status=exc.status,
            message=exc.message,
        )
    db.session.commit()
    flash(str(done), "success")
    return _back(evaluation)


@bp.route("/evaluasi/<int:evaluation_id>/tanggapan", methods=["POST"])
@login_required
def respond(evaluation_id: int):
    return _act(
        evaluation_id,
        lambda e: services.respond(e, _me(), request.form),
        _l("Tanggapan Anda tercatat."),
    )


@bp.route("/evaluasi/<int:evaluation_id>/keberatan", methods=["POST"])
@login_required
def decide(evaluation_id: int):
    return _act(
        evaluation_id,
        lambda e: services.decide_objection(e, _me(), request.form),
        _l("Keputusan atas keberatan tercatat."),
    )


@bp.route("/evaluasi/<int:evaluation_id>/tindak-lanjut", methods=["POST"])
@login_required
def add_follow_up(evaluation_id: int):
    return _act(
        evaluation_id,
        lambda e: services.add_follow_up(e, _me(), request.form),
        _l("Butir tindak lanjut ditambahkan."),
    )


@bp.route("/evaluasi/<int:evaluation_id>/tindaklanjuti", methods=["POST"])
@login_required
def complete_follow_up(evaluation_id: int):
    def operation(evaluation):
        services.complete_follow_up(services.context(evaluation.plan), _me())

    return _act(evaluation_id, operation, _l("Semua target ditindaklanjuti."))


@bp.route("/tindak-lanjut/<int:item_id>/selesai", methods=["POST"])
@login_required
def close_item(item_id: int):
    item = db.session.get(FollowUpItem, item_id)
    if item is None or not policy.visible(_me(), item):
        abort(404)
    services.close_follow_up(item, _me())
    db.session.commit()
    flash(_("Butir tindak lanjut ditandai selesai."), "success")
    if is_fragment_request() or not request.referrer:
        return _back(item.evaluation)
    return redirect(request.referrer, code=303)


@bp.route("/evaluasi/<int:evaluation_id>/surat.pdf")
@login_required
def letter_pdf(evaluation_id: int):
    evaluation = _evaluation_or_404(evaluation_id, Action.VIEW_EVALUATION)
    if not evaluation.is_final:
        raise InvalidInput(_("Surat evaluasi dapat dicetak setelah evaluasi selesai."))
    pdf = letter.evaluation_letter(evaluation, _me())
    db.session.commit()
    name = f"evaluasi-{evaluation.employee.nip}-{evaluation.period_id}.pdf"
    return exports.download(pdf, name, exports.PDF)


@bp.route("/cek-surat")
@bp.route("/cek-surat/<code>")
def verify_letter(code: str | None = None):
    """Public: confirms a printed letter is genuine and shows its key figures."""
    code = (code or request.args.get("kode") or "").strip().upper()
    found = None
    if code:
        found = (
            db.session.scalar(select(Letter).where(Letter.code == code))
            if CODE.match(code)
            else None
        )
    # A genuine letter whose evaluation changed afterwards (an objection decided, say)
    # no longer states the evaluation: say so rather than confirm outdated figures.
    superseded = found is not None and found.figures != letter.figures_of(found.evaluation)
    return render(
        "evaluations/verify.html",
        code=code,
        letter=found,
        superseded=superseded,
        status=404 if code and found is None else 200,
    )


@bp.route("/surat/tim")
@login_required
def team_letters():
    """Choose a period and print every final evaluation of one's subordinates at once."""
    from portal.evaluations import batch
    from portal.home.queries import current_period

    me = _me()
    period_id = request.args.get("periode", type=int)
    period = db.session.get(Period, period_id) if period_id else current_period(me.instansi_id)
    if period is None or not policy.visible(me, period):
        abort(404)
    evaluations = batch.printable(me, period, batch.subtree_ids(me))
    periods = db.session.scalars(
        select(Period).where(Period.instansi_id == me.instansi_id).order_by(Period.start_date)
    ).all()
    return render(
        "evaluations/team_letters.html", period=period, periods=periods, evaluations=evaluations
    )


@bp.route("/surat/tim", methods=["POST"])
@login_required
def start_team_letters():
    from portal import jobs
    from portal.evaluations import batch

    me = _me()
    period = db.session.get(Period, request.form.get("period_id", type=int) or 0)
    if period is None or not policy.visible(me, period):
        abort(404)
    evaluations = batch.printable(me, period, batch.subtree_ids(me))
    if not evaluations:
        raise InvalidInput(_("Belum ada evaluasi selesai yang dapat dicetak pada periode ini."))
    job = jobs.enqueue(
        "unit_letters", {"period_id": period.id, "evaluation_ids": [e.id for e in evaluations]}, me
    )
    return redirect(url_for("evaluations.job", job_id=job.id), code=303)


def _job_or_404(job_id: int):
    from portal.models import Job

    job = db.session.get(Job, job_id)
    if job is None or job.created_by_id != _me().id:
        abort(404)
    return job


@bp.route("/pekerjaan/<int:job_id>")
@login_required
def job(job_id: int):
    """Progress of a background job; htmx polls the partial until it is finished. (A
    stale job is revived by the worker or ``flask jobs-revive``, never by this page.)"""
    job = _job_or_404(job_id)
    return render("evaluations/job.html", partial="evaluations/_job.html", job=job)


@bp.route("/pekerjaan/<int:job_id>/unduh")
@login_required
def job_download(job_id: int):
    from portal import jobs

    job = _job_or_404(job_id)
    if job.status != "done" or not job.result_name:
        abort(404)
    return exports.download(jobs.results_folder() / job.result_name, job.result_name, exports.PDF)


@bp.route("/surat/rekap")
@login_required
def recap_pdf():
    """The unit recap for the evaluation meeting: every subordinate, score, predikat and
    follow-up status."""
    from dataclasses import dataclass

    from sqlalchemy import func

    from portal import clock, letters
    from portal.evaluations import batch
    from portal.home.queries import current_period

    me = _me()
    period_id = request.args.get("periode", type=int)
    period = db.session.get(Period, period_id) if period_id else current_period(me.instansi_id)
    if period is None or not policy.visible(me, period):
        abort(404)
    ids = batch.subtree_ids(me)
    if not ids:
        raise PermissionDenied(_("Rekap tim hanya untuk atasan yang memiliki bawahan."))
    people = db.session.scalars(
        select(Employee).where(Employee.id.in_(ids)).order_by(Employee.name)
    ).all()
    evaluations = {
        e.employee_id: e
        for e in db.session.scalars(
            select(Evaluation).where(
                Evaluation.period_id == period.id, Evaluation.employee_id.in_(ids)
            )
        )
    }
    counts = {
        (employee_id, status): n
        for employee_id, status, n in db.session.execute(
            select(FollowUpItem.employee_id, FollowUpItem.status, func.count())
            .join(Evaluation, Evaluation.id == FollowUpItem.evaluation_id)
            .where(Evaluation.period_id == period.id, FollowUpItem.employee_id.in_(ids))
            .group_by(FollowUpItem.employee_id, FollowUpItem.status)
        )
    }

    @dataclass
    class Row:
        employee: Employee
        evaluation: Evaluation | None
        open_items: int
        done_items: int

    rows = [
        Row(p, evaluations.get(p.id), counts.get((p.id, "open"), 0), counts.get((p.id, "done"), 0))
        for p in people
    ]
    pdf = letters.render_pdf(
        "letters/recap.html", supervisor=me, period=period, rows=rows, today=clock.today()
    )
    return exports.download(pdf, f"rekap-evaluasi-{period.id}.pdf", exports.PDF)
