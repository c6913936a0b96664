"""Monitoring: the dashboard per instansi and unit (with htmx drill-down and XLSX export),
and each period's progress page. For the instansi's admins (``MANAGE_INSTANSI``)."""

from __future__ import annotations

from flask import request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal import audit, clock, exports, policy
from portal.errors import NotFound
from portal.extensions import db
from portal.models import Employee, Period, Unit
from portal.monitoring import bp, export, queries, services
from portal.months import month_label
from portal.policy import Action
from portal.routing import load_or_404
from portal.web import arg_id, is_fragment_request, render, whole_number

HELPERS = {"month_label": month_label}


def _me() -> Employee:
    return current_user._get_current_object()


def _unit(user: Employee, unit_id: int) -> Unit:
    """The unit, for an admin of its instansi (``user`` is the signed-in admin)."""
    return load_or_404(Unit, unit_id, Action.MANAGE_INSTANSI)


def _scope(user: Employee, unit: Unit | None) -> tuple[queries.Scope, list[Period]]:
    """The scope asked for: the unit (or the user's instansi) in the period of
    ``?periode=`` (default: the open period that started last)."""
    instansi = unit.instansi if unit is not None else user.instansi
    policy.authorize(user, Action.MANAGE_INSTANSI, instansi)
    choices = queries.periods(instansi.id)
    raw = request.args.get("periode")
    if raw is None or raw == "":
        period = queries.default_period(choices)
    else:
        wanted = whole_number(raw)
        period = next((p for p in choices if p.id == wanted), None)
        if period is None:
            raise NotFound(_("Periode penilaian ini tidak ada di instansi Anda."))
    if period is None:
        raise NotFound(_("Belum ada periode penilaian di instansi ini."))
    return queries.Scope(instansi.id, period, clock.today(), unit), choices


def _dashboard(unit: Unit | None):
    scope, choices = _scope(_me(), unit)
    return render(
        "monitoring/dashboard.html",
        partial="monitoring/_level.html",
        board=services.dashboard(scope, choices),
        is_fragment=is_fragment_request(),
        **HELPERS,
    )


@bp.route("/admin/pemantauan")
@login_required
def dashboard():
    return _dashboard(None)


@bp.route("/admin/pemantauan/unit/<int:unit_id>")
@login_required
def unit(unit_id: int):
    return _dashboard(_unit(_me(), unit_id))


@bp.route("/admin/pemantauan/ekspor.xlsx")
@login_required
def export_xlsx():
    user = _me()
    raw_unit = request.args.get("unit")
    unit = None
    if raw_unit:
        unit_id = arg_id("unit")
        if unit_id is None:
            raise NotFound(policy.NOT_FOUND)
        unit = _unit(user, unit_id)
    scope, _choices = _scope(user, unit)
    content = export.workbook(scope)
    audit.record(
        "monitoring.export",
        unit or scope.period,
        summary={"period_id": scope.period.id, "unit_id": unit.id if unit else None},
    )
    db.session.commit()
    name = f"pemantauan-{scope.period.id}" + (f"-unit{unit.id}" if unit else "") + ".xlsx"
    return exports.download(content, name, exports.XLSX)


@bp.route("/admin/periode/<int:period_id>/progres")
@login_required
def period_progress(period_id: int):
    period = load_or_404(Period, period_id, Action.MANAGE_INSTANSI)
    return render(
        "monitoring/progress.html", progress=services.progress(period, clock.today()), **HELPERS
    )
