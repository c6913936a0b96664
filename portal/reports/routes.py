from __future__ import annotations

import secrets
from datetime import date

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import login_required
from sqlalchemy.exc import IntegrityError

from portal import clock, exports, policy
from portal.errors import Conflict, DomainError, InvalidInput
from portal.extensions import db
from portal.home.queries import current_period
from portal.models import Employee, Evidence, Period, Target, WorkEntry
from portal.months import elapsed_months, month_label, month_of, month_start, report_deadline
from portal.policy import Action, PlanRef
from portal.reports import bp, charts, evidence, queries, services
from portal.reports.realisation import realisations
from portal.web import (
    current_employee,
    form_version,
    is_fragment_request,
    render,
    versioned_ids,
    whole_number,
)

VERIFY_EVENT = "entries-changed"


_me = current_employee


def _entry_or_404(entry_id: int, action: Action) -> WorkEntry:
    entry = db.session.get(WorkEntry, entry_id)
    if entry is None:
        abort(404)
    policy.authorize(_me(), action, entry)
    return entry


def _day_from_args() -> date:
    raw = request.args.get("tanggal", "")
    try:
        day = date.fromisoformat(raw) if raw else clock.today()
    except ValueError:
        raise InvalidInput(_("Tanggal tidak valid; gunakan format tahun-bulan-tanggal.")) from None
    return min(day, clock.today())


def _log_context(day: date, form=None, errors=None, entry: WorkEntry | None = None) -> dict:
    me = _me()
    targets = services.reportable_targets(me.id)
    return {
        "day": day,
        "targets": queries.recent_first(me.id, targets),
        "entries": queries.day_entries(me.id, day),
        "form": form if form is not None else {"entry_date": day.isoformat()},
        "errors": errors or {},
        "form_token": secrets.token_hex(16),
        "entry": entry,
        "holiday": clock.holidays().get(day),
    }


@bp.route("/laporan")
@login_required
def daily_log():
    return render("reports/daily.html", **_log_context(_day_from_args()))


@bp.route("/laporan", methods=["POST"])
@login_required
def create_entry():
    me = _me()
    token = request.form.get("form_token", "")
    stored: list[str] = []
    try:
        # A form posted again (double click, retry) answers with what the first post
        # saved, before any check: the first entry's own minutes must not refuse it.
        entry = services.entry_for_token(token, me)
        if entry is None:
            targets = services.reportable_targets(me.id)
            files = request.files.getlist("files")
            data = services.parse_entry(request.form, files, me.id, targets)
            entry = services.create_entry(data, me, token, stored)
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
        day = _safe_day(request.form.get("entry_date"))
        context = _log_context(day, form=request.form, errors=exc.errors or {"form": exc.message})
        context["form_token"] = request.form.get("form_token") or context["form_token"]
        return render("reports/daily.html", partial="reports/_log.html", status=422, **context)
    except Exception:
        db.session.rollback()
        evidence.discard(stored)
        raise
    day = entry.entry_date
    if not is_fragment_request():
        flash(_("Laporan tersimpan dan menunggu verifikasi atasan."), "success")
        return redirect(url_for("reports.daily_log", tanggal=day.isoformat()), code=303)
    context = _log_context(day)
    context["form"] = {"entry_date": day.isoformat(), "target_id": str(entry.target_id)}
    context["saved"] = entry
    return render("reports/daily.html", partial="reports/_log.html", **context)


def _safe_day(raw: str | None) -> date:
    try:
        return min(date.fromisoformat(raw or ""), clock.today())
    except ValueError:
        return clock.today()


@bp.route("/laporan/<int:entry_id>/ubah", methods=["GET", "POST"])
@login_required
def edit_entry(entry_id: int):
    me = _me()
    entry = _entry_or_404(entry_id, Action.EDIT_ENTRY)
    targets = services.reportable_targets(me.id)
    if request.method == "GET":
        form = {
            "entry_date": entry.entry_date.isoformat(),
            "target_id": str(entry.target_id),
            "description": entry.description,
            "quantity": str(entry.quantity),
            "minutes": str(entry.minutes),
            "cost": str(entry.cost or ""),
            "links": "\n".join(entry.links or []),
            "version": str(entry.version),
        }
        return render(
            "reports/edit.html",
            entry=entry,
            form=form,
            errors={},
            targets=queries.recent_first(me.id, targets),
        )
    stored: list[str] = []
    try:
        version = form_version()
        data = services.parse_entry(
            request.form, request.files.getlist("files"), me.id, targets, existing=entry
        )
        services.update_entry(entry, data, me, version, stored)
        db.session.commit()
    except (InvalidInput, Conflict) as exc:
        db.session.rollback()
        evidence.discard(stored)
        entry = db.session.get(WorkEntry, entry_id)
        errors = (
            exc.errors or {"form": exc.message}
            if isinstance(exc, InvalidInput)
            else {"version": exc.message}
        )
        return render(
            "reports/edit.html",
            entry=entry,
            form=request.form,
            errors=errors,
            targets=queries.recent_first(me.id, targets),
            status=exc.status,
        )
    except Exception:
        db.session.rollback()
        evidence.discard(stored)
        raise
    flash(_("Perubahan laporan tersimpan dan menunggu verifikasi."), "success")
    return redirect(url_for("reports.daily_log", tanggal=data.entry_date.isoformat()), code=303)


@bp.route("/laporan/<int:entry_id>/hapus", methods=["POST"])
@login_required
def delete_entry(entry_id: int):
    entry = _entry_or_404(entry_id, Action.EDIT_ENTRY)
    day = entry.entry_date
    files = services.delete_entry(entry, _me(), form_version())
    db.session.commit()
    evidence.discard(files)
    flash(_("Laporan dihapus."), "success")
    return redirect(url_for("reports.daily_log", tanggal=day.isoformat()), code=303)


@bp.route("/bukti/<int:evidence_id>")
@login_required
def download(evidence_id: int):
    item = db.session.get(Evidence, evidence_id)
    if item is None:
        abort(404)
    policy.authorize(_me(), Action.VIEW_ENTRY, item.entry)
    path = evidence.path_of(item.stored_name)
    if not path.exists():
        abort(404)
    return exports.download(path, item.original_name, item.content_type)


def _period_month(period: Period) -> int:
    month = whole_number(request.args.get("bulan"))
    if month is not None and 1 <= month <= period.month_count:
        return month
    return month_of(period, clock.today())


@bp.route("/laporan/bulan")
@login_required
def my_month():
    me = _me()
    period = current_period(me.instansi_id)
    if period is None:
        flash(_("Belum ada periode penilaian yang dibuka."), "info")
        return redirect(url_for("home.index"))
    return redirect(
        url_for(
            "reports.monthly_report",
            employee_id=me.id,
            period_id=period.id,
            bulan=_period_month(period),
        )
    )


@bp.route("/laporan/pegawai/<int:employee_id>/periode/<int:period_id>")
@login_required
def monthly_report(employee_id: int, period_id: int):
    me = _me()
    period = db.session.get(Period, period_id)
    employee = db.session.get(Employee, employee_id)
    if period is None or employee is None or employee.instansi_id != period.instansi_id:
        abort(404)
    ref = PlanRef(employee, period)
    policy.authorize(me, Action.VIEW_PLAN, ref)
    month = _period_month(period)
    today = clock.today()
    targets = queries.targets_for_report(employee.id, period.id)
    figures = realisations(targets)
    labels = [month_label(period, m) for m in range(1, period.month_count + 1)]
    elapsed = elapsed_months(period, today)
    charts_by_target = {
        t.id: charts.cumulative_chart(figures[t.id].cumulative(), labels, elapsed) for t in targets
    }
    start = month_start(period, month)
    return render(
        "reports/monthly.html",
        employee=employee,
        period=period,
        month=month,
        targets=targets,
        figures=figures,
        charts=charts_by_target,
        labels=labels,
        elapsed=elapsed,
        weeks=queries.month_calendar(employee.id, start.year, start.month),
        late=queries.late_months(employee.id, period, targets, today),
        deadline=report_deadline(period, month),
        is_owner=employee.id == me.id,
    )


@bp.route("/target/<int:target_id>/kualitas/<int:month>", methods=["POST"])
@login_required
def rate_month(target_id: int, month: int):
    target = db.session.get(Target, target_id)
    if target is None:
        abort(404)
    policy.authorize(_me(), Action.VIEW_TARGET, target)
    if not 1 <= month <= target.period.month_count:
        abort(404)  # no such month: there is no fragment to answer with either
    report = url_for(
        "reports.monthly_report",
        employee_id=target.owner_id,
        period_id=target.period_id,
        bulan=month,
    )
    try:
        services.rate_month(target, month, _me(), request.form)
    except InvalidInput as exc:
        db.session.rollback()
        if not is_fragment_request():  # a bare fragment is no page to land on
            flash(exc.message, "error")
            return redirect(report, code=303)
        return _rating_fragment(target, month, error=exc.message, status=422)
    db.session.commit()
    if not is_fragment_request():
        flash(_("Nilai kualitas bulanan tersimpan."), "success")
        return redirect(report, code=303)
    return _rating_fragment(target, month, saved=True)


def _rating_fragment(target: Target, month: int, *, error=None, saved=False, status=200):
    from portal.plans.queries import load_target

    fresh = load_target(target.id)
    figures = realisations([fresh])[fresh.id]
    return render(
        "reports/_rating.html",
        partial="reports/_rating.html",
        status=status,
        t=fresh,
        m=figures.months[month - 1],
        month=month,
        error=error,
        saved=saved,
        form=request.form,
    )


@bp.route("/verifikasi")
@login_required
def queue():
    groups, total = queries.verification_queue(_me().id)
    return render("reports/queue.html", groups=groups, total=total, limit=queries.QUEUE_LIMIT)


@bp.route("/verifikasi/<int:entry_id>", methods=["POST"])
@login_required
def verify(entry_id: int):
    entry = _entry_or_404(entry_id, Action.VIEW_ENTRY)
    decision = request.form.get("decision")
    if decision not in ("accept", "reject"):
        raise InvalidInput(_("Pilih terima atau tolak."))
    try:
        services.verify(
            entry,
            _me(),
            form_version(),
            accept=decision == "accept",
            reason=request.form.get("reason", ""),
        )
    except (Conflict, InvalidInput) as exc:
        db.session.rollback()
        fresh = db.session.get(WorkEntry, entry_id)
        if not is_fragment_request():
            flash(exc.message, "error")
            return redirect(url_for("reports.queue"), code=303)
        return render(
            "reports/_queue_entry.html",
            partial="reports/_queue_entry.html",
            entry=fresh,
            message=exc.message,
            message_level="warning",
            status=exc.status,
        )
    db.session.commit()
    fresh = db.session.get(WorkEntry, entry_id)
    if not is_fragment_request():
        flash(_("Laporan diverifikasi."), "success")
        return redirect(url_for("reports.queue"), code=303)
    response = render("reports/_queue_entry.html", partial="reports/_queue_entry.html", entry=fresh)
    response.headers["HX-Trigger"] = VERIFY_EVENT
    return response


@bp.route("/verifikasi/terima", methods=["POST"])
@login_required
def accept_selected():
    me = _me()
    chosen = versioned_ids("entry")
    if not chosen:
        raise InvalidInput(_("Pilih minimal satu laporan."))
    accepted, failed = 0, []
    for entry_id, version in chosen.items():
        entry = db.session.get(WorkEntry, entry_id)
        if entry is None or not policy.can(me, Action.VIEW_ENTRY, entry):
            # Named only to those who may see it: an id from another instansi tells nothing.
            failed.append((None, _("Laporan tidak ditemukan atau Anda tidak berwenang.")))
            continue
        try:
            # verify() refuses before it writes anything, so a refusal needs no savepoint.
            services.verify(entry, me, version, accept=True)
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


@bp.route("/tim")
@login_required
def team():
    me = _me()
    period = current_period(me.instansi_id)
    if period is None:
        flash(_("Belum ada periode penilaian yang dibuka."), "info")
        return redirect(url_for("home.index"))
    month = _period_month(period)
    return render(
        "reports/team.html",
        period=period,
        month=month,
        rows=queries.team_progress(me.id, period, month),
        label=month_label(period, month),
    )
