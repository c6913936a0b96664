from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal import audit, clock, policy
from portal.extensions import db
from portal.home import bp, queries
from portal.inbox import queries as inbox_queries
from portal.notify import queries as notify_queries
from portal.policy import Action
from portal.routing import current_period
from portal.web import redirect_back, render


@bp.route("/")
@login_required
def index():
    user = current_user._get_current_object()
    overview = None
    if user.is_admin or user.is_superadmin:
        policy.authorize(user, Action.VIEW_INSTANSI, user.instansi)
        overview = queries.instansi_overview(user.instansi_id)
    period = current_period(user.instansi_id)
    inbox = inbox_queries.inbox(user)
    return render(
        "home/index.html",
        period=period,
        plan_counts=queries.plan_state_counts(user.id, period.id) if period else {},
        subordinates=queries.subordinates(user.id),
        inbox=inbox,
        badge_count=inbox.count,
        unread_count=notify_queries.unread_count(user.id),
        follow_ups=queries.open_follow_ups(user.id),
        today=clock.today(),
        overview=overview,
    )


@bp.route("/pengaturan/bahasa", methods=["POST"])
@login_required
def set_language():
    user = current_user._get_current_object()
    policy.authorize(user, Action.EDIT_OWN_SETTINGS, user)
    language = request.form.get("language", "")
    if language not in ("id", "en"):
        flash(_("Bahasa tidak dikenal."), "error")
        return redirect(url_for("home.index"), code=303)
    if user.language != language:
        audit.record(
            "employee.language", user, summary={"changes": {"language": [user.language, language]}}
        )
        user.language = language
        db.session.commit()
    return redirect_back(url_for("home.index"))
