"""The workflow buttons: one trigger on one target (from its card or its page, htmx or
not), and the same trigger on the chosen targets of a plan."""

from __future__ import annotations

from collections.abc import Callable

from flask import flash, redirect, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import login_required

from portal.errors import Conflict, DomainError, InvalidInput
from portal.extensions import db
from portal.models import Target
from portal.models.plans import load_target
from portal.plans import bp, queries
from portal.plans.forms import BulkForm, TransitionForm, fresh_comment_form
from portal.plans.routes import loading
from portal.plans.routes.plan import target_page
from portal.web import badge_count, is_fragment_request, redirect_back, render
from portal.web import current_employee as _me
from workflows import engine
from workflows.targets import TRIGGER_DONE


def _fragment(target: Target, view: str, *, status: int = 200, message: str | None = None):
    """The part of the page an action changed — the target's card on the plan, or the
    main part of the target page — with the inbox badge as an out-of-band swap."""
    context = {
        "message": message,
        "message_level": "success" if status < 400 else "warning",
        "badge_count": badge_count(),
    }
    if view == "card":
        context.update(fragment="plans/_target_card.html", card=queries.target_card(_me(), target))
    else:
        context.update(
            fragment="plans/_target_main.html",
            page=target_page(target),
            comment=fresh_comment_form(),
        )
    return render("plans/_fired.html", status=status, **context)


@bp.route("/target/<int:target_id>/aksi/<trigger>", methods=["POST"])
@login_required
def fire(target_id: int, trigger: str):
    target = loading.target(target_id)
    form = TransitionForm()
    view = form.view.data
    try:
        if not form.validate():
            raise InvalidInput(form.first_error())
        engine.fire(
            target,
            trigger,
            _me(),
            reason=form.reason.data or "",
            expected_version=form.version.data,
        )
    except (Conflict, InvalidInput) as exc:
        db.session.rollback()
        if not is_fragment_request():
            flash(exc.message, "warning" if exc.status == 409 else "error")
            return redirect(url_for("plans.target", target_id=target_id), code=303)
        return _fragment(load_target(target_id), view, status=exc.status, message=exc.message)
    done = TRIGGER_DONE[trigger] if trigger in TRIGGER_DONE else _("Tersimpan")
    if not is_fragment_request():
        title = target.title
        db.session.commit()
        flash(_("%(done)s: “%(title)s”.", done=done, title=title), "success")
        return redirect_back(url_for("plans.target", target_id=target_id))
    # Rendered from the objects in hand, which hold what this request wrote; committing
    # first would expire them and load the whole target again.
    response = _fragment(target, view, message=f"{done}.")
    db.session.commit()
    return response


def _bulk(period_id: int, employee_id: int, trigger: str, done: Callable[[int], str]):
    """Fire ``trigger`` on the chosen targets; ``done(n)`` says that n of them went through."""
    ref = loading.plan_ref(period_id, employee_id)
    form = BulkForm()
    if not form.validate():
        raise InvalidInput(next(str(m[0]) for m in form.errors.values() if m))
    targets = {t.id: t for t in (queries.plan_targets(ref.plan.id) if ref.plan else [])}
    results = []
    for target_id, version in form.target.data.items():
        target = targets.get(target_id)
        if target is None:
            results.append((None, _("Target tidak ditemukan pada SKP ini.")))
            continue
        try:
            with db.session.begin_nested():
                engine.fire(target, trigger, _me(), expected_version=version)
            results.append((target, None))
        except DomainError as exc:
            results.append((target, exc.message))
    db.session.commit()
    succeeded = sum(1 for _, error in results if error is None)
    if succeeded:
        flash(done(succeeded), "success")
    for target, error in results:
        if error is None:
            continue
        if target is not None:
            error = _("“%(title)s”: %(error)s", title=target.title, error=error)
        flash(error, "error")
    return redirect(url_for("plans.plan", period_id=period_id, employee_id=employee_id), code=303)


@bp.route("/skp/<int:period_id>/pegawai/<int:employee_id>/setujui", methods=["POST"])
@login_required
def bulk_approve(period_id: int, employee_id: int):
    return _bulk(
        period_id,
        employee_id,
        "approve",
        lambda n: ngettext("%(num)d target disetujui.", "%(num)d target disetujui.", n),
    )


@bp.route("/skp/<int:period_id>/pegawai/<int:employee_id>/ajukan", methods=["POST"])
@login_required
def bulk_submit(period_id: int, employee_id: int):
    return _bulk(
        period_id,
        employee_id,
        "submit",
        lambda n: ngettext(
            "%(num)d target diajukan ke atasan.", "%(num)d target diajukan ke atasan.", n
        ),
    )
