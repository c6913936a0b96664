"""``/pemberitahuan``: the list, opening one (marked read, then where the work is),
marking one or all read, and the unread badge for htmx refreshes."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import login_required

from portal import web
from portal.extensions import db
from portal.forms import validate_or_raise
from portal.models import Notification
from portal.notify import bp, forms, queries, services
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


@bp.route("/pemberitahuan/jumlah")
@login_required
def badge():
    return render("notify/_badge.html", unread_count=web.unread_count())
