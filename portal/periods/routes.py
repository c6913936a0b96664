"""The admin's periods: list, prepare, change, open, close (after a summary), reopen."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from portal import policy
from portal.errors import Conflict, InvalidInput
from portal.extensions import db
from portal.models import Period
from portal.models.periods import PeriodStatus
from portal.periods import bp, queries, services
from portal.periods.forms import EditPeriodForm, PeriodForm, ReasonForm
from portal.policy import Action
from portal.routing import load_or_404
from portal.web import current_employee, render

_me = current_employee

# ``periods/_status.html`` draws every period's status (the home page's too) from this.
bp.add_app_template_global(queries.status_tag, "period_status_tag")


def _period_or_404(period_id: int) -> Period:
    """The period, if the signed-in admin manages its instansi (404 outside it, 403 for
    anyone else inside it)."""
    return load_or_404(Period, period_id, Action.MANAGE_INSTANSI)


def _index(status: int = 200, message: str | None = None):
    me = _me()
    return render(
        "periods/index.html",
        rows=queries.instansi_periods(me.instansi_id),
        message=message,
        status=status,
    )


@bp.route("/admin/periode")
@login_required
def index():
    me = _me()
    policy.authorize(me, Action.MANAGE_INSTANSI, me.instansi)
    return _index()


@bp.route("/admin/periode/baru", methods=["GET", "POST"])
@login_required
def create():
    me = _me()
    policy.authorize(me, Action.MANAGE_INSTANSI, me.instansi)
    form = PeriodForm()
    if not form.is_submitted():
        return render("periods/form.html", form=form, period=None, locks=form.locks)
    if form.validate():
        try:
            period, created = services.create_period(form.to_input(), me.instansi, me)
        except InvalidInput as exc:
            db.session.rollback()
            form.add_errors(exc.errors)
        else:
            db.session.commit()
            _flash_created(period, created)
            return redirect(url_for("periods.index"), code=303)
    return render("periods/form.html", form=form, period=None, locks=form.locks, status=422)


def _flash_created(period: Period, created: bool) -> None:
    if created:
        flash(
            _(
                "Periode %(name)s disiapkan. Pegawai dapat menyusun SKP setelah periode dibuka.",
                name=period.name,
            ),
            "success",
        )
    else:
        flash(_("Periode %(name)s sudah ada; tidak dibuat dua kali.", name=period.name), "info")


def _edit_form(period: Period, form: PeriodForm, status: int = 200, message=None):
    return render(
        "periods/form.html",
        form=form,
        period=period,
        locks=form.locks,
        seen=services.fingerprint(period),
        message=message,
        status=status,
    )


@bp.route("/admin/periode/<int:period_id>/ubah", methods=["GET", "POST"])
@login_required
def edit(period_id: int):
    period = _period_or_404(period_id)
    if period.status == PeriodStatus.CLOSED:
        raise Conflict(services.closed_message(period, "change"))
    locks = queries.locks_of(period)
    if request.method == "GET":
        return _edit_form(period, EditPeriodForm.of(period, locks))
    form = EditPeriodForm(current=period, locks=locks)
    if not form.validate():
        return _edit_form(period, form, status=422)
    try:
        changes = services.update_period(period, form.to_input(), _me(), form.seen.data)
    except InvalidInput as exc:
        db.session.rollback()
        form.add_errors(exc.errors)
        return _edit_form(period, form, status=422)
    except Conflict as exc:
        db.session.rollback()
        period = _period_or_404(period_id)
        if period.status == PeriodStatus.CLOSED:
            raise
        # Someone else changed it since the form was shown: show theirs, keep nothing.
        fresh = EditPeriodForm.of(period, queries.locks_of(period))
        return _edit_form(period, fresh, status=409, message=exc.message)
    db.session.commit()
    if changes:
        flash(_("Perubahan periode %(name)s tersimpan.", name=period.name), "success")
    else:
        flash(_("Tidak ada yang berubah."), "info")
    return redirect(url_for("periods.index"), code=303)


@bp.route("/admin/periode/<int:period_id>/buka", methods=["POST"])
@login_required
def open_(period_id: int):
    period = _period_or_404(period_id)
    try:
        services.open_period(period, _me())
    except Conflict as exc:
        db.session.rollback()
        return _index(status=409, message=exc.message)
    db.session.commit()
    flash(
        _("Periode %(name)s dibuka. Pegawai kini dapat menyusun SKP.", name=period.name), "success"
    )
    return redirect(url_for("periods.index"), code=303)


def _close_page(period: Period, status: int = 200, message: str | None = None):
    return render(
        "periods/close.html",
        period=period,
        view=queries.PeriodView(period),
        summary=queries.close_summary(period),
        message=message,
        status=status,
    )


@bp.route("/admin/periode/<int:period_id>/tutup", methods=["GET", "POST"])
@login_required
def close(period_id: int):
    period = _period_or_404(period_id)
    if request.method == "GET":
        return _close_page(period)
    try:
        services.close_period(period, _me())
    except Conflict as exc:
        db.session.rollback()
        return _close_page(_period_or_404(period_id), status=409, message=exc.message)
    db.session.commit()
    flash(
        _(
            "Periode %(name)s ditutup. Rencana, laporan dan evaluasinya tidak dapat diubah lagi.",
            name=period.name,
        ),
        "success",
    )
    return redirect(url_for("periods.index"), code=303)


def _reopen_page(period: Period, form: ReasonForm, status: int = 200, message=None):
    return render(
        "periods/reopen.html",
        period=period,
        view=queries.PeriodView(period),
        form=form,
        message=message,
        status=status,
    )


@bp.route("/admin/periode/<int:period_id>/buka-kembali", methods=["GET", "POST"])
@login_required
def reopen(period_id: int):
    period = _period_or_404(period_id)
    form = ReasonForm()
    if request.method == "GET":
        return _reopen_page(period, form)
    if not form.validate():
        return _reopen_page(period, form, status=422)
    try:
        services.reopen_period(period, _me(), form.reason.data)
    except Conflict as exc:
        db.session.rollback()
        return _reopen_page(_period_or_404(period_id), form, status=409, message=exc.message)
    db.session.commit()
    flash(
        _(
            "Periode %(name)s dibuka kembali; perubahan di dalamnya kembali dapat dilakukan.",
            name=period.name,
        ),
        "success",
    )
    return redirect(url_for("periods.index"), code=303)
