"""What each reassignment screen shows, built from its form: whom the picker chose, the
preview of what would change (or what stops it), and the picker's candidates.

No rendering and no commit here: the routes render a :class:`Screen` and commit a
confirmation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from portal import policy
from portal.errors import InvalidInput
from portal.extensions import db
from portal.models import Employee, Target
from portal.models.notifications import open_evaluator_report
from portal.reassign import handovers, notes, queries, supervisor_changes
from portal.reassign.forms import (
    HandoverForm,
    PickerSearchForm,
    SupervisorForm,
    TargetForm,
)
from portal.reassign.preview import Reassignment
from portal.reassign.work import Recipient


@dataclass
class Screen:
    """A screen's template variables and its HTTP status (422 while something stops
    the preview)."""

    context: dict[str, Any]
    status: int = 200


def person(person_id: int | None) -> Employee | None:
    """The person a picker chose. Whether they may be chosen is the service's question,
    answered in words."""
    return db.session.get(Employee, person_id) if person_id is not None else None


def shown(viewer: Employee, chosen: Employee | None) -> Employee | None:
    """A chosen person, unless they are of an instansi ``viewer`` may not see."""
    return chosen if chosen is not None and policy.visible(viewer, chosen) else None


def errors_of(exc: InvalidInput) -> dict[str, str]:
    """A refusal by field; one without a field goes at the top (``_``)."""
    return exc.errors or {"_": exc.message}


def _candidates(viewer: Employee, form, exclude: set[int]) -> list[Employee]:
    return queries.candidates(viewer.instansi_id, form.q.data, exclude)


def _preview_step(
    form,
    chosen: Employee | None,
    recipient: Recipient,
    make_preview: Callable[[], Reassignment],
    errors: dict,
    status: int,
) -> tuple[Reassignment | None, int]:
    """The preview for the person chosen in ``form``, or the errors that stop it, with
    the page's status. ``recipient`` says what is missing when the form was sent on
    without anyone chosen; a search (``cari``) only lists candidates."""
    if chosen is not None and not form.searching:
        try:
            return make_preview(), status
        except InvalidInput as exc:
            errors.update(errors_of(exc))
            return None, 422 if status == 200 else status
    if form.sent and not form.searching:
        errors[recipient.field] = str(recipient.missing)
        return None, 422
    return None, status


def handover(
    viewer: Employee, departing: Employee, form: HandoverForm, confirm_errors=None, status=200
) -> Screen:
    """A departing supervisor's work, handed to the recipient chosen."""
    to = person(form.to.data)
    acting = form.acting.data
    set_atasan = form.ticked(form.set_atasan, True)
    errors = dict(confirm_errors or {})
    preview, status = _preview_step(
        form,
        to,
        handovers.RECIPIENT,
        lambda: handovers.preview_handover(
            departing, to, acting, set_atasan=set_atasan, actor=viewer
        ),
        errors,
        status,
    )
    context = {
        "departing": departing,
        "to": shown(viewer, to),
        "acting": acting,
        "set_atasan": set_atasan,
        "note": form.note.data or "",
        "q": form.q.data,
        "candidates": _candidates(viewer, form, {departing.id}),
        "preview": preview,
        "errors": errors,
    }
    return Screen(context, status)


def supervisor(
    viewer: Employee, employee: Employee, form: SupervisorForm, confirm_errors=None, status=200
) -> Screen:
    """One employee's new atasan langsung, with or without their running work."""
    atasan = person(form.atasan.data)
    move_work = form.ticked(form.move_work, True)
    errors = dict(confirm_errors or {})
    preview, status = _preview_step(
        form,
        atasan,
        supervisor_changes.RECIPIENT,
        lambda: supervisor_changes.preview_supervisor_change(
            employee, atasan, move_work=move_work, actor=viewer
        ),
        errors,
        status,
    )
    context = {
        "employee": employee,
        "atasan": shown(viewer, atasan),
        "move_work": move_work,
        "note": form.note.data or "",
        "q": form.q.data,
        "candidates": _candidates(viewer, form, {employee.id}),
        "preview": preview,
        "errors": errors,
        # The employee's own "pejabat penilai salah" report, when open: what they wrote,
        # and the admin's way to close it when the evaluator on record is right.
        "evaluator_report": open_evaluator_report(employee.id),
    }
    return Screen(context, status)


def target(
    viewer: Employee, target: Target, form: TargetForm, confirm_errors=None, status=200
) -> Screen:
    """One target's new evaluator (previewed by the target page itself)."""
    context = {
        "target": target,
        "assignment": notes.assignment_view(target),
        "to": shown(viewer, person(form.to.data)),
        "acting": form.acting.data,
        "note": form.note.data or "",
        "q": form.q.data,
        "candidates": _candidates(viewer, form, {target.owner_id} | {target.evaluator_id or 0}),
        "errors": confirm_errors or {},
    }
    return Screen(context, status)


def picker_options(viewer: Employee, form: PickerSearchForm) -> Screen:
    """The person picker's options: active employees matching a NIP or a name."""
    context = {
        "field": form.field.data,
        "q": form.q.data,
        "candidates": _candidates(viewer, form, form.exclude.data),
        "selected": shown(viewer, person(form.selected.data)),
        "error": None,
    }
    return Screen(context)
