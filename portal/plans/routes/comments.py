"""The target's discussion: a comment, answered with the discussion (htmx) or the page."""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_login import login_required

from portal import policy
from portal.errors import InvalidInput
from portal.extensions import db
from portal.models import Target
from portal.plans import bp, queries, services
from portal.plans.forms import CommentForm, fresh_comment_form
from portal.plans.routes import loading
from portal.policy import Action
from portal.web import current_employee as _me
from portal.web import is_fragment_request, render


def _discussion(target: Target, form: CommentForm, *, status: int = 200, error: str = ""):
    return render(
        "plans/_discussion.html",
        partial="plans/_discussion.html",
        status=status,
        target=target,
        timeline=queries.timeline(target.id),
        may_comment=policy.can(_me(), Action.COMMENT_TARGET, target),
        comment=form,
        error=error,
    )


@bp.route("/target/<int:target_id>/komentar", methods=["POST"])
@login_required
def comment(target_id: int):
    target = loading.target(target_id)
    form = CommentForm()
    try:
        if not form.validate():
            # The policy's refusal comes before any complaint about the text.
            policy.authorize(_me(), Action.COMMENT_TARGET, target)
            raise InvalidInput(form.first_error(), field="body")
        services.add_comment(target, _me(), form.body.data, form.form_token.data)
    except InvalidInput as exc:
        db.session.rollback()
        if not is_fragment_request():
            flash(exc.message, "error")
            return redirect(url_for("plans.target", target_id=target_id), code=303)
        return _discussion(target, form, status=422, error=exc.message)
    db.session.commit()
    if not is_fragment_request():
        return redirect(url_for("plans.target", target_id=target_id) + "#diskusi", code=303)
    return _discussion(target, fresh_comment_form())
