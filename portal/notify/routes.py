"""``/pemberitahuan``: the list, opening one (marked read, then where the work is),
marking one or all read, and the unread badge for htmx refreshes."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import login_required

from portal import policy, web
from portal.extensions import db
from portal.forms import validate_or_raise
from portal.models import EvaluatorReport, Notification
from portal.notify import bp, evaluator_reports, forms, queries, services
from portal.policy import Action
from portal.routing import load_or_404
from portal.web import arg_id, current_employee, redirect_back, render

UNREAD_ONLY = "belum-dibaca"


@bp.route("/pemberitahuan")
@login_required
def index():
    user = current_employee()
    only_unread = request.args.get("tampil") == UNREAD_ONLY
    pager = queries.page(user.id, arg_id("page", 1), only_unread)
    return render(
        "notify/index.html",
        notifications=[queries.view(n) for n in pager.items],
        pager=pager,
        only_unread=only_unread,
        filter_arg=UNREAD_ONLY,
        newest_id=queries.newest_id(user.id),
        form=forms.MarkAllForm(),
    )


def _own(notification_id: int) -> Notification:
    return load_or_404(Notification, notification_id, Action.READ_NOTIFICATION)


@bp.route("/pemberitahuan/<int:notification_id>/buka", methods=["POST"])
@login_required
def open_one(notification_id: int):
    notification = _own(notification_id)
    services.mark_read(notification, current_employee())
    target = queries.link(notification)
    db.session.commit()
    return redirect(target, code=303)


@bp.route("/pemberitahuan/<int:notification_id>/dibaca", methods=["POST"])
@login_required
def mark_read(notification_id: int):
    notification = _own(notification_id)
    services.mark_read(notification, current_employee())
    db.session.commit()
    if web.is_fragment_request():
        return render(
            "notify/_row.html",
            partial="notify/_row.html",
            item=queries.view(notification),
            unread_count=queries.unread_count(current_employee().id),
            oob_badge=True,
        )
    return redirect_back(url_for("notify.index"))


@bp.route("/pemberitahuan/dibaca-semua", methods=["POST"])
@login_required
def mark_all_read():
    form = forms.MarkAllForm()
    validate_or_raise(form)
    changed = services.mark_all_read(current_employee(), form.upto.data)
    db.session.commit()
    flash(
        ngettext(
            "%(num)s pemberitahuan ditandai sudah dibaca.",
            "%(num)s pemberitahuan ditandai sudah dibaca.",
            changed,
        )
        if changed
        else _("Tidak ada pemberitahuan yang belum dibaca."),
        "success" if changed else "info",
    )
    return redirect(url_for("notify.index"), code=303)


@bp.route("/pejabat-penilai-salah", methods=["POST"])
@login_required
def report_wrong_evaluator():
    user = current_employee()
    form = forms.WrongEvaluatorForm()
    if not form.validate():
        flash(next(iter(form.errors_by_field().values())), "error")
        return redirect_back(url_for("plans.my_plan"))
    made = evaluator_reports.report(user, (form.note.data or "").strip())[1]
    db.session.commit()
    flash(
        _("Laporan terkirim ke admin kepegawaian. Anda akan diberi tahu setelah diperbaiki.")
        if made
        else _("Laporan Anda sudah diterima admin dan sedang diproses."),
        "success" if made else "info",
    )
    return redirect_back(url_for("plans.my_plan"))


@bp.route("/admin/laporan-pejabat-penilai/<int:report_id>/tutup", methods=["POST"])
@login_required
def close_evaluator_report(report_id: int):
    row = load_or_404(EvaluatorReport, report_id)
    policy.authorize(current_employee(), Action.MANAGE_EMPLOYEE, row.employee)
    form = forms.CloseReportForm()
    back = url_for("reassign.supervisor", employee_id=row.employee_id)
    if not form.validate():
        flash(next(iter(form.errors_by_field().values())), "error")
        return redirect(back, code=303)
    evaluator_reports.close(row, current_employee(), form.version.data, form.reason.data.strip())
    db.session.commit()
    flash(_("Laporan ditutup; pegawai diberi tahu alasannya."), "success")
    return redirect(back, code=303)


@bp.route("/pemberitahuan/jumlah")
@login_required
def badge():
    return render("notify/_badge.html", unread_count=web.unread_count())
