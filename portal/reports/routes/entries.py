"""The daily log (laporan harian): log a day's work, edit or delete it until it is
verified, and download its evidence."""

from __future__ import annotations

import secrets
from datetime import date

from flask import abort, flash, redirect, request, url_for
from flask_babel import format_date, ngettext
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy.exc import IntegrityError

from portal import clock, exports
from portal.errors import Conflict, InvalidInput
from portal.extensions import db
from portal.forms import INVALID_DATE, validate_or_raise
from portal.models import Evidence, WorkEntry
from portal.policy import Action
from portal.reports import bp, evidence, queries, services
from portal.reports.forms import DeleteEntryForm, EditEntryForm, EntryForm, NewEntryForm
from portal.routing import load_or_404
from portal.web import FILE_CSP, current_employee, is_fragment_request, render


def _day_from_args() -> date:
    raw = request.args.get("tanggal", "")
    try:
        day = date.fromisoformat(raw) if raw else clock.today()
    except ValueError:
        raise InvalidInput(str(INVALID_DATE)) from None
    return min(day, clock.today())


def _unfielded(exc: InvalidInput) -> str | None:
    """A refusal that names no field (a stale or foreign form) goes above the form."""
    return None if exc.errors else exc.message


def _log_page(
    day: date,
    form: NewEntryForm | None = None,
    *,
    fragment: bool = True,
    status: int = 200,
    saved: WorkEntry | None = None,
    form_error: str | None = None,
):
    me = current_employee()
    targets = queries.reportable_targets(me.id)
    if form is None:
        form = NewEntryForm(
            formdata=None, owner_id=me.id, targets=targets, data={"entry_date": day}
        )
    if not form.form_token.data:
        form.form_token.data = secrets.token_hex(16)
    return render(
        "reports/daily.html",
        partial="reports/_log.html" if fragment else None,
        status=status,
        day=day,
        form=form,
        form_error=form_error,
        targets=targets,
        all_closed=not targets and queries.has_closed_targets(me.id),
        entries=queries.day_cards(me, day),
        holiday=clock.holidays().get(day),
        weekend=day.weekday() >= 5,
        saved=saved,
    )


@bp.route("/laporan")
@login_required
def daily_log():
    return _log_page(_day_from_args(), fragment=False)


@bp.route("/laporan", methods=["POST"])
@login_required
def create_entry():
    me = current_employee()
    form = NewEntryForm(owner_id=me.id, targets=queries.reportable_targets(me.id))
    token = form.form_token.data or ""
    stored: list[str] = []
    try:
        # A form posted again (double click, retry) answers with what the first post
        # saved, before any check: the first entry's own minutes must not refuse it.
        entry = services.entry_for_token(token, me)
        if entry is None:
            validate_or_raise(form)
            entry = services.create_entry(form.entry_input(), me, token, stored)
            db.session.commit()
    except IntegrityError:  # the twin of this post got in first
        db.session.rollback()
        evidence.discard(stored)
        entry = services.entry_for_token(token, me)
        if entry is None:
            raise
    except InvalidInput as exc:
        db.session.rollback()
        evidence.discard(stored)
        day = min(form.entry_date.data or clock.today(), clock.today())
        form_error = form.form_error or _unfielded(exc)
        return _log_page(day, form, status=422, form_error=form_error)
    except Exception:
        db.session.rollback()
        evidence.discard(stored)
        raise
    day = entry.entry_date
    if not is_fragment_request():
        flash(_("Laporan tersimpan dan menunggu verifikasi atasan."), "success")
        return redirect(url_for("reports.daily_log", tanggal=day.isoformat()), code=303)
    fresh = NewEntryForm(
        formdata=None,
        owner_id=me.id,
        targets=[],
        data={"entry_date": day, "target_id": entry.target_id},
    )
    return _log_page(day, fresh, saved=entry)


def _edit_page(entry: WorkEntry, form: EntryForm, *, status=200, notice=None, form_error=None):
    return render(
        "reports/edit.html",
        entry=entry,
        card=queries.entry_card(entry, current_employee()),
        form=form,
        targets=list(form.targets.values()),
        notice=notice,
        form_error=form_error,
        status=status,
    )


@bp.route("/laporan/<int:entry_id>/ubah", methods=["GET", "POST"])
@login_required
def edit_entry(entry_id: int):
    me = current_employee()
    entry = load_or_404(WorkEntry, entry_id, Action.EDIT_ENTRY)
    targets = queries.reportable_targets(me.id)
    if request.method == "GET":
        form = EditEntryForm(
            formdata=None,
            owner_id=me.id,
            targets=targets,
            existing=entry,
            data={
                "entry_date": entry.entry_date,
                "target_id": entry.target_id,
                "description": entry.description,
                "quantity": entry.quantity,
                "minutes": entry.minutes,
                "cost": entry.cost or None,  # no cost and a cost of 0 both show blank
                "links": "\n".join(entry.links or []),
            },
        )
        return _edit_page(entry, form)
    form = EditEntryForm(owner_id=me.id, targets=targets, existing=entry)
    stored: list[str] = []
    try:
        services.refuse_if_closed(entry)  # before the form: its target is no choice now
        validate_or_raise(form)
        data = form.entry_input()
        services.update_entry(entry, data, me, form.version.data, stored)
        db.session.commit()
    except (InvalidInput, Conflict) as exc:
        db.session.rollback()
        evidence.discard(stored)
        fresh = db.session.get(WorkEntry, entry_id)
        if isinstance(exc, Conflict):
            return _edit_page(fresh, form, status=exc.status, notice=exc.message)
        form_error = form.form_error or _unfielded(exc) or next(iter(form.version.errors), None)
        return _edit_page(fresh, form, status=exc.status, form_error=form_error)
    except Exception:
        db.session.rollback()
        evidence.discard(stored)
        raise
    flash(_("Perubahan laporan tersimpan dan menunggu verifikasi."), "success")
    return redirect(url_for("reports.daily_log", tanggal=data.entry_date.isoformat()), code=303)


@bp.route("/laporan/<int:entry_id>/hapus", methods=["GET", "POST"])
@login_required
def delete_entry(entry_id: int):
    """Two steps: without the confirmation's "yes" this only says what will be lost (the
    entry and its evidence files); with it, the entry is deleted."""
    entry = load_or_404(WorkEntry, entry_id, Action.EDIT_ENTRY)
    day = entry.entry_date
    form = DeleteEntryForm()
    services.refuse_if_closed(entry)
    if not (form.is_submitted() and form.confirmed.given):
        return _confirm_delete(entry, form.version.data or entry.version)
    validate_or_raise(form)
    files = services.delete_entry(entry, current_employee(), form.version.data)
    db.session.commit()
    evidence.discard(files)
    flash(_("Laporan dihapus."), "success")
    return redirect(url_for("reports.daily_log", tanggal=day.isoformat()), code=303)


def _confirm_delete(entry: WorkEntry, version: int):
    files = len(entry.evidence)
    when = format_date(entry.entry_date, "d MMMM y")
    if files:
        lost = ngettext(
            "Laporan %(date)s dan %(num)d berkas bukti akan dihapus.",
            "Laporan %(date)s dan %(num)d berkas bukti akan dihapus.",
            files,
            date=when,
        )
    else:
        lost = _("Laporan %(date)s akan dihapus.", date=when)
    return render(
        "confirm_delete.html",
        heading=_("Hapus laporan harian?"),
        lost=lost,
        details=[entry.target.title, entry.description]
        + [item.original_name for item in entry.evidence],
        action=url_for("reports.delete_entry", entry_id=entry.id),
        version=version,
        back=url_for("reports.daily_log", tanggal=entry.entry_date.isoformat()),
    )


def _evidence(evidence_id: int) -> Evidence:
    """The evidence row, once its entry may be seen by the user (404/403 otherwise)."""
    load_or_404(queries.entry_of_evidence, evidence_id, Action.VIEW_ENTRY)
    return db.session.get(Evidence, evidence_id)


@bp.route("/bukti/<int:evidence_id>")
@login_required
def download(evidence_id: int):
    item = _evidence(evidence_id)
    path = evidence.path_of(item.stored_name)
    if not path.exists():
        abort(404)
    return exports.download(path, item.original_name, item.content_type)


@bp.route("/bukti/<int:evidence_id>/lihat")
@login_required
def view_evidence(evidence_id: int):
    """The file in the browser (a PDF in its own viewer), under a policy that lets it
    run and load nothing."""
    item = _evidence(evidence_id)
    path = evidence.path_of(item.stored_name)
    if not path.exists():
        abort(404)
    response = exports.download(path, item.original_name, item.content_type, inline=True)
    response.headers["Content-Security-Policy"] = FILE_CSP
    return response


@bp.route("/bukti/<int:evidence_id>/gambar-kecil")
@login_required
def evidence_thumbnail(evidence_id: int):
    item = _evidence(evidence_id)
    if item.content_type not in evidence.IMAGE_TYPES:
        abort(404)
    thumb = evidence.thumbnail_of(item.stored_name)
    if thumb is None:
        abort(404)
    response = exports.download(thumb, f"kecil-{item.original_name}", "image/jpeg", inline=True)
    response.headers["Content-Security-Policy"] = FILE_CSP
    return response
