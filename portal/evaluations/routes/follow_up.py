"""The follow-up plan: add an item, close one, follow up every evaluated target."""

from __future__ import annotations

from flask import flash, redirect, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required

from portal.evaluations import bp, queries, services
from portal.evaluations.forms import FollowUpForm
from portal.evaluations.routes.screen import act, back
from portal.extensions import db
from portal.models import FollowUpItem
from portal.policy import Action
from portal.routing import load_or_404
from portal.web import current_employee, is_fragment_request, same_site_path


@bp.route("/evaluasi/<int:evaluation_id>/tindak-lanjut", methods=["POST"])
@login_required
def add_follow_up(evaluation_id: int):
    return act(
        evaluation_id,
        Action.PLAN_FOLLOW_UP,
        lambda e, form: services.add_follow_up(e, current_employee(), form.typed()),
        _l("Butir tindak lanjut ditambahkan."),
        FollowUpForm,
        section="followup",
    )


@bp.route("/evaluasi/<int:evaluation_id>/tindaklanjuti", methods=["POST"])
@login_required
def complete_follow_up(evaluation_id: int):
    return act(
        evaluation_id,
        Action.VIEW_EVALUATION,  # the service asks for PLAN_FOLLOW_UP once it is final
        lambda e, _form: services.complete_follow_up(queries.context(e.plan), current_employee()),
        _l("Semua target ditindaklanjuti."),
        section="followup",
    )


@bp.route("/tindak-lanjut/<int:item_id>/selesai", methods=["POST"])
@login_required
def close_item(item_id: int):
    item = load_or_404(FollowUpItem, item_id)
    services.close_follow_up(item, current_employee())
    db.session.commit()
    flash(_("Butir tindak lanjut ditandai selesai."), "success")
    target = None if is_fragment_request() else same_site_path(request.referrer)
    return redirect(target, code=303) if target else back(item.evaluation)
