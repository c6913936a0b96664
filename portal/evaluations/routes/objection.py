"""The employee's response to a final evaluation, and the decision on an objection."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_login import login_required

from portal.evaluations import bp, services
from portal.evaluations.forms import DecisionForm, ResponseForm
from portal.evaluations.routes.screen import act
from portal.policy import Action
from portal.web import current_employee


@bp.route("/evaluasi/<int:evaluation_id>/tanggapan", methods=["POST"])
@login_required
def respond(evaluation_id: int):
    return act(
        evaluation_id,
        Action.RESPOND_EVALUATION,
        lambda e, form: services.respond(e, current_employee(), form.typed()),
        _l("Tanggapan Anda tercatat."),
        ResponseForm,
        section="response",
    )


@bp.route("/evaluasi/<int:evaluation_id>/keberatan", methods=["POST"])
@login_required
def decide(evaluation_id: int):
    return act(
        evaluation_id,
        Action.DECIDE_OBJECTION,
        lambda e, form: services.decide_objection(e, current_employee(), form.typed()),
        _l("Keputusan atas keberatan tercatat."),
        DecisionForm,
        section="response",
    )
