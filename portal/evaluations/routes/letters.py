"""Letters: one evaluation's PDF, the public check of a printed letter, the team's
letters as a background job, and the unit recap for the evaluation meeting."""

from __future__ import annotations

import re

from flask import flash, redirect, request, url_for
from flask_login import login_required
from sqlalchemy import select

from portal import clock, exports, jobs, letters, policy
from portal.errors import InvalidInput, NotFound, PermissionDenied
from portal.evaluations import batch, bp, letter, queries
from portal.evaluations.forms import TeamLettersForm
from portal.evaluations.messages import (
    LETTER_AFTER_FINISH,
    NOTHING_TO_PRINT,
    PRINT_FIRST,
    RECAP_NEEDS_SUBORDINATES,
)
from portal.evaluations.routes.screen import back
from portal.extensions import db
from portal.forms import PortalForm, validate_or_raise
from portal.models import Evaluation, Job, Letter, Period
from portal.policy import Action
from portal.routing import current_period, load_or_404
from portal.web import arg_id, current_employee, render

CODE = re.compile(r"^[A-Z2-7]{4}(-[A-Z2-7]{4}){3}$")


def _chosen_period() -> Period:
    """The period in ``?periode=``, else the current one; 404 if none is visible."""
    period_id = arg_id("periode")
    if period_id:
        return load_or_404(Period, period_id)
    period = current_period(current_employee().instansi_id)
    if period is None:
        raise NotFound(policy.NOT_FOUND)
    return period


def _final_evaluation(evaluation_id: int) -> Evaluation:
    evaluation = load_or_404(Evaluation, evaluation_id, Action.VIEW_EVALUATION)
    if not evaluation.is_final:
        raise InvalidInput(str(LETTER_AFTER_FINISH))
    return evaluation


@bp.route("/evaluasi/<int:evaluation_id>/cetak", methods=["POST"])
@login_required
def print_letter(evaluation_id: int):
    """Record the letter (its verification code) and audit the print, then download it:
    the record is written here, by a POST, never by the download's GET."""
    evaluation = _final_evaluation(evaluation_id)
    validate_or_raise(PortalForm())
    letter.print_letter(evaluation, current_employee())
    db.session.commit()
    return redirect(url_for("evaluations.letter_pdf", evaluation_id=evaluation_id), code=303)


@bp.route("/evaluasi/<int:evaluation_id>/surat.pdf")
@login_required
def letter_pdf(evaluation_id: int):
    """The recorded letter as a PDF. A GET writes nothing: a letter not printed yet (or
    whose evaluation changed since) sends the user to the screen's "cetak" button."""
    evaluation = _final_evaluation(evaluation_id)
    pdf = letter.recorded_letter_pdf(evaluation)
    if pdf is None:
        flash(str(PRINT_FIRST), "info")
        return back(evaluation)
    return exports.download(
        pdf, f"evaluasi-{evaluation.employee.nip}-{evaluation.period_id}.pdf", exports.PDF
    )


@bp.route("/cek-surat")
@bp.route("/cek-surat/<code>")
def verify_letter(code: str | None = None):
    """Public: confirms a printed letter is genuine and shows its key figures."""
    code = (code or request.args.get("kode") or "").strip().upper()
    found = None
    if code and CODE.match(code):
        found = db.session.scalar(select(Letter).where(Letter.code == code))
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
    me = current_employee()
    period = _chosen_period()
    return render(
        "evaluations/team_letters.html",
        period=period,
        periods=queries.instansi_periods(me.instansi_id),
        evaluations=batch.printable(me, period, batch.subtree_ids(me)),
    )


@bp.route("/surat/tim", methods=["POST"])
@login_required
def start_team_letters():
    me = current_employee()
    form = TeamLettersForm()
    if not form.validate():
        raise NotFound(policy.NOT_FOUND)
    period = load_or_404(Period, form.period_id.data)
    evaluations = batch.printable(me, period, batch.subtree_ids(me))
    if not evaluations:
        raise InvalidInput(str(NOTHING_TO_PRINT))
    job = jobs.enqueue(
        "unit_letters", {"period_id": period.id, "evaluation_ids": [e.id for e in evaluations]}, me
    )
    return redirect(url_for("evaluations.job", job_id=job.id), code=303)


def _own_job(job_id: int) -> Job | None:
    job = db.session.get(Job, job_id)
    return job if job is not None and job.created_by_id == current_employee().id else None


@bp.route("/pekerjaan/<int:job_id>")
@login_required
def job(job_id: int):
    """Progress of a background job; htmx polls the partial until it is finished. (A
    stale job is revived by the worker or ``flask jobs-revive``, never by this page.)"""
    job = load_or_404(_own_job, job_id)
    return render(
        "evaluations/job.html", partial="evaluations/_job.html", view=queries.job_view(job)
    )


@bp.route("/pekerjaan/<int:job_id>/unduh")
@login_required
def job_download(job_id: int):
    job = load_or_404(_own_job, job_id)
    if not queries.job_view(job).done or not job.result_name:
        raise NotFound(policy.NOT_FOUND)
    return exports.download(jobs.results_folder() / job.result_name, job.result_name, exports.PDF)


@bp.route("/surat/rekap")
@login_required
def recap_pdf():
    """The unit recap for the evaluation meeting: every subordinate, score, predikat and
    follow-up status."""
    me = current_employee()
    period = _chosen_period()
    ids = batch.subtree_ids(me)
    if not ids:
        raise PermissionDenied(str(RECAP_NEEDS_SUBORDINATES))
    pdf = letters.render_pdf(
        "letters/recap.html",
        supervisor=me,
        period=period,
        rows=queries.recap_rows(period, ids),
        today=clock.today(),
    )
    return exports.download(pdf, f"rekap-evaluasi-{period.id}.pdf", exports.PDF)
