"""Reassigning workflows: the admin's screens and the interim note on the target page.

Each screen shows a preview computed by ``handovers``, ``supervisor_changes`` or
``single_target`` and confirms it with the preview's token: what the admin saw is what
changes, or the answer is 409 with the fresh preview.
"""

from __future__ import annotations

from functools import partial

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from portal import policy
from portal.errors import Conflict, InvalidInput
from portal.extensions import db
from portal.models import Employee, Target
from portal.plans.queries import load_target
from portal.policy import Action
from portal.reassign import bp, handovers, notes, queries, single_target, supervisor_changes
from portal.reassign.acting import ACTING
from portal.reassign.work import Recipient
from portal.web import current_employee, form_version, render, whole_number

_me = current_employee

TICKED = ("1", "on", "y", "true")


def _employee_or_404(employee_id: int) -> Employee:
    employee = db.session.get(Employee, employee_id)
    if employee is None:
        abort(404)
    policy.authorize(_me(), Action.MANAGE_EMPLOYEE, employee)
    return employee


def _target_or_404(target_id: int, action: Action) -> Target:
    target = load_target(target_id)
    if target is None:
        abort(404)
    policy.authorize(_me(), action, target)
    return target


def _person(raw: str | None) -> Employee | None:
    """The person a picker chose (an id). Whether they may be chosen is the service's
    question, answered in words."""
    person_id = whole_number(raw)
    return db.session.get(Employee, person_id) if person_id is not None else None


def _errors(exc: InvalidInput) -> dict:
    return exc.errors or {"_": exc.message}


def _ticked(form, name: str, default: bool) -> bool:
    """A checkbox: its default until the form was sent (an unticked box sends nothing)."""
    if "step" not in form:
        return default
    return form.get(name) in TICKED


def _search(form, exclude: set[int]) -> tuple[str, list[Employee]]:
    q = (form.get("q") or "").strip()[:100]
    return q, queries.candidates(_me().instansi_id, q, exclude)


# -- the list of supervisors --------------------------------------------------------------


@bp.route("/admin/pengalihan")
@login_required
def index():
    me = _me()
    policy.authorize(me, Action.MANAGE_EMPLOYEE, me.instansi)
    query = (request.args.get("q") or "").strip()[:100]
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    rows, total, page = queries.supervisors(me.instansi_id, query, page)
    pages = max((total + queries.PAGE_SIZE - 1) // queries.PAGE_SIZE, 1)
    return render(
        "reassign/index.html",
        partial="reassign/_supervisors.html",
        rows=rows,
        query=query,
        page=page,
        pages=pages,
        total=total,
    )


@bp.route("/admin/pengalihan/cari")
@login_required
def people_search():
    """The person picker's options (htmx): active employees matching a NIP or a name."""
    me = _me()
    policy.authorize(me, Action.MANAGE_EMPLOYEE, me.instansi)
    field = request.args.get("field") if request.args.get("field") in ("to", "atasan") else "to"
    exclude = {int(i) for i in (request.args.get("exclude") or "").split(",") if i.isdigit()}
    selected = _person(request.args.get("selected"))
    if selected is not None and not policy.visible(me, selected):
        selected = None
    q, candidates = _search(request.args, exclude)
    return render(
        "reassign/_picker_options.html",
        field=field,
        q=q,
        candidates=candidates,
        selected=selected,
        error=None,
    )


def _preview_step(form, person, recipient: Recipient, make_preview, errors: dict, status: int):
    """The preview for the person chosen in ``form``, or the errors that stop it, with
    the page's status. ``recipient`` says what is missing when the form was sent on
    without anyone chosen; a search (``cari``) only lists candidates."""
    searching = bool(form.get("cari"))
    if person is not None and not searching:
        try:
            return make_preview(), status
        except InvalidInput as exc:
            errors.update(_errors(exc))
            return None, 422 if status == 200 else status
    if "step" in form and not searching:
        errors[recipient.field] = str(recipient.missing)
        return None, 422
    return None, status


def _shown(person: Employee | None) -> Employee | None:
    """A chosen person, unless they are of an instansi the user may not see."""
    return person if person is not None and policy.visible(_me(), person) else None


def _confirm(act, page):
    """Carry out a confirmed reassignment: ``(result, None)`` once committed, or
    ``(None, response)``: ``page`` again with what refused it (422), or with the fresh
    preview and why the old one went stale (409), nothing changed."""
    try:
        result = act()
    except InvalidInput as exc:
        db.session.rollback()
        return None, page(confirm_errors=_errors(exc), status=422)
    except Conflict as exc:
        db.session.rollback()
        return None, page(status=409, message=exc.message)
    db.session.commit()
    return result, None


# -- a departing supervisor's handover ------------------------------------------------------


def _handover_page(departing: Employee, form, *, confirm_errors=None, status=200, message=None):
    to = _person(form.get("to"))
    acting = form.get("acting") or ""
    set_atasan = _ticked(form, "set_atasan", True)
    q, candidates = _search(form, {departing.id})
    errors = dict(confirm_errors or {})
    preview, status = _preview_step(
        form,
        to,
        handovers.RECIPIENT,
        lambda: handovers.preview_handover(
            departing, to, acting, set_atasan=set_atasan, actor=_me()
        ),
        errors,
        status,
    )
    return render(
        "reassign/handover.html",
        departing=departing,
        to=_shown(to),
        acting=acting,
        set_atasan=set_atasan,
        note=form.get("note") or "",
        q=q,
        candidates=candidates,
        preview=preview,
        errors=errors,
        message=message,
        status=status,
    )


@bp.route("/admin/pengalihan/pegawai/<int:employee_id>")
@login_required
def handover(employee_id: int):
    return _handover_page(_employee_or_404(employee_id), request.args)


@bp.route("/admin/pengalihan/pegawai/<int:employee_id>", methods=["POST"])
@login_required
def confirm_handover(employee_id: int):
    departing = _employee_or_404(employee_id)
    form = request.form
    to = _person(form.get("to"))
    result, refused = _confirm(
        lambda: handovers.hand_over(
            departing,
            to,
            form.get("acting") or "",
            set_atasan=form.get("set_atasan") in TICKED,
            note=form.get("note") or "",
            token=form.get("token"),
            actor=_me(),
        ),
        partial(_handover_page, departing, form),
    )
    if refused is not None:
        return refused
    flash(
        _(
            "Pekerjaan %(name)s dialihkan: %(targets)d target, %(evaluations)d evaluasi, "
            "%(supervisors)d perubahan atasan.",
            name=departing.display_name,
            targets=len(result.targets),
            evaluations=len(result.evaluations),
            supervisors=len(result.supervisors),
        ),
        "success",
    )
    return redirect(url_for("reassign.index"), code=303)


# -- one employee's supervisor --------------------------------------------------------------


def _supervisor_page(employee: Employee, form, *, confirm_errors=None, status=200, message=None):
    atasan = _person(form.get("atasan"))
    move_work = _ticked(form, "move_work", True)
    q, candidates = _search(form, {employee.id})
    errors = dict(confirm_errors or {})
    preview, status = _preview_step(
        form,
        atasan,
        supervisor_changes.RECIPIENT,
        lambda: supervisor_changes.preview_supervisor_change(
            employee, atasan, move_work=move_work, actor=_me()
        ),
        errors,
        status,
    )
    return render(
        "reassign/supervisor.html",
        employee=employee,
        atasan=_shown(atasan),
        move_work=move_work,
        note=form.get("note") or "",
        q=q,
        candidates=candidates,
        preview=preview,
        errors=errors,
        message=message,
        status=status,
    )


@bp.route("/admin/pengalihan/pegawai/<int:employee_id>/atasan")
@login_required
def supervisor(employee_id: int):
    return _supervisor_page(_employee_or_404(employee_id), request.args)


@bp.route("/admin/pengalihan/pegawai/<int:employee_id>/atasan", methods=["POST"])
@login_required
def confirm_supervisor(employee_id: int):
    employee = _employee_or_404(employee_id)
    form = request.form
    result, refused = _confirm(
        lambda: supervisor_changes.change_supervisor(
            employee,
            _person(form.get("atasan")),
            move_work=form.get("move_work") in TICKED,
            note=form.get("note") or "",
            token=form.get("token"),
            actor=_me(),
        ),
        partial(_supervisor_page, employee, form),
    )
    if refused is not None:
        return refused
    flash(
        _(
            "Atasan langsung %(employee)s kini %(atasan)s; %(targets)d target dan "
            "%(evaluations)d evaluasi dialihkan.",
            employee=employee.display_name,
            atasan=employee.atasan.display_name,
            targets=len(result.targets),
            evaluations=len(result.evaluations),
        ),
        "success",
    )
    return redirect(url_for("people.profile", employee_id=employee.id), code=303)


# -- one target --------------------------------------------------------------------------------


def _target_page(target: Target, form, *, confirm_errors=None, status=200, message=None):
    q, candidates = _search(form, {target.owner_id} | {target.evaluator_id or 0})
    return render(
        "reassign/target.html",
        target=target,
        assignment=notes.assignment_view(target),
        to=_shown(_person(form.get("to"))),
        acting=form.get("acting") or "",
        note=form.get("note") or "",
        q=q,
        candidates=candidates,
        errors=confirm_errors or {},
        message=message,
        status=status,
    )


@bp.route("/admin/pengalihan/target/<int:target_id>")
@login_required
def target(target_id: int):
    return _target_page(_target_or_404(target_id, Action.REASSIGN_TARGET), request.args)


@bp.route("/admin/pengalihan/target/<int:target_id>", methods=["POST"])
@login_required
def confirm_target(target_id: int):
    target = _target_or_404(target_id, Action.REASSIGN_TARGET)
    form = request.form
    _result, refused = _confirm(
        lambda: single_target.reassign_target(
            target,
            _person(form.get("to")),
            form.get("acting") or "",
            note=form.get("note") or "",
            expected_version=form_version(),
            actor=_me(),
        ),
        # After a rollback the target reloads as it now is.
        partial(_target_page, target, form),
    )
    if refused is not None:
        return refused
    flash(_("Pejabat penilai target “%(title)s” dialihkan.", title=target.title), "success")
    return redirect(url_for("plans.target", target_id=target_id), code=303)


# -- the interim note ----------------------------------------------------------------------------


@bp.route("/target/<int:target_id>/catatan-serah-terima", methods=["POST"])
@login_required
def write_note(target_id: int):
    target = _target_or_404(target_id, Action.VIEW_TARGET)
    try:
        notes.write_note(target, _me(), request.form.get("note", ""))
    except (InvalidInput, Conflict) as exc:
        db.session.rollback()
        flash(exc.message, "error" if exc.status == 422 else "warning")
        return redirect(url_for("plans.target", target_id=target_id) + "#serah-terima", code=303)
    db.session.commit()
    flash(_("Catatan serah terima tersimpan."), "success")
    return redirect(url_for("plans.target", target_id=target_id) + "#serah-terima", code=303)


@bp.app_context_processor
def reassignment_helpers():
    """``acting_labels``: "Plt." and "Plh." by their code."""
    return {"acting_labels": ACTING}
