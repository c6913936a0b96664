"""Reassigning workflows: the admin's screens and the interim note on the target page.

Each screen shows a preview computed by ``handovers``, ``supervisor_changes`` or
``single_target`` and confirms it with the preview's token: what the admin saw is what
changes, or the answer is 409 with the fresh preview.
"""

from __future__ import annotations

from functools import partial

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from portal import policy
from portal.errors import Conflict, InvalidInput
from portal.extensions import db
from portal.forms import search_text
from portal.models import Employee, Target
from portal.models.plans import load_target
from portal.policy import Action
from portal.reassign import (
    bp,
    handovers,
    notes,
    queries,
    screens,
    single_target,
    supervisor_changes,
)
from portal.reassign.acting import ACTING
from portal.reassign.forms import (
    ConfirmTargetForm,
    HandoverForm,
    InterimNoteForm,
    PickerSearchForm,
    SupervisorForm,
    TargetForm,
    on_get,
)
from portal.routing import load_or_404
from portal.web import current_employee, render

_me = current_employee


def _employee_or_404(employee_id: int) -> Employee:
    return load_or_404(Employee, employee_id, Action.MANAGE_EMPLOYEE)


def _target_or_404(target_id: int, action: Action) -> Target:
    return load_or_404(load_target, target_id, action)


def _show(template: str, screen: screens.Screen, message: str | None = None):
    return render(template, **screen.context, message=message, status=screen.status)


def _confirm(form, act, page):
    """Carry out a confirmed reassignment: ``(result, None)`` once committed, or
    ``(None, response)``: ``page`` again with what refused it (422), or with the fresh
    preview and why the old one went stale (409), nothing changed."""
    if not form.validate():
        return None, page(confirm_errors=form.refusals(), status=422)
    try:
        result = act()
    except InvalidInput as exc:
        db.session.rollback()
        return None, page(confirm_errors=screens.errors_of(exc), status=422)
    except Conflict as exc:
        db.session.rollback()
        return None, page(status=409, message=exc.message)
    db.session.commit()
    return result, None


# -- the list of supervisors --------------------------------------------------------------


@bp.route("/admin/pengalihan")
@login_required
def index():
    me = _me()
    policy.authorize(me, Action.MANAGE_EMPLOYEE, me.instansi)
    query = search_text(request.args.get("q"), 100)
    page = queries.supervisors(me.instansi_id, query, request.args.get("page", 1, type=int))
    return render(
        "reassign/index.html",
        partial="reassign/_supervisors.html",
        page=page,
        query=query,
    )


@bp.route("/admin/pengalihan/cari")
@login_required
def people_search():
    """The person picker's options (htmx): active employees matching a NIP or a name."""
    me = _me()
    policy.authorize(me, Action.MANAGE_EMPLOYEE, me.instansi)
    form = on_get(PickerSearchForm, request.args)
    return _show("reassign/_picker_options.html", screens.picker_options(me, form))


# -- a departing supervisor's handover ------------------------------------------------------


def _handover_page(departing: Employee, form, *, confirm_errors=None, status=200, message=None):
    screen = screens.handover(_me(), departing, form, confirm_errors, status)
    return _show("reassign/handover.html", screen, message)


@bp.route("/admin/pengalihan/pegawai/<int:employee_id>")
@login_required
def handover(employee_id: int):
    return _handover_page(_employee_or_404(employee_id), on_get(HandoverForm, request.args))


@bp.route("/admin/pengalihan/pegawai/<int:employee_id>", methods=["POST"])
@login_required
def confirm_handover(employee_id: int):
    departing = _employee_or_404(employee_id)
    form = HandoverForm()
    result, refused = _confirm(
        form,
        lambda: handovers.hand_over(
            departing,
            screens.person(form.to.data),
            form.acting.data,
            set_atasan=form.set_atasan.data,
            note=form.note.data or "",
            token=form.token.data,
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
    screen = screens.supervisor(_me(), employee, form, confirm_errors, status)
    return _show("reassign/supervisor.html", screen, message)


@bp.route("/admin/pengalihan/pegawai/<int:employee_id>/atasan")
@login_required
def supervisor(employee_id: int):
    return _supervisor_page(_employee_or_404(employee_id), on_get(SupervisorForm, request.args))


@bp.route("/admin/pengalihan/pegawai/<int:employee_id>/atasan", methods=["POST"])
@login_required
def confirm_supervisor(employee_id: int):
    employee = _employee_or_404(employee_id)
    form = SupervisorForm()
    result, refused = _confirm(
        form,
        lambda: supervisor_changes.change_supervisor(
            employee,
            screens.person(form.atasan.data),
            move_work=form.move_work.data,
            note=form.note.data or "",
            token=form.token.data,
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
    screen = screens.target(_me(), target, form, confirm_errors, status)
    return _show("reassign/target.html", screen, message)


@bp.route("/admin/pengalihan/target/<int:target_id>")
@login_required
def target(target_id: int):
    target = _target_or_404(target_id, Action.REASSIGN_TARGET)
    return _target_page(target, on_get(TargetForm, request.args))


@bp.route("/admin/pengalihan/target/<int:target_id>", methods=["POST"])
@login_required
def confirm_target(target_id: int):
    target = _target_or_404(target_id, Action.REASSIGN_TARGET)
    form = ConfirmTargetForm()
    _result, refused = _confirm(
        form,
        lambda: single_target.reassign_target(
            target,
            screens.person(form.to.data),
            form.acting.data,
            note=form.note.data or "",
            expected_version=form.version.data,
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
    back = url_for("plans.target", target_id=target_id) + "#serah-terima"
    form = InterimNoteForm()
    if not form.validate():
        flash(next(iter(form.errors_by_field().values())), "error")
        return redirect(back, code=303)
    try:
        notes.write_note(target, _me(), form.note.data or "")
    except (InvalidInput, Conflict) as exc:
        db.session.rollback()
        flash(exc.message, "error" if exc.status == 422 else "warning")
        return redirect(back, code=303)
    db.session.commit()
    flash(_("Catatan serah terima tersimpan."), "success")
    return redirect(back, code=303)


@bp.app_context_processor
def reassignment_helpers():
    """``acting_labels``: "Plt." and "Plh." by their code."""
    return {"acting_labels": ACTING}
