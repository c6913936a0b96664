"""``/perlu-tindakan``: the inbox page, and its badge for htmx refreshes."""

from __future__ import annotations

from flask_login import login_required

from portal import web
from portal.inbox import bp, queries
from portal.notify import queries as notify_queries
from portal.web import current_employee, render


@bp.route("/perlu-tindakan")
@login_required
def index():
    user = current_employee()
    inbox = queries.inbox(user)
    return render(
        "inbox/index.html",
        inbox=inbox,
        badge_count=inbox.count,
        unread_count=notify_queries.unread_count(user.id),
    )


@bp.route("/perlu-tindakan/jumlah")
@login_required
def badge():
    return render("partials/_inbox_badge.html", badge_count=web.badge_count())


@web.provide_badge_count
def _count(user) -> tuple[int, int]:
    return queries.badges(user)
