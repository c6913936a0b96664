"""The supervisor's verification queue: accept or reject one entry, or accept a
selection at once."""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import login_required

from portal import policy
from portal.errors import Conflict, DomainError, InvalidInput
from portal.extensions import db
from portal.forms import validate_or_raise
from portal.models import WorkEntry
from portal.policy import Action
from portal.reports import bp, queries, verification
from portal.reports.forms import AcceptSelectedForm, VerificationForm
from portal.routing import load_or_404
from portal.web import current_employee, is_fragment_request, render

VERIFY_EVENT = "entries-changed"
NOT_FOUND_OR_FORBIDDEN = _l("Laporan tidak ditemukan atau Anda tidak berwenang.")


@bp.route("/verifikasi")
@login_required
def queue():
    groups, total = queries.verification_queue(current_employee().id)
    return render("reports/queue.html", groups=groups, total=total, limit=queries.QUEUE_LIMIT)


def _entry_fragment(entry_id: int, *, status: int = 200, message=None, message_level=None):
    """The decided entry, and the queue's count out of band (it moved, or it is shown
    fresh after a refusal)."""
    me = current_employee()
    card = queries.entry_card(queries.load_entry(entry_id), me)
    return render(
        "reports/_verified.html",
        partial="reports/_verified.html",
        card=card,
        total=queries.pending_count(me.id),
        limit=queries.QUEUE_LIMIT,
        message=message,
        message_level=message_level,
        status=status,
    )


@bp.route("/verifikasi/<int:entry_id>", methods=["POST"])
@login_required
def verify(entry_id: int):
    me = current_employee()
    entry = load_or_404(WorkEntry, entry_id, Action.VIEW_ENTRY)
    form = VerificationForm()
    form.validate()
    if form.decision.errors:
        raise InvalidInput(str(form.decision.errors[0]))
    try:
        # In the order a supervisor needs the answer: a stale form, then whether the
        # entry is theirs to decide and still waiting, then what they typed.
        if form.version.errors:
            raise InvalidInput(str(form.version.errors[0]), field="version")
        verification.ensure_decidable(entry, me)
        if form.errors:
            raise InvalidInput(errors=form.errors_by_field())
        verification.verify(
            entry, me, form.version.data, accept=form.accept, reason=form.reason.data or ""
        )
    except (Conflict, InvalidInput) as exc:
        db.session.rollback()
        if not is_fragment_request():
            flash(exc.message, "error")
            return redirect(url_for("reports.queue"), code=303)
        return _entry_fragment(
            entry_id, status=exc.status, message=exc.message, message_level="warning"
        )
    db.session.commit()
    if not is_fragment_request():
        flash(_("Laporan diverifikasi."), "success")
        return redirect(url_for("reports.queue"), code=303)
    response = _entry_fragment(entry_id)
    response.headers["HX-Trigger"] = VERIFY_EVENT
    return response


@bp.route("/verifikasi/terima", methods=["POST"])
@login_required
def accept_selected():
    me = current_employee()
    form = AcceptSelectedForm()
    validate_or_raise(form)
    accepted, failed = 0, []
    for entry_id, version in form.entry.data.items():
        entry = db.session.get(WorkEntry, entry_id)
        if entry is None or not policy.can(me, Action.VIEW_ENTRY, entry):
            # Named only to those who may see it: an id from another instansi tells nothing.
            failed.append((None, str(NOT_FOUND_OR_FORBIDDEN)))
            continue
        try:
            # verify() refuses before it writes anything, so a refusal needs no savepoint.
            verification.verify(entry, me, version, accept=True)
            accepted += 1
        except DomainError as exc:
            failed.append((entry, exc.message))
    db.session.commit()
    if accepted:
        flash(
            ngettext("%(num)d laporan diterima.", "%(num)d laporan diterima.", accepted), "success"
        )
    for entry, message in failed:
        if entry is not None:
            message = _(
                "Laporan %(date)s (%(name)s): %(error)s",
                date=entry.entry_date.strftime("%d-%m-%Y"),
                name=entry.owner.name,
                error=message,
            )
        flash(message, "error")
    return redirect(url_for("reports.queue"), code=303)
