"""``/admin/pengingat``: the instansi's reminder thresholds, for its admins."""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import login_required

from portal import policy
from portal.errors import Conflict
from portal.extensions import db
from portal.notify import bp, thresholds
from portal.notify.forms import ThresholdsForm
from portal.policy import Action
from portal.web import current_employee, render


def _page(form: ThresholdsForm, status: int = 200, message: str | None = None):
    return render(
        "notify/thresholds.html",
        form=form,
        defaults=thresholds.defaults(),
        message=message,
        status=status,
    )


@bp.route("/admin/pengingat", methods=["GET", "POST"])
@login_required
def reminder_thresholds():
    me = current_employee()
    policy.authorize(me, Action.MANAGE_REMINDERS, me.instansi)
    form = ThresholdsForm()
    if not form.is_submitted():
        return _page(ThresholdsForm.of(thresholds.current(me.instansi_id)))
    if not form.validate():
        return _page(form, status=422)
    try:
        changes = thresholds.save(me.instansi, me, form.to_thresholds(), form.version.data)
    except Conflict as exc:
        db.session.rollback()
        # Someone else saved since the form was shown: theirs, and nothing of this post.
        fresh = ThresholdsForm.of(thresholds.current(me.instansi_id))
        return _page(fresh, status=409, message=exc.message)
    db.session.commit()
    if changes:
        flash(_("Ambang pengingat tersimpan."), "success")
    else:
        flash(_("Tidak ada yang berubah."), "info")
    return redirect(url_for("notify.reminder_thresholds"), code=303)
