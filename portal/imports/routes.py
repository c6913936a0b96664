"""Import and export of people and units: upload, preview, commit, discard, export."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from flask import abort, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal import audit, exports, policy
from portal.extensions import db
from portal.imports import bp, export, services
from portal.imports.columns import COLUMNS
from portal.imports.forms import UploadForm
from portal.imports.preview import Preview
from portal.imports.reader import FileRefused
from portal.models import Employee, ImportBatch, Instansi
from portal.pagination import paginate_list
from portal.policy import Action
from portal.web import current_employee, render

PAGE_SIZE = 100
ERROR_ROWS_SHOWN = 300


def _admin() -> Employee:
    user = current_employee()
    policy.authorize(user, Action.MANAGE_EMPLOYEE, user.instansi)
    return user


@dataclass(frozen=True)
class BatchTag:
    """A batch's status as a tag, in words: ``tone`` is the tag's style."""

    tone: str
    label: str


@bp.app_template_global("import_status_tag")
def batch_tag(batch: ImportBatch) -> BatchTag:
    """``preview → committed | discarded``; a preview with errors cannot be applied."""
    if batch.status == "committed":
        return BatchTag("ok", _("diterapkan"))
    if batch.status == "discarded":
        return BatchTag("muted", _("dibatalkan"))
    if batch.summary.get("errors"):
        return BatchTag("err", _("pratinjau, ada kesalahan"))
    return BatchTag("warn", _("menunggu diterapkan"))


def _batch(batch_id: int) -> tuple[Employee, ImportBatch]:
    """The batch, for an admin of its instansi (another instansi's is 404)."""
    user = current_employee()
    batch = db.session.get(ImportBatch, batch_id)
    if batch is None:
        abort(404)
    policy.authorize(user, Action.MANAGE_EMPLOYEE, db.session.get(Instansi, batch.instansi_id))
    return user, batch


def _upload_page(form: UploadForm, status: int = 200, issues=()):
    user = current_employee()
    batches = db.session.scalars(
        select(ImportBatch)
        .where(ImportBatch.instansi_id == user.instansi_id)
        .options(selectinload(ImportBatch.uploaded_by))
        .order_by(ImportBatch.created_at.desc(), ImportBatch.id.desc())
        .limit(10)
    ).all()
    return render(
        "imports/upload.html",
        form=form,
        issues=issues,
        batches=batches,
        columns=COLUMNS,
        max_rows=current_app.config["PORTAL_IMPORT_MAX_ROWS"],
        max_mb=current_app.config["PORTAL_IMPORT_MAX_MB"],
        status=status,
    )


@bp.route("/admin/impor-pegawai", methods=["GET", "POST"])
@login_required
def upload():
    user = _admin()
    form = UploadForm()
    if not form.validate_on_submit():
        return _upload_page(form, 422 if form.is_submitted() else 200)
    upload_file = form.file.data
    data = upload_file.stream.read(services.max_bytes() + 1)
    try:
        batch, plan = services.upload(
            data, upload_file.filename or "berkas", user.instansi, user, form.full_import.data
        )
    except FileRefused as exc:
        db.session.rollback()
        form.file.errors.append(exc.message)
        return _upload_page(form, 422, exc.issues)
    services.keep_preview(batch, user, plan)  # before the commit expires the plan's rows
    db.session.commit()
    return redirect(url_for("imports.preview", batch_id=batch.id), code=303)


@bp.route("/admin/impor-pegawai/<int:batch_id>")
@login_required
def preview(batch_id: int):
    user, batch = _batch(batch_id)
    if batch.status != "preview":
        return render("imports/closed.html", batch=batch, committed=batch.status == "committed")
    return _preview_page(batch, services.preview_of(batch, user))


def _preview_page(batch: ImportBatch, shown: Preview, status: int = 200):
    page = paginate_list(shown.changed, request.args.get("halaman", 1, type=int), PAGE_SIZE)
    error_rows = shown.errors_by_row()
    return render(
        "imports/preview.html",
        batch=batch,
        preview=shown,
        counts=shown.counts,
        changed=page.items,
        page=page,
        error_rows=error_rows[:ERROR_ROWS_SHOWN],
        hidden_error_rows=max(len(error_rows) - ERROR_ROWS_SHOWN, 0),
        status=status,
    )


@bp.route("/admin/impor-pegawai/<int:batch_id>/terapkan", methods=["GET", "POST"])
@login_required
def commit(batch_id: int):
    user, batch = _batch(batch_id)
    if request.method == "GET":  # a reload of the result page shows no password again
        return redirect(url_for("imports.preview", batch_id=batch.id), code=303)
    try:
        result = services.commit(batch, user)
    except services.PlanHasErrors as exc:
        # The database changed since the preview was kept: the next views show this.
        shown = services.keep_preview(batch, user, exc.plan)
        db.session.rollback()
        db.session.refresh(batch)
        return _preview_page(batch, shown, 422)
    db.session.commit()
    services.remove_file(batch)
    return render("imports/committed.html", batch=batch, result=result)


@bp.route("/admin/impor-pegawai/<int:batch_id>/batalkan", methods=["POST"])
@login_required
def discard(batch_id: int):
    user, batch = _batch(batch_id)
    services.discard(batch, user)
    db.session.commit()
    services.remove_file(batch)
    flash(
        _("Impor berkas “%(name)s” dibatalkan; tidak ada yang diubah.", name=batch.filename), "info"
    )
    return redirect(url_for("imports.upload"), code=303)


def _filename(instansi: Instansi, extension: str) -> str:
    code = re.sub(r"[^A-Za-z0-9_-]+", "_", instansi.code)
    return f"pegawai-{code}-{date.today().isoformat()}.{extension}"


def _record_export(user, file_format: str) -> None:
    """Personal data leaving the portal: who took which export, when."""
    audit.record("import.export", user.instansi, summary={"format": file_format})
    db.session.commit()


@bp.route("/admin/ekspor-pegawai.csv")
@login_required
def export_csv():
    user = _admin()
    _record_export(user, "csv")
    chunks = export.csv_chunks(export.rows(user.instansi_id))
    return exports.download(chunks, _filename(user.instansi, "csv"), exports.CSV)


@bp.route("/admin/ekspor-pegawai.xlsx")
@login_required
def export_xlsx():
    user = _admin()
    _record_export(user, "xlsx")
    data = export.xlsx_bytes(export.rows(user.instansi_id))
    return exports.download(data, _filename(user.instansi, "xlsx"), exports.XLSX)


@bp.route("/admin/impor-pegawai/templat.<any(csv, xlsx):extension>")
@login_required
def template(extension: str):
    _admin()
    name = f"templat-impor-pegawai.{extension}"
    if extension == "csv":
        return exports.download(export.csv_chunks(iter(())), name, exports.CSV)
    return exports.download(export.xlsx_bytes(iter(()), instructions=True), name, exports.XLSX)
